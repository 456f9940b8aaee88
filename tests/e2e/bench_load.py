#!/usr/bin/env python3
"""Benchmark of the deployed data pipeline (make bench, when the local environment is up): one
generated users CSV of 1 GB or more uploaded to the data bucket, timed from the end of the upload
to the loader's outcome record, next to a plain GetObject of the same object (the emulator's own S3
read speed, the ceiling for a loader that streams from S3). Prints `name: value` lines, the load's
status among them; exits non-zero unless every row loaded.

  python -m tests.e2e.bench_load [--env local] [--size 1GB]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid

from tools.audiences import wait_for_sync
from tools.dn_env import ROOT, deployed_or_nan, users_header, wait_for_outcome


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="local")
    ap.add_argument("--size", default=os.environ.get("DN_LOADER_E2E_BENCH_BYTES", "1GB"))
    args = ap.parse_args()
    env = deployed_or_nan(args.env, "loader_e2e_rows_per_s", "bench_load")
    if env is None:
        return 0
    s3 = env.client("s3")
    bucket = env.out("DataBucketName")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.csv")
        subprocess.run([sys.executable, str(ROOT / "data" / "generate_sample.py"), "--size", args.size,
                        "--out", path], check=True, capture_output=True)
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            rows = sum(1 for _ in f) - 1
        key = f"incoming/users/bench-{uuid.uuid4().hex[:8]}.csv"
        with open(path, "rb") as body:
            sent = s3.put_object(Bucket=bucket, Key=key, Body=body, ServerSideEncryption="aws:kms",
                                 SSEKMSKeyId=env.out("DataKeyArn"), ContentType="text/csv")
    start = time.monotonic()
    got = wait_for_outcome(s3, bucket, key, sent.get("VersionId"), timeout_s=1800, interval_s=0.2)
    load_s = time.monotonic() - start
    print(f"loader_e2e_bytes: {size}")
    print(f"loader_e2e_status: {got['status']}")
    if got["status"] != "loaded" or got["rowsLoaded"] != rows:
        print(f"bench_load: unexpected outcome {got}", file=sys.stderr)
        return 1

    # The benchmark's users leave the table again (a header-only version of the object: the users
    # contract deletes absent keys), and the read below waits for the sync pass that follows, so
    # neither the emulator's read nor a later benchmark competes with materialising them.
    emptied = s3.put_object(Bucket=bucket, Key=key, Body=users_header().encode(),
                            ServerSideEncryption="aws:kms", SSEKMSKeyId=env.out("DataKeyArn"),
                            ContentType="text/csv")
    wait_for_outcome(s3, bucket, key, emptied.get("VersionId"), timeout_s=1800)
    wait_for_sync(env, timeout_s=1800)

    start = time.monotonic()
    stream = s3.get_object(Bucket=bucket, Key=key, VersionId=sent["VersionId"])["Body"]
    while stream.read(1 << 20):
        pass
    read_s = time.monotonic() - start

    mb = size / 1e6
    print(f"loader_e2e_file_mb: {mb:.0f}")
    print(f"loader_e2e_seconds: {load_s:.1f}")
    print(f"loader_e2e_rows_per_s: {rows / load_s:.0f}")
    print(f"loader_e2e_mb_per_s: {mb / load_s:.1f}")
    print(f"loader_e2e_transfer_s: {got['transferMs'] / 1000:.1f}")
    print(f"emulator_s3_read_mb_per_s: {mb / read_s:.1f}")
    print(f"loader_e2e_vs_s3_read: {read_s / load_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
