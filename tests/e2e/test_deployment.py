"""Deployment tests: run against any environment's stack outputs (.local/cdk-outputs-<env>.json)
after tools.seed and tools.run_day (make seed, make run-day); tests marked @needs_seed are
skipped where there is no seed data. DN_ENV picks the environment (default local).
DN_E2E_DESTRUCTIVE=1 adds the tests that write to the environment (poison message, a second daily
trigger); `make smoke` leaves them out. Real services only: nothing here is mocked."""
from __future__ import annotations

import functools
import json
import os
import unittest
import uuid

from tools.dn_env import Environment, outputs_file, poll, seed_of
from tools.run_day import queue_depth

ENV = os.environ.get("DN_ENV", "local")
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"
# The user the smoke tests read where there is no seed data (infra/lib/naming.ts SMOKE_USER_ID): in
# prod the only inbox the deployment-tests role may read. It exists nowhere.
SMOKE_USER = "dn-e2e-smoke"


def needs_seed(test):
    """Marks a test that reads the seeded data (make seed, make run-day): where the environment has
    none (prod smoke runs read-only), the test is skipped and says why."""
    @functools.wraps(test)
    def run(self, *args, **kwargs):
        if self.seed is None:
            self.skipTest("needs seeded data (make seed and make run-day for this environment)")
        return test(self, *args, **kwargs)
    return run


class Deployment(unittest.TestCase):
    env: Environment
    seed: dict | None  # None where the environment has no seed data

    @classmethod
    def setUpClass(cls):
        cls.env = Environment(ENV)
        # Without seed data (prod smoke: read-only) only the seed-independent tests run.
        cls.seed = seed_of(ENV)

    def user(self) -> str:
        """A user id for input checks: the seeded sample user, or the smoke user (exists nowhere)."""
        return self.seed["sampleUser"] if self.seed else SMOKE_USER

    def test_outputs_name_every_resource(self):
        for name in ("TableName", "GenerateQueueUrl", "GenerateDlqUrl", "FindDailyFunctionName",
                     "GenerateFunctionName", "GetNotificationsFunctionName", "ApiId", "ApiStageName"):
            self.assertTrue(self.env.out(name), name)

    def test_every_stack_is_deployed_and_its_alarms_exist(self):
        """Read-only: the stack and alarm state the tests role may read in every environment."""
        stacks = json.loads(outputs_file(ENV).read_text())
        self.assertEqual(len(stacks), 4, sorted(stacks))
        cfn = self.env.client("cloudformation")
        for name in stacks:
            status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            self.assertIn(status, ("CREATE_COMPLETE", "UPDATE_COMPLETE"), name)
        # By name: the role may describe this environment's alarms, not list the account's.
        expected = [f"daily-notifications-{ENV}-{key}" for key in
                    ("find-daily-errors", "generate-dlq-not-empty", "api-5xx-rate", "loader-errors")]
        alarms = self.env.client("cloudwatch").describe_alarms(AlarmNames=expected)["MetricAlarms"]
        self.assertEqual(sorted(a["AlarmName"] for a in alarms), sorted(expected))
        for alarm in alarms:
            self.assertIn(alarm["StateValue"], ("OK", "ALARM", "INSUFFICIENT_DATA"), alarm["AlarmName"])

    @needs_seed
    def test_first_page_is_newest_first_for_a_seeded_user(self):
        r = self.env.api(self.seed["sampleUser"], limit=2)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body["userId"], self.seed["sampleUser"])
        self.assertEqual(len(r.body["items"]), 2)
        self.assertIsInstance(r.body["nextCursor"], str)
        keys = [(i["date"], i["notificationId"]) for i in r.body["items"]]
        self.assertEqual(keys, sorted(keys, reverse=True))
        self.assertIn("User", r.body["items"][0]["body"] + r.body["items"][0]["title"])

    @needs_seed
    def test_cursor_walk_reaches_every_item_once(self):
        user, seen, cursor = self.seed["sampleUser"], [], None
        for _ in range(20):
            r = self.env.api(user, limit=1, cursor=cursor)
            self.assertEqual(r.status, 200, r.body)
            seen += [i["notificationId"] for i in r.body["items"]]
            cursor = r.body["nextCursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), self.seed["sampleUserNotifications"])
        self.assertEqual(len(set(seen)), len(seen))

    @needs_seed
    def test_tampered_cursor_is_400(self):
        r = self.env.api(self.seed["sampleUser"], limit=1)
        cursor = r.body["nextCursor"]
        flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
        bad = self.env.api(self.seed["sampleUser"], cursor=flipped)
        self.assertEqual(bad.status, 400, bad.body)
        self.assertEqual(bad.body["error"], "BadRequest")
        other = self.env.api(self.seed["singleNotificationUser"], cursor=cursor)
        self.assertEqual(other.status, 400, other.body)

    def test_bad_limit_is_400_with_a_reason(self):
        for limit in (0, 101, "ten"):
            r = self.env.api(self.user(), limit=limit)
            self.assertEqual(r.status, 400, r.body)
            self.assertIn("limit", r.body["message"])

    def test_unknown_user_is_404(self):
        r = self.env.api(self.seed["unknownUser"] if self.seed else SMOKE_USER)
        self.assertEqual(r.status, 404, r.body)
        self.assertEqual(r.body["error"], "NotFound")

    def test_request_without_credentials_is_refused(self):
        r = self.env.api(self.user(), signed=False)
        if self.env.local and r.status == 200:
            self.skipTest("MiniStack does not enforce AWS_IAM authorization on REST APIs: the method "
                          "is configured with it (see the infra tests), only AWS refuses the call")
        self.assertEqual(r.status, 403, r.body)
        self.assertIn("message", r.body)

    @unittest.skipUnless(os.environ.get("DN_EXPECT_BUILD_ID"), "set DN_EXPECT_BUILD_ID to the build just deployed")
    @needs_seed
    def test_the_deployed_build_answers(self):
        # After a redeploy of changed code, the API must be served by the new build (not a warm
        # process of the previous one).
        r = self.env.api(self.seed["sampleUser"], limit=1)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers.get("X-Build-Id"), os.environ["DN_EXPECT_BUILD_ID"])

    @needs_seed
    def test_every_expected_inbox_record_exists(self):
        self.assertEqual(self.env.count_inbox(self.seed["date"]), self.seed["expectedInbox"])

    @unittest.skipUnless(DESTRUCTIVE, "writes to the environment")
    @needs_seed
    def test_second_trigger_for_the_day_is_a_no_op(self):
        before = self.env.count_inbox(self.seed["date"])
        result, error = self.env.invoke("FindDailyFunctionName", {"date": self.seed["date"]})
        self.assertIsNone(error, result)
        self.assertNotEqual(result.get("outcome"), "queued", result)
        self.assertEqual(self.env.count_inbox(self.seed["date"]), before)

    @unittest.skipUnless(DESTRUCTIVE, "writes to the environment")
    @needs_seed
    def test_redelivered_generate_message_creates_no_duplicate(self):
        before = self.env.count_inbox(self.seed["date"])
        message = {"v": 1, "date": self.seed["date"], "notificationId": "beta-feature", "segment": "beta"}
        batch = {"Records": [{"messageId": f"redelivery-{uuid.uuid4()}", "eventSource": "aws:sqs",
                              "body": json.dumps(message)}]}
        result, error = self.env.invoke("GenerateFunctionName", batch)
        self.assertIsNone(error, result)
        self.assertEqual(result, {"batchItemFailures": []})
        sqs = self.env.client("sqs")
        queue = self.env.out("GenerateQueueUrl")

        # Continuation messages of a large segment go through the real queue.
        poll("the generate queue to drain", lambda: sum(queue_depth(sqs, queue)) == 0, timeout_s=300,
             interval_s=1.0)
        self.assertEqual(self.env.count_inbox(self.seed["date"]), before)

    @unittest.skipUnless(DESTRUCTIVE, "writes to the environment")
    def test_poison_message_ends_in_the_dlq(self):
        sqs = self.env.client("sqs")
        marker = f"poison-{uuid.uuid4()}"
        sqs.send_message(QueueUrl=self.env.out("GenerateQueueUrl"), MessageBody=marker)
        dlq = self.env.out("GenerateDlqUrl")

        def arrived():
            msgs = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       VisibilityTimeout=1).get("Messages", [])
            hit = [m for m in msgs if m["Body"] == marker]
            for m in hit:
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
            return bool(hit)

        # maxReceiveCount receives, each after the visibility timeout.
        poll("the poison message in the DLQ", arrived, timeout_s=420, interval_s=1.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
