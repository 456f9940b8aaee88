"""The alert path, end to end: a real failing invocation -> the function's Errors metric -> its
alarm goes to ALARM -> the alarm's SNS topic -> a subscribed test queue receives the notification.

MiniStack records AWS/Lambda metrics for every invocation by itself, but evaluates alarms only when
a PutMetricData call arrives (AWS evaluates every period on its own). The test therefore publishes
one datapoint to its own namespace, DailyNotifications/E2E (labelled, and read by no alarm), to make
the emulator evaluate; in AWS that call is harmless and the alarm fires on its own schedule.
Destructive (it fires a real alarm): DN_E2E_DESTRUCTIVE=1."""
from __future__ import annotations

import datetime
import json
import os
import unittest
import uuid

from tools.dn_env import Environment, poll

ENV = os.environ.get("DN_ENV", "local")
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"


@unittest.skipUnless(DESTRUCTIVE, "fires a real alarm")
class AlertPath(unittest.TestCase):
    def test_a_failing_invocation_alarms_and_notifies_the_subscribed_queue(self):
        env = Environment(ENV)
        sqs, sns, cw = env.client("sqs"), env.client("sns"), env.client("cloudwatch")
        prefix = f"daily-notifications-{ENV}"
        alarm_name = f"{prefix}-find-daily-errors"
        alarm = cw.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
        topic = alarm["AlarmActions"][0]
        self.assertIn("warning", topic)

        # A test queue subscribed to the alarm's topic (raw delivery off: the SNS envelope).
        queue_name = f"dn-e2e-alerts-{uuid.uuid4().hex[:8]}"
        queue = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                           "Action": "sqs:SendMessage", "Resource": queue_arn,
                           "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
        sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        self.addCleanup(sqs.delete_queue, QueueUrl=queue)
        self.addCleanup(sns.unsubscribe, SubscriptionArn=sub)
        cw.set_alarm_state(AlarmName=alarm_name, StateValue="OK", StateReason="e2e: start from OK")

        # The real failure: find-daily refuses an event it cannot understand and reports an error.
        started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
        result, error = env.invoke("FindDailyFunctionName", {"date": "not-a-date"})
        self.assertIsNotNone(error, result)

        def errors_recorded():  # the function's own metric, by its dimension
            points = cw.get_metric_statistics(
                Namespace="AWS/Lambda", MetricName="Errors", Statistics=["Sum"], Period=60,
                Dimensions=[{"Name": "FunctionName", "Value": env.out("FindDailyFunctionName")}],
                StartTime=started, EndTime=started + datetime.timedelta(minutes=10))["Datapoints"]
            return sum(p["Sum"] for p in points) >= 1

        poll("find-daily's Errors metric", errors_recorded, timeout_s=300, interval_s=2.0)

        def alarmed():
            cw.put_metric_data(Namespace="DailyNotifications/E2E", MetricData=[
                {"MetricName": "AlarmEvaluationNudge", "Value": 1, "Unit": "Count"}])
            state = cw.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]["StateValue"]
            return state == "ALARM"

        poll(f"{alarm_name} to go to ALARM", alarmed, timeout_s=420, interval_s=2.0)

        def notified():
            for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                         WaitTimeSeconds=1).get("Messages", []):
                envelope = json.loads(m["Body"])
                body = json.loads(envelope.get("Message", "{}"))
                if body.get("AlarmName") == alarm_name and body.get("NewStateValue") == "ALARM":
                    return body
            return None

        body = poll("the alarm notification on the subscribed queue", notified, timeout_s=120,
                    interval_s=0.5)
        self.assertIn("Runbook: docs/RUNBOOK.md#", body["AlarmDescription"])
        self.assertTrue(body["AlarmDescription"].startswith("[WARNING]"), body["AlarmDescription"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
