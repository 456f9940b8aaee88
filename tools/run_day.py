"""Starts a day's run by invoking find-daily, then shows progress until every expected inbox
record exists (polling with a deadline) and the queue has drained. Usage:
python -m tools.run_day [--env local] [--force] [--timeout 600]. Reads .local/seed-<env>.json."""
from __future__ import annotations

import argparse
import json
import sys
import time

from tools.dn_env import ROOT, Environment, poll


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="local")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    env = Environment(args.env)
    seed = json.loads((ROOT / ".local" / f"seed-{args.env}.json").read_text())
    date, expected = seed["date"], seed["expectedInbox"]
    start = time.monotonic()
    result, error = env.invoke("FindDailyFunctionName", {"date": date, "force": args.force})
    print(f"run-day: find-daily for {date}: {json.dumps(result)}")
    if error:
        print(f"run-day: find-daily failed ({error})", file=sys.stderr)
        return 1
    last = [-1]

    def done():
        n = env.count_inbox(date)
        if n != last[0]:
            print(f"run-day: {n}/{expected} inbox records ({time.monotonic() - start:.1f} s)", flush=True)
            last[0] = n
        return n >= expected

    poll("every inbox record", done, args.timeout, interval_s=1.0)
    sqs = env.client("sqs")

    def drained():
        attrs = sqs.get_queue_attributes(
            QueueUrl=env.out("GenerateQueueUrl"),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return all(v == "0" for v in attrs.values())

    poll("the generate queue to drain", drained, args.timeout)
    elapsed = time.monotonic() - start
    print(f"run-day: {expected} inbox records for {date} in {elapsed:.1f} s "
          f"({expected / elapsed:.0f} records/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
