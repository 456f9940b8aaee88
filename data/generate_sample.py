#!/usr/bin/env python3
"""Writes a realistic users CSV (data/contracts/users.json) of a given row count or size.

  python3 data/generate_sample.py --rows 1000 --out users.csv
  python3 data/generate_sample.py --size 1GB --out big.csv
  python3 data/generate_sample.py --rows 1000 --bad-rows 25 --manifest bad.json --out bad.csv

Deterministic for a given --seed. --bad-rows injects rows that break one rule each (bad e-mail,
empty required value, impossible date, unknown enum value, wrong field count, invalid UTF-8,
duplicate key, out-of-range integer); --manifest lists their line numbers and reasons.
"""
import argparse
import json
import random
import sys

FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eva", "Fatima", "Günter", "Hiro", "Inès", "José",
         "Kwame", "Li", "María", "Nuno", "Olga", "Priya", "Quinn", "Rosa", "Søren", "Tomás"]
LAST = ["Smith", "O'Brien", "Müller", "García", "Nguyen", "Kowalski", "Rossi", "Dubois",
        "Yamamoto", "Andersson", "Silva", "Okafor", "Novak", "Ivanova", "Jensen", "Costa"]
ZONES = ["Europe/Paris", "Europe/London", "America/New_York", "America/Los_Angeles",
         "Asia/Tokyo", "Australia/Sydney", "Africa/Lagos", "America/Sao_Paulo", "UTC"]
LOCALES = ["fr-FR", "en-GB", "en-US", "de-DE", "es-ES", "ja-JP", "pt-BR", ""]
CHANNELS = ["email", "push", "sms", "none"]
DOMAINS = ["example.com", "example.org", "mail.example.net"]
HEADER = ("user_id,email,first_name,last_name,display_name,time_zone,locale,signup_date,"
          "last_login_at,marketing_opt_in,preferred_channel,digest_hour,lifetime_value\n")
BAD_KINDS = ["email", "required", "date", "enum", "fields", "utf8", "duplicate", "range"]


def csv_field(value):
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def good_row(rng, n):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    display = f"{first} {last}" if n % 50 else f"{last}, {first}"  # some need quoting
    year, month, day = rng.randint(2015, 2024), rng.randint(1, 12), rng.randint(1, 28)
    signup = f"{year}-{month:02d}-{day:02d}" if n % 4 else f"{day:02d}/{month:02d}/{year}"
    login = "" if n % 5 == 0 else f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T" \
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    fields = [f"u{n:09d}", f"user{n}@{rng.choice(DOMAINS)}", first, last, display,
              rng.choice(ZONES), rng.choice(LOCALES), signup, login,
              rng.choice(["true", "false"]), rng.choice(CHANNELS), str(rng.randint(0, 23)),
              f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}"]
    return ",".join(csv_field(f) for f in fields) + "\n"


def bad_row(rng, n, kind):
    fields = good_row(rng, n).rstrip("\n")
    parts = fields.split(",")
    if len(parts) != 13:  # a quoted display name: use a plain one to keep the split simple
        parts = good_row(rng, n + 1).rstrip("\n").split(",")
        parts[0] = f"u{n:09d}"
        parts[1] = f"user{n}@example.com"
    reason = {"email": "email: not an e-mail address", "required": "display_name: empty",
              "date": "signup_date: not a calendar date", "enum": "preferred_channel: unknown",
              "fields": "wrong field count", "utf8": "first_name: invalid UTF-8",
              "duplicate": "user_id: duplicate key", "range": "digest_hour: above maximum"}[kind]
    if kind == "email":
        parts[1] = "not-an-email"
    elif kind == "required":
        parts[4] = ""
    elif kind == "date":
        parts[7] = "2023-02-30"
    elif kind == "enum":
        parts[10] = "carrier-pigeon"
    elif kind == "fields":
        parts = parts[:5]
    elif kind == "utf8":
        return (",".join(parts[:2]).encode() + b",\xc3(bad," +
                ",".join(parts[3:]).encode() + b"\n"), reason
    elif kind == "duplicate":
        parts[0] = "u000000001"
        parts[1] = f"dup{n}@example.com"
    elif kind == "range":
        parts[11] = "25"
    return (",".join(parts) + "\n").encode(), reason


def parse_size(text):
    units = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "B": 1}
    for unit, mult in units.items():
        if text.upper().endswith(unit):
            return int(float(text[: -len(unit)]) * mult)
    return int(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--rows", type=int, help="number of data rows")
    size.add_argument("--size", help="approximate file size, e.g. 500MB, 1GB")
    ap.add_argument("--bad-rows", type=int, default=0, help="rows to break on purpose")
    ap.add_argument("--manifest", help="write the bad rows' lines and reasons here (JSON)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--crlf", action="store_true", help="CRLF line ends")
    ap.add_argument("--out", default="-", help="output file (default stdout)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    limit_bytes = parse_size(args.size) if args.size else None
    rows = args.rows if args.rows is not None else sys.maxsize
    if args.bad_rows < 0 or (args.rows is not None and args.bad_rows > args.rows):
        ap.error("--bad-rows must be between 0 and --rows")
    # Bad rows are spread over the first rows (or the first 10 000 for a size target).
    span = min(rows, 10000) if args.rows is None else rows
    bad_at = set(rng.sample(range(2, span + 1), args.bad_rows)) if args.bad_rows else set()
    eol = b"\r\n" if args.crlf else b"\n"
    out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb")
    manifest = []
    written = 0
    line = 2
    buf = []
    buf_bytes = 0
    header = HEADER.encode().replace(b"\n", eol)
    out.write(header)
    written += len(header)
    n = 0
    while n < rows and (limit_bytes is None or written < limit_bytes):
        n += 1
        if n in bad_at:
            kind = BAD_KINDS[len(manifest) % len(BAD_KINDS)]
            data, reason = bad_row(rng, n, kind)
            manifest.append({"line": line, "kind": kind, "reason": reason})
        else:
            data = good_row(rng, n).encode()
        data = data[:-1] + eol
        line += 1
        buf.append(data)
        buf_bytes += len(data)
        written += len(data)
        if buf_bytes > 1 << 20:
            out.write(b"".join(buf))
            buf, buf_bytes = [], 0
    out.write(b"".join(buf))
    if out is not sys.stdout.buffer:
        out.close()
    if args.manifest:
        with open(args.manifest, "w", encoding="utf-8") as f:
            json.dump({"rows": n, "bad": manifest}, f, indent=1)
    print(f"generate_sample: {n} rows, {written} bytes, {len(manifest)} bad", file=sys.stderr)


if __name__ == "__main__":
    main()
