#!/usr/bin/env python3
"""Benchmark of the inbox routes on a deployed environment (make bench, local): p50 and p99 of
each route (list all / unread / read, count, PATCH, read-all) through API Gateway and its
function, beside a plain DynamoDB Query of the same key made by botocore in the same run
(interleaved, so both see the same machine load), plus the writes the state routes make, made
directly (UpdateItem for PATCH; Query + TransactWriteItems for read-all); then read-all of a user
with 10,000 unread records against API Gateway's 29 s timeout. Writes its own users
(bench-inbox-*, bench-readall-*), so it needs no seed data. Prints `name: value` lines.

  python -m tests.e2e.bench_inbox [--env local] [--requests 100] [--read-all 10000]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid

from tools.dn_env import Environment, outputs_file

API_TIMEOUT_S = 29


def s(v: str) -> dict:
    return {"S": v}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def inbox_items(user: str, records: int, read: int = 0, date_base: str = "2026-11") -> list[dict]:
    """The user's records as generate writes them (unread), the last `read` of them read."""
    items = []
    for i in range(records):
        day = f"{date_base}-{1 + i % 28:02d}"
        nid = f"bench-{i:05d}"
        item = {"pk": s(f"USER#{user}"), "sk": s(f"INBOX#{day}#{nid}"), "notificationId": s(nid),
                "date": s(day), "title": s("Bench"), "body": s("A benchmark record"),
                "createdAt": s(f"{day}T06:00:00Z"), "expiresAt": {"N": "4102444800"},
                "statePk": s(f"USER#{user}#unread")}
        if i >= records - read:
            item.update(readAt=s(f"{day}T07:00:00Z"), statePk=s(f"USER#{user}#read"))
        items.append(item)
    return items


def write_inbox(env: Environment, user: str, records: int, read: int = 0) -> None:
    env.batch_write([{"pk": s(f"USER#{user}"), "sk": s("PROFILE"), "userId": s(user)}]
                    + inbox_items(user, records, read))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="local")
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--read-all", type=int, default=10000, dest="read_all")
    args = ap.parse_args()
    if not outputs_file(args.env).exists():
        print("inbox_api_list_all_p50_ms: nan")
        print(f"bench_inbox: {outputs_file(args.env)} missing (make up && make deploy)", file=sys.stderr)
        return 0
    env = Environment(args.env)
    ddb = env.client("dynamodb")
    table = env.out("TableName")
    tag = uuid.uuid4().hex[:6]
    user = f"bench-inbox-{tag}"
    write_inbox(env, user, 200, read=100)
    # read-all's user: 20 unread records, put back unread (untimed) before each read-all.
    marker = f"bench-marks-{tag}"
    unread_page = inbox_items(marker, 20)
    write_inbox(env, marker, 20)
    record = "2026-11-01.bench-00000"
    key = {"pk": s(f"USER#{user}"), "sk": s("INBOX#2026-11-01#bench-00000")}
    now = {"N": str(int(time.time()))}
    not_expired = "(attribute_not_exists(expiresAt) OR expiresAt > :now)"

    # Each route and the plain call of the same key, as (route, api call, plain call).
    routes = {
        "list_all": (lambda: env.api(user, limit=20),
                     lambda: ddb.query(TableName=table, Limit=20, ScanIndexForward=False,
                                       KeyConditionExpression="pk = :p AND begins_with(sk, :i)",
                                       FilterExpression=f"{not_expired} AND attribute_not_exists(archivedAt)",
                                       ExpressionAttributeValues={":p": s(f"USER#{user}"), ":i": s("INBOX#"),
                                                                  ":now": now})),
        "list_unread": (lambda: env.api(user, limit=20, status="unread"),
                        lambda: ddb.query(TableName=table, IndexName="state", Limit=20, ScanIndexForward=False,
                                          KeyConditionExpression="statePk = :p", FilterExpression=not_expired,
                                          ExpressionAttributeValues={":p": s(f"USER#{user}#unread"), ":now": now})),
        "list_read": (lambda: env.api(user, limit=20, status="read"),
                      lambda: ddb.query(TableName=table, IndexName="state", Limit=20, ScanIndexForward=False,
                                        KeyConditionExpression="statePk = :p", FilterExpression=not_expired,
                                        ExpressionAttributeValues={":p": s(f"USER#{user}#read"), ":now": now})),
        "count": (lambda: env.call("GET", f"/users/{user}/notifications/count"),
                  lambda: ddb.query(TableName=table, IndexName="state", Limit=101, Select="COUNT",
                                    KeyConditionExpression="statePk = :p", FilterExpression=not_expired,
                                    ExpressionAttributeValues={":p": s(f"USER#{user}#unread"), ":now": now})),
        # PATCH alternates read and unread, so every call changes the record; its plain call is
        # a Query of the same key (the baseline) and an UpdateItem of it.
        "patch": (None, lambda: ddb.query(TableName=table, KeyConditionExpression="pk = :p AND sk = :s",
                                          ExpressionAttributeValues={":p": key["pk"], ":s": key["sk"]})),
        # read-all of 20 unread records; its plain call is the Query of the unread index it starts with.
        "read_all": (None, lambda: ddb.query(TableName=table, IndexName="state", Limit=100,
                                             KeyConditionExpression="statePk = :p", FilterExpression=not_expired,
                                             ExpressionAttributeValues={":p": s(f"USER#{marker}#unread"),
                                                                        ":now": now})),
    }
    flip = [True]

    def patch():
        flip[0] = not flip[0]
        return env.call("PATCH", f"/users/{user}/notifications/{record}", body={"read": not flip[0]})

    def read_all():
        r = env.call("POST", f"/users/{marker}/notifications/read-all")
        if r.status == 200 and (r.body.get("markedRead"), r.body.get("complete")) != (20, True):
            raise SystemExit(f"bench_inbox: read-all marked {r.body} of 20")
        return r

    def refill():
        env.batch_write(list(unread_page))

    def transact_read_all():
        """What read-all does, made directly: the unread Query, one TransactWriteItems."""
        page = ddb.query(TableName=table, IndexName="state", Limit=100, KeyConditionExpression="statePk = :p",
                         ExpressionAttributeValues={":p": s(f"USER#{marker}#unread")})
        stamp = s(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        ddb.transact_write_items(TransactItems=[{"Update": {
            "TableName": table, "Key": {"pk": i["pk"], "sk": i["sk"]},
            "UpdateExpression": "SET readAt = :t, statePk = :r",
            "ConditionExpression": "statePk = :u",
            "ExpressionAttributeValues": {":t": stamp, ":r": s(f"USER#{marker}#read"),
                                          ":u": s(f"USER#{marker}#unread")}}} for i in page["Items"]])

    def update():
        return ddb.update_item(TableName=table, Key=key, UpdateExpression="SET benchTouch = :t",
                               ExpressionAttributeValues={":t": s(uuid.uuid4().hex)})

    times: dict[str, list[float]] = {}

    def timed(name: str, fn) -> None:
        start = time.perf_counter()
        result = fn()
        times.setdefault(name, []).append((time.perf_counter() - start) * 1000)
        status = getattr(result, "status", 200)
        if status != 200:
            raise SystemExit(f"bench_inbox: {name} answered {status}: {getattr(result, 'body', '')}")

    calls = {"patch": patch, "read_all": read_all}
    for name, (api, plain) in routes.items():  # warm every function once
        refill()
        (api or calls[name])()
        plain()
    for _ in range(args.requests):
        for name, (api, plain) in routes.items():
            if name == "read_all":
                refill()
            timed(f"api_{name}", api or calls[name])
            timed(f"query_{name}", plain)
        timed("update_patch", update)
        refill()
        timed("transact_read_all", transact_read_all)
    for name in sorted(times):
        print(f"inbox_{name}_p50_ms: {statistics.median(times[name]):.1f}")
        print(f"inbox_{name}_p99_ms: {percentile(times[name], 99):.1f}")
    for name in routes:
        print(f"inbox_api_vs_query_{name}_p50: "
              f"{statistics.median(times[f'api_{name}']) / statistics.median(times[f'query_{name}']):.1f}")
    for name, direct in (("patch", "update_patch"), ("read_all", "transact_read_all")):
        print(f"inbox_api_vs_direct_{name}_p50: "
              f"{statistics.median(times[f'api_{name}']) / statistics.median(times[direct]):.1f}")

    # Read-all of a user with many unread records, against API Gateway's integration timeout.
    many = f"bench-readall-{tag}"
    write_inbox(env, many, args.read_all)
    start = time.perf_counter()
    r = env.call("POST", f"/users/{many}/notifications/read-all")
    took = time.perf_counter() - start
    if r.status != 200:
        raise SystemExit(f"bench_inbox: read-all answered {r.status}: {r.body}")
    print(f"inbox_read_all_records: {args.read_all}")
    print(f"inbox_read_all_marked: {r.body['markedRead']}")
    print(f"inbox_read_all_complete: {1 if r.body['complete'] else 0}")
    print(f"inbox_read_all_s: {took:.1f}")
    print(f"inbox_read_all_vs_api_timeout: {took / API_TIMEOUT_S:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
