"""The audiences that sync-audiences materialises from the users dataset: wait until a pass has
finished, and read what a segment or a user holds.

  python -m tools.audiences wait [--env local] [--timeout 300]
  python -m tools.audiences show [--env local] [--segment all-users] [--user <id>]

`wait` returns once the audience-sync queue has been empty, with nothing in flight, on two polls
in a row (a pass that is not finished keeps a continuation message in the queue), and prints the
segments' sizes."""
from __future__ import annotations

import argparse
import json
import sys

from tools.dn_env import Environment, poll

SEGMENT_PREFIX = "SEGMENT#"


def sync_idle(env: Environment) -> bool:
    """Nothing waiting in, or in flight from, the audience-sync queue."""
    attrs = env.client("sqs").get_queue_attributes(
        QueueUrl=env.out("AudienceSyncQueueUrl"),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(int(attrs.get(k, "0")) == 0 for k in
               ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))


def wait_for_sync(env: Environment, timeout_s: float = 300) -> None:
    """Polls until the queue is idle on two consecutive polls (raises at the deadline)."""
    seen = {"idle": 0}

    def settled() -> bool:
        seen["idle"] = seen["idle"] + 1 if sync_idle(env) else 0
        return seen["idle"] >= 2

    poll("the audience sync to finish (audience-sync queue empty)", settled, timeout_s, 1.0)


def members(env: Environment, segment: str) -> dict[str, dict]:
    """Every member of `segment`: user id -> the item's string attributes."""
    ddb = env.client("dynamodb")
    out: dict[str, dict] = {}
    kwargs = {"TableName": env.out("TableName"),
              "KeyConditionExpression": "pk = :pk AND begins_with(sk, :u)",
              "ExpressionAttributeValues": {":pk": {"S": SEGMENT_PREFIX + segment}, ":u": {"S": "USER#"}},
              "ConsistentRead": True}
    while True:
        page = ddb.query(**kwargs)
        for item in page["Items"]:
            out[item["sk"]["S"][len("USER#"):]] = {k: v["S"] for k, v in item.items() if "S" in v}
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def profile(env: Environment, user_id: str) -> dict | None:
    # A Query of the one key: the deployment tests' role may Query user partitions, not GetItem.
    items = env.client("dynamodb").query(
        TableName=env.out("TableName"), KeyConditionExpression="pk = :pk AND sk = :sk",
        ExpressionAttributeValues={":pk": {"S": f"USER#{user_id}"}, ":sk": {"S": "PROFILE"}},
        ConsistentRead=True)["Items"]
    return {k: v["S"] for k, v in items[0].items() if "S" in v} if items else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["wait", "show"])
    ap.add_argument("--env", default="local")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--segment", action="append",
                    help="a segment to count (repeatable; default: every configured segment)")
    ap.add_argument("--user", help="a user whose profile to print")
    args = ap.parse_args(argv)
    env = Environment(args.env)
    if args.command == "wait":
        wait_for_sync(env, args.timeout)
    for segment in args.segment or env.out("SegmentNames").split(","):
        print(f"segment {segment}: {len(members(env, segment))} members")
    if args.user:
        print(json.dumps(profile(env, args.user), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
