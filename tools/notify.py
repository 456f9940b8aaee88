"""Authoring through the admin API (PUT, GET and DELETE /admin/notifications), for operators and
the demo: `make notify ENV=<env> FILE=<definition.json>` schedules one notification,
`make notify DATE=YYYY-MM-DD` (or `today`) lists what that day sends, `make notify DELETE=<id>` removes one.

A definition file is the PUT body plus its `notificationId`, e.g. tools/notifications/*.json:
  {"notificationId": "daily-digest", "title": "...", "body": "...", "segment": "all-users",
   "schedule": {"rule": "daily", "start": "2026-01-01"}}
The answer is printed as the API returns it; a refusal (4xx) exits 1 with its reason."""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import urllib.parse

from tools.dn_env import ApiResponse, Environment, today_in


def path_of(notification_id: str) -> str:
    return f"/admin/notifications/{urllib.parse.quote(notification_id, safe='')}"


def put(env: Environment, definition: dict) -> ApiResponse:
    """PUT one definition; its id is the file's notificationId (sent in the body too, where the
    API checks that it matches the path)."""
    notification_id = definition.get("notificationId")
    if not isinstance(notification_id, str) or not notification_id:
        raise SystemExit("notify: the definition has no \"notificationId\" string")
    return env.call("PUT", path_of(notification_id), body=definition)


def list_day(env: Environment, date: str) -> ApiResponse:
    return env.call("GET", "/admin/notifications", {"date": date})


def delete(env: Environment, notification_id: str) -> ApiResponse:
    return env.call("DELETE", path_of(notification_id))


def report(what: str, resp: ApiResponse) -> int:
    print(f"{what} -> {resp.status}")
    print(json.dumps(resp.body, indent=2))
    return 0 if 200 <= resp.status < 300 else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--env", default="local")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--file", type=pathlib.Path, help="a definition to PUT")
    group.add_argument("--date", help="list what this day sends (YYYY-MM-DD, or today)")
    group.add_argument("--delete", metavar="ID", help="delete this definition")
    args = ap.parse_args(argv)
    env = Environment(args.env)
    if args.file is not None:
        try:
            definition = json.loads(args.file.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise SystemExit(f"notify: {args.file}: {err}") from err
        if not isinstance(definition, dict):
            raise SystemExit(f"notify: {args.file}: not a JSON object")
        return report(f"PUT /admin/notifications/{definition.get('notificationId')}", put(env, definition))
    if args.date is not None:
        if args.date == "today":
            args.date = today_in(env.out("Timezone"))
        return report(f"GET /admin/notifications?date={args.date}", list_day(env, args.date))
    return report(f"DELETE /admin/notifications/{args.delete}", delete(env, args.delete))


if __name__ == "__main__":
    sys.exit(main())
