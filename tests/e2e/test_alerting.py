"""The alert path, end to end: a real failing invocation -> the function's Errors metric -> its
alarm goes to ALARM -> the alarm that notifies (the alarm itself, or with composite alarms on the
composite it feeds: tools/alarm_path.py) goes to ALARM -> its SNS topic -> a subscribed test queue
receives the notification. Which path that is comes from the deployed alarms, so the test follows
each environment's configuration (local: composite alarms off, the alarm notifies the warning
topic; dev/qa/prod: the generation-late composite notifies the critical topic), and
infra/scripts/check_alarm_paths.py proves the same resolver on every environment's synthesized
templates.

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

from tools.alarm_path import deployed_alarms, notification_paths
from tools.dn_env import Environment, poll

ENV = os.environ.get("DN_ENV", "local")
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"
# The alarm this test fires; the tests role may set the state of it and of the composite it feeds
# (infra/lib/naming.ts alertTestPath, checked against the templates by check_alarm_paths.py).
FIRED = "find-daily-errors"


def state_change_time(body: dict) -> datetime.datetime:
    """An alarm notification's StateChangeTime (AWS: 2026-01-01T06:00:00.000+0000; MiniStack: ...Z)."""
    text = body["StateChangeTime"].replace("Z", "+0000")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise ValueError(f"unreadable StateChangeTime {body['StateChangeTime']!r}")


@unittest.skipUnless(DESTRUCTIVE, "fires a real alarm")
class AlertPath(unittest.TestCase):
    def test_a_failing_invocation_alarms_and_notifies_the_subscribed_queue(self):
        env = Environment(ENV)
        sqs, sns, cw = env.client("sqs"), env.client("sns"), env.client("cloudwatch")
        prefix = f"daily-notifications-{ENV}-"
        alarm_name = prefix + FIRED
        paths = notification_paths(alarm_name, deployed_alarms(cw, alarm_name, prefix))
        self.assertTrue(paths, f"{alarm_name} notifies no SNS topic: no action of its own and no "
                               "composite alarm with an action reads it")
        topics = sorted({t for p in paths for t in p.topics})

        # One test queue subscribed to every topic a path ends at (raw delivery off: the SNS envelope).
        queue_name = f"dn-e2e-alerts-{uuid.uuid4().hex[:8]}"
        queue = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        self.addCleanup(sqs.delete_queue, QueueUrl=queue)
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                           "Action": "sqs:SendMessage", "Resource": queue_arn,
                           "Condition": {"ArnEquals": {"aws:SourceArn": topics}}}]})})
        for topic in topics:
            sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                                ReturnSubscriptionArn=True)["SubscriptionArn"]
            self.addCleanup(sns.unsubscribe, SubscriptionArn=sub)
        # Every alarm on a path starts from OK, the cause first: a composite already in ALARM (another
        # cause) would otherwise send nothing when this alarm fires.
        for name in dict.fromkeys(n for p in paths for n in p.alarms):
            cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="e2e: start from OK")

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
            alarm = cw.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
            return alarm["StateUpdatedTimestamp"] if alarm["StateValue"] == "ALARM" else None

        fired_at = poll(f"{alarm_name} to go to ALARM", alarmed, timeout_s=420, interval_s=2.0)

        # Each path's notifier reports ALARM on its topic, no earlier than the cause (second
        # resolution in MiniStack's messages).
        pending = {p.notifier: p for p in paths}
        received: dict[str, dict] = {}

        def notified():
            for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                         WaitTimeSeconds=1).get("Messages", []):
                envelope = json.loads(m["Body"])
                body = json.loads(envelope.get("Message", "{}"))
                path = pending.get(body.get("AlarmName"))
                if (path and body.get("NewStateValue") == "ALARM"
                        and envelope.get("TopicArn") in path.topics
                        and state_change_time(body) >= fired_at - datetime.timedelta(seconds=1)):
                    received[path.notifier] = body
            return len(received) == len(pending)

        poll(f"ALARM notifications of {sorted(pending)} on the subscribed queue", notified,
             timeout_s=180, interval_s=0.5)
        for notifier, body in received.items():
            severity = "CRITICAL" if any(t.endswith("-critical") for t in pending[notifier].topics) else "WARNING"
            self.assertIn("Runbook: docs/RUNBOOK.md#", body["AlarmDescription"])
            self.assertTrue(body["AlarmDescription"].startswith(f"[{severity}]"), body["AlarmDescription"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
