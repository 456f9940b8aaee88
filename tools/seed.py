"""Seeds demo data into an environment's table: notifications for today (in the schedule's
timezone) across three segments whose audiences total 16,500 recipients over 12,000 users, and a
PROFILE for every user. Writes .local/seed-<env>.json (date, expected inbox count, a sample user)
for tools.run_day and the deployment tests. Usage: python -m tools.seed [--env local] [--users 12000]."""
from __future__ import annotations

import argparse
import datetime
import json
import time
import zoneinfo

from tools.dn_env import ROOT, Environment, seed_file


def today(tz: str) -> str:
    return datetime.datetime.now(zoneinfo.ZoneInfo(tz)).date().isoformat()


def s(value: str) -> dict:
    return {"S": value}


def profile(uid: str) -> dict:
    """A user's profile attributes, the same on the PROFILE and on every membership: the first name
    is the display name's first word; locales alternate en-GB / fr-FR by the user's number."""
    display = f"User {uid[5:]}"
    return {"userId": s(uid), "displayName": s(display), "firstName": s(display.split(" ")[0]),
            "locale": s("en-GB" if int(uid[5:]) % 2 else "fr-FR")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="local")
    ap.add_argument("--users", type=int, default=12000)
    ap.add_argument("--timezone", default="Europe/London")
    ap.add_argument("--date", help="the day to seed (default: today in --timezone)")
    args = ap.parse_args()
    env = Environment(args.env)
    date = args.date or today(args.timezone)
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    users = [f"user-{i:05d}" for i in range(1, args.users + 1)]
    # Everyone gets the digest; every 4th user is premium; every 8th is in the beta.
    segments = {"everyone": users, "premium": users[::4], "beta": users[::8]}
    notifications = [
        ("digest", "everyone", "Your daily digest", "Good morning {{displayName}}, here is your day."),
        ("premium-offer", "premium", "A premium perk", "{{displayName}}, your perk of the day is ready."),
        ("beta-feature", "beta", "Try the new feature", "Hi {{displayName}}, a beta feature is live."),
    ]
    items = []
    for uid in users:
        items.append({"pk": s(f"USER#{uid}"), "sk": s("PROFILE"), **profile(uid)})
    for seg, members in segments.items():
        for uid in members:
            items.append({"pk": s(f"SEGMENT#{seg}"), "sk": s(f"USER#{uid}"), **profile(uid)})
    for nid, seg, title, body in notifications:
        items.append({"pk": s(f"DAY#{date}"), "sk": s(f"NOTIF#{nid}"), "notificationId": s(nid),
                      "segment": s(seg), "title": s(title), "body": s(body), "createdAt": s(created)})
    start = time.monotonic()
    env.batch_write(items)
    expected = sum(len(segments[seg]) for _, seg, _, _ in notifications)
    manifest = {"env": args.env, "date": date, "users": len(users), "notifications": len(notifications),
                "expectedInbox": expected, "sampleUser": users[0], "sampleUserNotifications": 3,
                # In all three segments too; the inbox-state tests change its records' state.
                "stateUser": users[8],
                "singleNotificationUser": users[1], "unknownUser": "user-unknown-0"}
    (ROOT / ".local").mkdir(exist_ok=True)
    seed_file(args.env).write_text(json.dumps(manifest, indent=2))
    print(f"seed: {len(items)} items ({len(users)} users, {len(notifications)} notifications for {date}, "
          f"{expected} inbox records expected) in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
