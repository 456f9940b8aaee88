#!/usr/bin/env python3
"""Benchmark of generation on the deployed local environment (make bench): a day of three
notifications over a 12,000-user audience (16,500 inbox records, as tools.seed makes) run the way
the schedule runs it, then the same calls made directly against the same emulator in the same run,
one after another: every audience Query page generate reads and every create-only TransactWriteItems
of 100 conditional Puts it writes (the same items under a day generate did not write, so new records
as generate's are). Prints `name: value` lines:

  generate_records_per_s            records / (find-daily invoked .. every chain done)
  generate_raw_calls_records_per_s  records / (the same Query pages + TransactWriteItems, sequential)
  generate_vs_raw_calls             the ratio of the two (1.0: as fast as its own calls)
and the breakdown of generate's invocations from their "invocation" log lines: handler time,
client-side call time per operation, and the emulator's time around the handler.

  python -m tests.e2e.bench_generate [--env local] [--users 12000]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import re
import statistics
import sys
import threading
import time
import uuid

from tools.dn_env import Environment, deployed_or_nan, poll

PAGE = 1000  # generate's audience page (Settings::page_size)


def s(v: str) -> dict:
    return {"S": v}


def seed(env: Environment, date: str, users: int, tag: str) -> dict[str, list[str]]:
    ids = [f"b{tag}-{i:05d}" for i in range(users)]
    segments = {f"bench{tag}-all": ids, f"bench{tag}-quarter": ids[::4], f"bench{tag}-eighth": ids[::8]}
    items = []
    for seg, members in segments.items():
        items += [{"pk": s(f"SEGMENT#{seg}"), "sk": s(f"USER#{u}"), "userId": s(u),
                   "displayName": s(f"User {u}")} for u in members]
    for seg in segments:
        nid = seg.split("-", 1)[1]
        items.append({"pk": s(f"DAY#{date}"), "sk": s(f"NOTIF#{nid}"), "notificationId": s(nid),
                      "segment": s(seg), "title": s("Your daily digest"),
                      "body": s("Good morning {{displayName}}, here is your day."),
                      "createdAt": s(f"{date}T05:00:00Z")})
    env.batch_write(items)
    return segments


def run_day(env: Environment, date: str, segments: dict[str, list[str]]) -> tuple[float, str]:
    """Seconds from find-daily's invocation until every chain of the run is done."""
    ddb, table = env.client("dynamodb"), env.out("TableName")
    start = time.monotonic()
    result, error = env.invoke("FindDailyFunctionName", {"date": date, "force": True})
    if error:
        raise SystemExit(f"bench_generate: find-daily failed: {result}")
    marker = ddb.get_item(TableName=table, Key={"pk": s(f"RUN#{date}"), "sk": s("RUN")},
                          ConsistentRead=True)["Item"]
    run = marker["runId"]["S"]
    chains = [f"CHAIN#{seg.split('-', 1)[1]}#{run}" for seg in segments]

    def done():
        return all(ddb.get_item(TableName=table, Key={"pk": s(f"RUN#{date}"), "sk": s(c)},
                                ConsistentRead=True).get("Item", {}).get("status", {}).get("S") == "done"
                   for c in chains)

    poll("every chain of the bench day", done, timeout_s=900, interval_s=0.25)
    return time.monotonic() - start, run


def function_settings(env: Environment) -> tuple[int, int]:
    """generate's audience page size and inbox TTL as deployed (its environment variables)."""
    try:
        cfg = env.client("lambda").get_function_configuration(FunctionName=env.out("GenerateFunctionName"))
        variables = cfg.get("Environment", {}).get("Variables", {})
    except Exception:  # noqa: BLE001 (the defaults of Settings then)
        variables = {}
    return int(variables.get("AUDIENCE_PAGE_SIZE", PAGE)), int(variables.get("INBOX_TTL_DAYS", 90))


class Timed:
    """Client-side time per operation of the raw calls (n, total ms), like generate's CallTimes."""

    def __init__(self):
        self.ops: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def __call__(self, op: str, call, **kw):
        began = time.monotonic()
        try:
            return call(**kw)
        finally:
            with self.lock:
                st = self.ops.setdefault(op, [0, 0.0])
                st[0] += 1
                st[1] += (time.monotonic() - began) * 1000


def create_only(ddb, table: str, items: list[dict], timed: Timed) -> None:
    """One TransactWriteItems of Puts conditional on attribute_not_exists(pk), as generate's
    DynamoInbox sends them (create-only: a cancelled transaction's missing records are resent);
    a single record as a conditional PutItem."""
    if len(items) == 1:
        try:
            timed("PutItem inbox", ddb.put_item, TableName=table, Item=items[0],
                  ConditionExpression="attribute_not_exists(pk)")
        except ddb.exceptions.ConditionalCheckFailedException:
            pass
        return
    pending = items
    while pending:
        try:
            timed("TransactWriteItems inbox", ddb.transact_write_items, TransactItems=[
                {"Put": {"TableName": table, "Item": it, "ConditionExpression": "attribute_not_exists(pk)"}}
                for it in pending])
            return
        except ddb.exceptions.TransactionCanceledException as e:
            reasons = e.response.get("CancellationReasons", [])
            pending = [it for it, r in zip(pending, reasons) if r.get("Code") != "ConditionalCheckFailed"]


def raw_calls(env: Environment, date: str, segments: dict[str, list[str]], per_call: int = 100,
              in_flight: int = 1, day_after: int = 1) -> tuple[float, Timed]:
    """The calls generate makes, made directly: every audience Query page (the deployed page size)
    and the create-only TransactWriteItems of `per_call` (generate: 100) records of each page, one
    after another (in_flight 1) or `in_flight` at once. The records are generate's items (same
    attributes, same sizes) under the inbox key of `day_after` days after `date` (same length), so
    they are new records, as generate's are, and never collide with the day generate wrote."""
    ddb, table = env.client("dynamodb"), env.out("TableName")
    page_size, ttl_days = function_settings(env)
    expires = str(int((datetime.datetime.fromisoformat(date).replace(tzinfo=datetime.timezone.utc)
                       + datetime.timedelta(days=ttl_days)).timestamp()))
    day = (datetime.date.fromisoformat(date) + datetime.timedelta(days=day_after)).isoformat()
    timed = Timed()
    pool = concurrent.futures.ThreadPoolExecutor(in_flight) if in_flight > 1 else None
    clients = [env.new_client("dynamodb") for _ in range(in_flight)] if pool else [ddb]
    start = time.monotonic()
    for seg in segments:
        nid = seg.split("-", 1)[1]
        key = None
        while True:
            q = {"TableName": table, "KeyConditionExpression": "pk = :pk AND begins_with(sk, :user)",
                 "ExpressionAttributeValues": {":pk": s(f"SEGMENT#{seg}"), ":user": s("USER#")},
                 "Limit": page_size}
            if key:
                q["ExclusiveStartKey"] = key
            page = timed("Query audience", ddb.query, **q)
            items = [{"pk": s(f"USER#{m['sk']['S'][5:]}"), "sk": s(f"INBOX#{day}#{nid}"),
                      "notificationId": s(nid), "date": s(day), "title": s("Your daily digest"),
                      "body": s(f"Good morning {m['displayName']['S']}, here is your day."),
                      "createdAt": s(f"{day}T05:00:00Z"), "expiresAt": {"N": expires},
                      "statePk": s(f"USER#{m['sk']['S'][5:]}#unread")} for m in page["Items"]]
            calls = [items[i:i + per_call] for i in range(0, len(items), per_call)]
            if pool:
                list(pool.map(lambda k: create_only(clients[k % in_flight], table, calls[k], timed),
                              range(len(calls))))
            else:
                for call in calls:
                    create_only(ddb, table, call, timed)
            key = page.get("LastEvaluatedKey")
            if not key:
                break
    took = time.monotonic() - start
    if pool:
        pool.shutdown()
    return took, timed


def breakdown(env: Environment, since_ms: int) -> dict[str, float]:
    """Sums over generate's "invocation" log lines since `since_ms`."""
    logs = env.client("logs")
    group = f"/aws/lambda/{env.out('GenerateFunctionName')}"
    lines, token = [], None
    while True:
        kw = {"logGroupName": group, "startTime": since_ms, "filterPattern": '"invocation"'}
        if token:
            kw["nextToken"] = token
        try:
            r = logs.filter_log_events(**kw)
        except Exception as e:  # noqa: BLE001 (the breakdown is extra; the figures above stand)
            print(f"bench_generate: no generate log lines ({e})", file=sys.stderr)
            return {}
        for ev in r.get("events", []):
            try:
                j = json.loads(ev["message"][ev["message"].index("{"):])
            except ValueError:
                continue
            if j.get("message") == "invocation":
                lines.append(j)
        token = r.get("nextToken")
        if not token or not r.get("events"):
            break
    if not lines:
        return {}
    out = {"generate_invocations": len(lines),
           "generate_handler_ms_median": statistics.median(j["handlerMs"] for j in lines),
           "generate_handler_s_total": sum(j["handlerMs"] for j in lines) / 1000,
           "generate_calls_s_total": sum(j["callsMs"] for j in lines) / 1000}
    ops: dict[str, list[float]] = {}
    for j in lines:
        for op, st in j.get("calls", {}).items():
            ops.setdefault(op, [0.0, 0.0])
            ops[op][0] += st["n"]
            ops[op][1] += st["ms"]
    for op, (n, ms) in sorted(ops.items()):
        name = re.sub(r"[^A-Za-z0-9]+", "_", op)
        out[f"generate_calls_{name}_n"] = n
        out[f"generate_calls_{name}_ms_mean"] = ms / n if n else 0.0
    return out


def print_calls(prefix: str, timed: Timed) -> None:
    for op, (n, ms) in sorted(timed.ops.items()):
        name = re.sub(r"[^A-Za-z0-9]+", "_", op)
        print(f"{prefix}_{name}_n: {n}")
        print(f"{prefix}_{name}_ms_mean: {ms / n:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="local")
    ap.add_argument("--users", type=int, default=12000)
    ap.add_argument("--variants", default="",
                    help="also time other write shapes of the same records, e.g. 25x1,100x4,1x4 "
                         "(records per call x calls in flight; 1 = conditional PutItem)")
    args = ap.parse_args()
    env = deployed_or_nan(args.env, "generate_vs_raw_calls", "bench_generate")
    if env is None:
        return 0
    tag = uuid.uuid4().hex[:6]
    date = "2033-03-03"
    segments = seed(env, date, args.users, tag)
    records = sum(len(m) for m in segments.values())
    since = int(time.time() * 1000) - 1000
    generate_s, _ = run_day(env, date, segments)
    raw_s, raw = raw_calls(env, date, segments)
    print(f"generate_records: {records}")
    print(f"generate_seconds: {generate_s:.2f}")
    print(f"generate_records_per_s: {records / generate_s:.0f}")
    print(f"generate_raw_calls_seconds: {raw_s:.2f}")
    print(f"generate_raw_calls_records_per_s: {records / raw_s:.0f}")
    print(f"generate_vs_raw_calls: {raw_s / generate_s:.2f}")
    print_calls("generate_raw_calls", raw)
    for name, value in breakdown(env, since).items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    for k, variant in enumerate(v for v in args.variants.split(",") if v):
        per_call, in_flight = (int(x) for x in variant.split("x"))
        took, timed = raw_calls(env, date, segments, per_call, in_flight, day_after=2 + k)
        print(f"raw_{per_call}x{in_flight}_records_per_s: {records / took:.0f}")
        print_calls(f"raw_{per_call}x{in_flight}", timed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
