"""Starts a day's run by invoking find-daily, follows it on the generate queue until the queue
has drained, then checks that every expected inbox record exists (polling with a deadline).
Usage: python -m tools.run_day [--env local] [--force] [--date YYYY-MM-DD] [--timeout 600].
The day is --date, else the seeded day (.local/seed-<env>.json), else today in the schedule's
time zone. Expected records: for each notification the run froze into the day, the members of
its segment.

Progress comes from the queue's attributes, not from counting the table: a COUNT scan reads
every item of the table (a few seconds on MiniStack at demo size), and scanning it every second
took most of the emulator's time away from the generate function being watched."""
from __future__ import annotations

import argparse
import json
import sys
import time

from tools.dn_env import Environment, poll, seed_of, today_in

QUEUE_ATTRIBUTES = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed"]


def queue_depth(sqs, url: str) -> tuple[int, int]:
    """(waiting + delayed, in flight) of one queue."""
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=QUEUE_ATTRIBUTES)["Attributes"]
    waiting = int(attrs.get("ApproximateNumberOfMessages", 0)) + int(attrs.get("ApproximateNumberOfMessagesDelayed", 0))
    return waiting, int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0))


def wait_until_drained(env: Environment, timeout_s: float) -> None:
    """Polls until the generate queue is empty, nothing in flight, twice in a row (a continuation
    is sent before its message is deleted, but the attributes are approximate)."""
    sqs, url = env.client("sqs"), env.out("GenerateQueueUrl")
    empty = [0]

    def drained():
        empty[0] = empty[0] + 1 if queue_depth(sqs, url) == (0, 0) else 0
        return empty[0] >= 2

    poll("the generate queue to drain", drained, timeout_s, 1.0)


def day_records(env: Environment, date: str) -> dict[str, dict[str, dict]]:
    """The day's inbox records, notificationId -> {user id: string attributes} (a filtered Scan)."""
    ddb, out = env.client("dynamodb"), {}
    kwargs = {"TableName": env.out("TableName"), "FilterExpression": "begins_with(sk, :p)",
              "ExpressionAttributeValues": {":p": {"S": f"INBOX#{date}#"}}}
    while True:
        page = ddb.scan(**kwargs)
        for item in page["Items"]:
            strings = {k: v["S"] for k, v in item.items() if "S" in v}
            out.setdefault(strings["notificationId"], {})[strings["pk"][len("USER#"):]] = strings
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def count(env: Environment, pk: str, sk_prefix: str) -> int:
    """Items of one partition whose sort key starts with `sk_prefix` (paginated COUNT Query)."""
    ddb = env.client("dynamodb")
    total, kwargs = 0, {"TableName": env.out("TableName"), "Select": "COUNT", "ConsistentRead": True,
                        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
                        "ExpressionAttributeValues": {":pk": {"S": pk}, ":p": {"S": sk_prefix}}}
    while True:
        page = ddb.query(**kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def expected_records(env: Environment, date: str) -> tuple[int, list[str]]:
    """Members of each notification's segment, over the notifications of the day (DAY#<date>)."""
    items = env.client("dynamodb").query(
        TableName=env.out("TableName"), ConsistentRead=True,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :n)",
        ExpressionAttributeValues={":pk": {"S": f"DAY#{date}"}, ":n": {"S": "NOTIF#"}})["Items"]
    segments = [item["segment"]["S"] for item in items]
    return sum(count(env, f"SEGMENT#{seg}", "USER#") for seg in segments), segments


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="local")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--date", help="the day to run (default: the seeded day, else today)")
    args = ap.parse_args()
    env = Environment(args.env)
    seed = seed_of(args.env)
    date = args.date or (seed["date"] if seed else today_in(env.out("Timezone")))
    sqs = env.client("sqs")
    queue, dlq = env.out("GenerateQueueUrl"), env.out("GenerateDlqUrl")
    dead_before = sum(queue_depth(sqs, dlq))
    start = time.monotonic()
    result, error = env.invoke("FindDailyFunctionName", {"date": date, "force": args.force})
    print(f"run-day: find-daily for {date}: {json.dumps(result)}")
    if error:
        print(f"run-day: find-daily failed ({error})", file=sys.stderr)
        return 1
    last = [None]
    empty_checks = [0]

    def drained():
        depth = queue_depth(sqs, queue)
        dead = sum(queue_depth(sqs, dlq)) - dead_before
        if (depth, dead) != last[0]:
            print(f"run-day: generate queue {depth[0]} waiting, {depth[1]} in flight; "
                  f"{dead} new in the DLQ ({time.monotonic() - start:.1f} s)", flush=True)
            last[0] = (depth, dead)
        # Twice empty in a row: a continuation is sent before its message is deleted, so an
        # empty queue means no work is left, but the attributes are approximate.
        empty_checks[0] = empty_checks[0] + 1 if depth == (0, 0) else 0
        return empty_checks[0] >= 2

    poll("the generate queue to drain", drained, args.timeout, interval_s=1.0)
    expected, segments = expected_records(env, date)
    print(f"run-day: {len(segments)} notifications for {date} (segments {', '.join(segments) or 'none'}): "
          f"{expected} recipients")
    counted = [0]

    def all_records():
        counted[0] = env.count_inbox(date)
        return counted[0] >= expected

    try:
        # Nothing writes once the queue is empty: a short grace for a Scan's eventual consistency.
        poll("every inbox record", all_records, 30.0, interval_s=5.0)
    except TimeoutError:
        print(f"run-day: the queue drained with {counted[0]}/{expected} inbox records for {date}; "
              f"{last[0][1] if last[0] else 0} messages went to the DLQ ({dlq})", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - start
    print(f"run-day: {expected} inbox records for {date} in {elapsed:.1f} s "
          f"({expected / elapsed:.0f} records/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
