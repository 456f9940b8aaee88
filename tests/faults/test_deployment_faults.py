"""The deployment fault suite: the deployed functions on the local environment, their AWS calls
going through Toxiproxy (TCP faults) and the HTTP fault proxy (operation-aware faults) to
MiniStack. Each case runs its own day end to end, started the way the scheduler starts it (an
asynchronous invocation that Lambda retries with the same event), with the fault configured for
that case only, and checks the invariants:
  1. every (user, notification) of the day ends with exactly one inbox record;
  2. the day's run ends completed (none of these faults is permanent);
  3. a later trigger is answered already_ran exactly when the run completed;
  4. no continuation is lost: every chain of the run ends done, nothing is left in the queue or DLQ.

Run by scripts/test-faults.sh, which starts MiniStack with DN_FUNCTIONS_ENDPOINT_URL at the
Toxiproxy listener and exports DN_FAULT_PROXY_PORT, DN_TOXIPROXY_PORT, DN_TOXIPROXY_API_PORT.
Prints one `fault_case:` line per case and `fault_cases:` / `invariant_violations:` at the end."""
from __future__ import annotations

import datetime
import json
import os
import time
import unittest
from dataclasses import dataclass, field
from typing import Callable

from tests.faults.proxy import FaultProxy, Rule
from tests.faults.toxiproxy import ROOT, Toxiproxy
from tools.dn_env import LOCAL_ENDPOINT, Environment, poll

MEMBERS = {"faults-big": 600, "faults-small": 30}  # 600: three audience pages, two invocations
NOTIFICATIONS = {"big": "faults-big", "small": "faults-small"}
FIRST_DAY = datetime.date(2031, 1, 1)


def s(value: str) -> dict:
    return {"S": value}


def member(segment: str, i: int) -> str:
    return f"{segment}-{i:05d}"


@dataclass
class Case:
    name: str
    rules: list[Rule] = field(default_factory=list)
    toxics: list[tuple[str, str, dict, float]] = field(default_factory=list)  # name, type, attrs, toxicity
    timeout_s: float = 240


CASES = [
    Case("no_fault"),
    Case("find_daily_claim__lost_after_apply", [Rule("PutItem", "lose", contains='{"S":"RUN"}')]),
    Case("find_daily_complete__500_after_apply", [Rule("UpdateItem", "error_after", contains=":completed")]),
    Case("find_daily_send__fails_past_its_deadline__lambda_retries",
         [Rule("SendMessageBatch", "error", contains='"Id":"n0"', span_s=34, status=503,
               error_type="ServiceUnavailable")], timeout_s=360),
    Case("generate_writes__throttled_for_25s",
         [Rule("TransactWriteItems", "throttle", skip=1, span_s=25)], timeout_s=360),
    Case("every_dynamodb_call__503_x3",
         [Rule("*", "error", contains="TableName", times=3, status=503, error_type="ServiceUnavailable")]),
    Case("generate_continuation__lost_after_apply", [Rule("SendMessageBatch", "lose", contains="continuation")]),
    Case("generate_continuation__sent_twice", [Rule("SendMessageBatch", "twice", contains="continuation")]),
    Case("generate_audience__slow_near_the_deadline",
         [Rule("Query", "slow", contains="SEGMENT#", skip=1, delay_s=6)]),
    Case("generate_chain_claim__connection_reset", [Rule("PutItem", "reset", contains="CHAIN#")]),
    Case("generate_writes__lost_after_apply", [Rule("TransactWriteItems", "lose", skip=1, times=2)]),
    Case("tcp__latency_150ms_every_call", toxics=[("latency", "latency", {"latency": 150, "jitter": 50}, 1.0)]),
    Case("tcp__resets_by_chance", toxics=[("reset", "reset_peer", {"timeout": 0}, 0.05)]),
    Case("tcp__connections_stall_by_chance", toxics=[("stall", "timeout", {"timeout": 2000}, 0.05)]),
]

RESULTS: list[tuple[str, list[str]]] = []


class DeploymentFaults(unittest.TestCase):
    env: Environment
    proxy: FaultProxy
    toxiproxy: Toxiproxy

    @classmethod
    def setUpClass(cls):
        cls.env = Environment("local")
        cls.proxy = FaultProxy(LOCAL_ENDPOINT, port=int(os.environ["DN_FAULT_PROXY_PORT"])).start()
        cls.toxiproxy = Toxiproxy(int(os.environ["DN_TOXIPROXY_API_PORT"]))
        log_dir = ROOT / ".local" / "faults"
        log_dir.mkdir(parents=True, exist_ok=True)
        cls.toxiproxy.start(log_dir / "toxiproxy.log")
        cls.toxiproxy.proxy("aws", int(os.environ["DN_TOXIPROXY_PORT"]), f"127.0.0.1:{cls.proxy.port}")
        items = []
        for segment, n in MEMBERS.items():
            for i in range(n):
                uid = member(segment, i)
                items.append({"pk": s(f"SEGMENT#{segment}"), "sk": s(f"USER#{uid}"), "userId": s(uid),
                              "displayName": s(f"User {uid}")})
        for k, case in enumerate(CASES):
            date = (FIRST_DAY + datetime.timedelta(days=k)).isoformat()
            for nid, segment in NOTIFICATIONS.items():
                items.append({"pk": s(f"DAY#{date}"), "sk": s(f"NOTIF#{nid}"), "notificationId": s(nid),
                              "segment": s(segment), "title": s("Hello {{displayName}}"),
                              "body": s("Today for {{userId}}"), "createdAt": s(f"{date}T05:00:00Z")})
        cls.env.batch_write(items)

    @classmethod
    def tearDownClass(cls):
        cls.toxiproxy.stop()
        cls.proxy.stop()
        total = len(RESULTS)
        violations = sum(len(v) for _, v in RESULTS)
        print(f"fault_cases: {total}", flush=True)
        print(f"invariant_violations: {violations}", flush=True)

    # ---- observing a day ------------------------------------------------------------------
    def item(self, pk: str, sk: str) -> dict | None:
        r = self.env.client("dynamodb").get_item(TableName=self.env.out("TableName"),
                                                 Key={"pk": s(pk), "sk": s(sk)}, ConsistentRead=True)
        return r.get("Item")

    def status(self, pk: str, sk: str) -> str:
        it = self.item(pk, sk)
        return it["status"]["S"] if it and "status" in it else "<none>"

    def queues_empty(self) -> bool:
        sqs = self.env.client("sqs")
        for url in (self.env.out("GenerateQueueUrl"), self.env.out("GenerateDlqUrl")):
            a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed"])["Attributes"]
            if any(v != "0" for v in a.values()):
                return False
        return True

    def dlq_messages(self) -> int:
        a = self.env.client("sqs").get_queue_attributes(
            QueueUrl=self.env.out("GenerateDlqUrl"), AttributeNames=["ApproximateNumberOfMessages"])
        return int(a["Attributes"]["ApproximateNumberOfMessages"])

    def inbox_of_day(self, date: str) -> set[tuple[str, str]]:
        ddb = self.env.client("dynamodb")
        out, start = set(), None
        while True:
            kwargs = {"TableName": self.env.out("TableName"), "FilterExpression": "begins_with(sk, :p)",
                      "ExpressionAttributeValues": {":p": s(f"INBOX#{date}#")},
                      "ProjectionExpression": "pk, sk", "ConsistentRead": True}
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = ddb.scan(**kwargs)
            out |= {(i["pk"]["S"], i["sk"]["S"]) for i in page["Items"]}
            start = page.get("LastEvaluatedKey")
            if not start:
                return out

    # ---- one case --------------------------------------------------------------------------
    def run_case(self, k: int, case: Case) -> list[str]:
        date = (FIRST_DAY + datetime.timedelta(days=k)).isoformat()
        run = f"exec-{k:03d}"
        self.proxy.set(*case.rules)
        for name, kind, attributes, toxicity in case.toxics:
            self.toxiproxy.toxic("aws", name, kind, attributes, toxicity)
        started = time.monotonic()
        event = {"source": "aws.scheduler", "scheduledTime": f"{date}T06:00:00Z", "executionId": run}
        # As the scheduler does: an asynchronous invocation, retried by Lambda with the same event.
        self.env.client("lambda").invoke(FunctionName=self.env.out("FindDailyFunctionName"),
                                         InvocationType="Event", Payload=json.dumps(event).encode())
        chains = [f"CHAIN#{nid}#{run}" for nid in NOTIFICATIONS]

        def settled():
            return (self.status(f"RUN#{date}", "RUN") == "completed"
                    and all(self.status(f"RUN#{date}", c) == "done" for c in chains)
                    and self.queues_empty())

        violations: list[str] = []
        try:
            poll(f"{case.name} to settle", settled, case.timeout_s, interval_s=1.0)
        except TimeoutError as e:
            violations.append(str(e))
        injected = list(self.proxy.injected)
        self.proxy.clear()
        self.toxiproxy.clear("aws")
        elapsed = time.monotonic() - started

        # 1. exactly one record per (user, notification)
        expected = {(f"USER#{member(seg, i)}", f"INBOX#{date}#{nid}")
                    for nid, seg in NOTIFICATIONS.items() for i in range(MEMBERS[seg])}
        stored = self.inbox_of_day(date)
        if stored != expected:
            violations.append(f"{len(expected - stored)} records missing, {len(stored - expected)} unexpected")
        # 2. completed
        marker = self.status(f"RUN#{date}", "RUN")
        if marker != "completed":
            violations.append(f"the run ended {marker}")
        # 3. a later trigger: already_ran exactly when completed
        result, error = self.env.invoke("FindDailyFunctionName", {"date": date})
        answer = (result or {}).get("outcome") if not error else (result or {}).get("errorType", error)
        if (answer == "already_ran") != (marker == "completed"):
            violations.append(f"a later trigger was answered {answer} for a run that is {marker}")
        # 4. no continuation lost
        for c in chains:
            state = self.status(f"RUN#{date}", c)
            if state != "done":
                violations.append(f"{c} ended {state}")
        if self.dlq_messages():
            violations.append("messages in the generate DLQ")
        if case.rules and not injected:
            violations.append("the fault was never injected")
        print(f"fault_case: deployment__{case.name} injected={len(injected)} "
              f"settled_in={elapsed:.1f}s violations={len(violations)}", flush=True)
        return violations


def _make(k: int, case: Case) -> Callable:
    def test(self: DeploymentFaults):
        violations = self.run_case(k, case)
        RESULTS.append((case.name, violations))
        self.assertEqual(violations, [])
    test.__name__ = f"test_{k:02d}_{case.name}"
    return test


for _k, _case in enumerate(CASES):
    setattr(DeploymentFaults, f"test_{_k:02d}_{_case.name}", _make(_k, _case))


if __name__ == "__main__":
    unittest.main(verbosity=2)
