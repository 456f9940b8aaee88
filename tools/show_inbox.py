"""Prints a seeded user's first page of notifications and the next page via its cursor, as the
API returns them. Usage: python -m tools.show_inbox [--env local] [--user <id>] [--limit 2]."""
from __future__ import annotations

import argparse
import json
import sys

from tools.dn_env import Environment, seed_file


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="local")
    ap.add_argument("--user")
    ap.add_argument("--limit", type=int, default=2)
    args = ap.parse_args()
    env = Environment(args.env)
    seed = json.loads(seed_file(args.env).read_text())
    user = args.user or seed["sampleUser"]
    first = env.api(user, limit=args.limit)
    print(f"GET /users/{user}/notifications?limit={args.limit} -> {first.status}")
    print(json.dumps(first.body, indent=2))
    if first.status != 200:
        return 1
    if first.body.get("nextCursor"):
        second = env.api(user, limit=args.limit, cursor=first.body["nextCursor"])
        print(f"GET /users/{user}/notifications?limit={args.limit}&cursor=... -> {second.status}")
        print(json.dumps(second.body, indent=2))
        return 0 if second.status == 200 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
