"""Prints a user's first page of notifications and the next page via its cursor, as the API
returns them.

  python -m tools.show_inbox [--env local] [--user <id>] [--limit 2]
  python -m tools.show_inbox [--env local] --from-csv users.csv [--summary out.json]

Without --user the user is the seeded sample user; with --from-csv it is the first user of that
users CSV who opted in to marketing and whose profile sync-audiences has materialised (so a row
the loader rejected is never picked). --summary writes who it was and what they received."""
from __future__ import annotations

import argparse
import csv
import json
import pathlib
import sys

from tools.audiences import profile
from tools.dn_env import Environment, seed_file


def user_from_csv(env: Environment, path: pathlib.Path) -> tuple[str, dict]:
    """The first opted-in user of the file whose profile is in the table, and that profile."""
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("marketing_opt_in", "").strip().lower() != "true":
                continue
            found = profile(env, row.get("user_id", ""))
            if found:
                return row["user_id"], found
    raise SystemExit(f"show_inbox: no user of {path} who opted in has a profile in the table")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="local")
    ap.add_argument("--user")
    ap.add_argument("--from-csv", type=pathlib.Path)
    ap.add_argument("--summary", type=pathlib.Path)
    ap.add_argument("--limit", type=int, default=2)
    args = ap.parse_args()
    env = Environment(args.env)
    who = None
    if args.from_csv:
        user, who = user_from_csv(env, args.from_csv)
        print(f"user {user} ({who.get('displayName')}) from {args.from_csv.name}: "
              f"profile {json.dumps(who)}")
    else:
        user = args.user or json.loads(seed_file(args.env).read_text())["sampleUser"]
    first = env.api(user, limit=args.limit)
    print(f"GET /users/{user}/notifications?limit={args.limit} -> {first.status}")
    print(json.dumps(first.body, indent=2))
    if first.status != 200:
        return 1
    items = list(first.body.get("items", []))
    if first.body.get("nextCursor"):
        second = env.api(user, limit=args.limit, cursor=first.body["nextCursor"])
        print(f"GET /users/{user}/notifications?limit={args.limit}&cursor=... -> {second.status}")
        print(json.dumps(second.body, indent=2))
        if second.status != 200:
            return 1
        items += second.body.get("items", [])
    if args.summary:
        args.summary.write_text(json.dumps({"user": user, "profile": who, "items": items}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
