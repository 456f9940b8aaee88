#!/usr/bin/env python3
"""make load-csv: upload a CSV to the data bucket's incoming/ prefix with SSE-KMS, then wait (with
a deadline) for the loader's outcome record loaded/<key>.json and report it.

A dataset without a contract (no <data dir>/contracts/<dataset>.json) gets one first: the
infer-contract program (functions/cli, built here when needed) writes the contract and its
migration and prints both. On `local` the loader is then packaged and deployed with them and
the file is loaded; on an AWS environment it stops there, for review and commit. --infer-only
stops after writing in any environment (make infer-contract). The data directory is data/ (or
DN_DATA_DIR, e.g. a scratch copy for tests).

Bucket and key come from --bucket/--kms-key-id, else DATA_BUCKET/DATA_KMS_KEY_ID, else the CDK
outputs file of the environment (infra/cdk-outputs-<env>.json or .local/outputs.json: any output
whose name contains DataBucketName / DataKeyArn). ENV=local talks to AWS_ENDPOINT_URL (default
http://localhost:$DN_LOCAL_PORT, 4566). Exit status: 0 loaded, 2 rejected as a whole, 1 error or timeout.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INFER = os.path.join(ROOT, "functions", "build", "release", "cli", "infer-contract")


def find_output(env, fragment):
    candidates = [os.path.join(ROOT, "infra", f"cdk-outputs-{env}.json"),
                  os.path.join(ROOT, ".local", "outputs.json")]
    candidates += glob.glob(os.path.join(ROOT, ".local", "*outputs*.json"))
    for path in candidates:
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        stacks = data.values() if all(isinstance(v, dict) for v in data.values()) else [data]
        for outputs in stacks:
            for name, value in outputs.items():
                if fragment.lower() in name.lower():
                    return value
    return None


def run(cmd, cwd_=ROOT, **kwargs):
    """Runs a step of the new-dataset path, its output passed through; stops on failure."""
    done = subprocess.run(cmd, cwd=cwd_, check=False, **kwargs)
    if done.returncode != 0:
        sys.exit(f"load-csv: {' '.join(cmd)} failed (exit {done.returncode})")


def infer_contract(args, data_dir):
    """Builds the infer-contract program if needed and runs it."""
    # The build needs compilers and the static libraries (a fresh clone has none); idempotent.
    run(["bash", "scripts/deps.sh", "package"], stdout=subprocess.DEVNULL)
    # The package preset's build directory (build/release), as make package uses it.
    functions = os.path.join(ROOT, "functions")
    if not os.path.isfile(os.path.join(functions, "build", "release", "build.ninja")):
        run(["cmake", "--preset", "package"], stdout=subprocess.DEVNULL, cwd_=functions)
    run(["cmake", "--build", "--preset", "package", "--target", "infer-contract"],
        stdout=subprocess.DEVNULL, cwd_=functions)
    cmd = [INFER, "--file", args.file, "--data-dir", data_dir]
    if args.dataset:
        cmd += ["--dataset", args.dataset]
    run(cmd)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--file", required=True)
    ap.add_argument("--env", default="local")
    ap.add_argument("--dataset", default="", help="dataset name (default users, or with "
                    "--infer-only the file's name in snake_case)")
    ap.add_argument("--infer-only", action="store_true",
                    help="write the inferred contract and migration, do not load")
    ap.add_argument("--bucket")
    ap.add_argument("--kms-key-id")
    ap.add_argument("--key", help="object key (default incoming/<dataset>/<file name>)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the outcome")
    args = ap.parse_args()
    started = time.monotonic()
    if not os.path.isfile(args.file):
        sys.exit(f"load-csv: {args.file}: no such file")
    data_dir = os.path.abspath(os.environ.get("DN_DATA_DIR") or os.path.join(ROOT, "data"))
    if args.infer_only:
        infer_contract(args, data_dir)
        return
    args.dataset = args.dataset or "users"
    contract = os.path.join(data_dir, "contracts", f"{args.dataset}.json")
    if not os.path.isfile(contract):
        print(f"load-csv: dataset {args.dataset} has no contract ({contract}): inferring one")
        infer_contract(args, data_dir)
        if args.env != "local":
            print(f"load-csv: review the contract and migration above, commit them, deploy "
                  f"(make deploy ENV={args.env}) and run make load-csv again to load the file")
            return
        # The loader reads its contracts from its package: package and deploy with the new one.
        env = dict(os.environ, DN_DATA_DIR=data_dir)
        run(["make", "--no-print-directory", "package"], env=env)
        run(["bash", "scripts/deploy.sh", "local"], env=env)

    import botocore.session  # pylint: disable=import-outside-toplevel: not needed to infer
    from botocore.exceptions import ClientError  # pylint: disable=import-outside-toplevel

    bucket = args.bucket or os.environ.get("DATA_BUCKET") or find_output(args.env, "DataBucketName")
    kms = args.kms_key_id or os.environ.get("DATA_KMS_KEY_ID") or find_output(args.env, "DataKeyArn")
    if not bucket:
        sys.exit("load-csv: no data bucket (set DATA_BUCKET or deploy the data stack for "
                 f"ENV={args.env})")
    key = args.key or f"incoming/{args.dataset}/{os.path.basename(args.file)}"
    if not key.startswith("incoming/"):
        sys.exit("load-csv: the key must be under incoming/")

    session = botocore.session.get_session()
    kwargs = {"region_name": session.get_config_variable("region") or "us-east-1"}
    if args.env == "local":
        kwargs["endpoint_url"] = (os.environ.get("AWS_ENDPOINT_URL")
                                  or f"http://localhost:{os.environ.get('DN_LOCAL_PORT', '4566')}")
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    else:
        # In AWS only the uploader role may write incoming/ (the bucket policy denies others).
        role = os.environ.get("DATA_UPLOADER_ROLE_ARN") or find_output(args.env, "UploaderRoleArn")
        if role:
            creds = session.create_client("sts", **kwargs).assume_role(
                RoleArn=role, RoleSessionName="make-load-csv", DurationSeconds=3600)["Credentials"]
            kwargs.update(aws_access_key_id=creds["AccessKeyId"],
                          aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"])
    s3 = session.create_client("s3", **kwargs)

    put = {"Bucket": bucket, "Key": key, "ServerSideEncryption": "aws:kms",
           "ContentType": "text/csv"}
    if kms:
        put["SSEKMSKeyId"] = kms
    with open(args.file, "rb") as body:
        put["Body"] = body
        sent = s3.put_object(**put)
    etag = sent.get("ETag", "").strip('"')
    version = sent.get("VersionId", "")
    print(f"load-csv: uploaded s3://{bucket}/{key} (etag {etag}, version {version or '-'})")

    outcome_key = "loaded/" + key[len("incoming/"):] + ".json"
    deadline = time.monotonic() + args.timeout
    delay = 0.5
    while True:
        try:
            got = json.loads(s3.get_object(Bucket=bucket, Key=outcome_key)["Body"].read())
            # An outcome of an earlier upload of the same key does not count.
            # An identical re-upload has the same ETag, so with versioning only the version id
            # tells this upload's outcome from the previous one's.
            if (got.get("versionId") == version) if version else (got.get("etag", "").strip('"') == etag):
                break
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
        if time.monotonic() > deadline:
            sys.exit(f"load-csv: no outcome at s3://{bucket}/{outcome_key} after {args.timeout:.0f}s "
                     "(check the loader's logs and its DLQ)")
        time.sleep(delay)
        delay = min(delay * 2, 5.0)

    print(f"load-csv: status {got['status']}" + (f" ({got['reason']})" if got.get("reason") else ""))
    print(f"load-csv: rows read {got['rowsRead']}, loaded {got['rowsLoaded']} "
          f"(changed {got['rowsChanged']}), rejected {got['rowsRejected']}, "
          f"deleted {got.get('rowsDeleted', 0)}")
    if got.get("rejectsKey"):
        print(f"load-csv: rejects at s3://{bucket}/{got['rejectsKey']}")
    print(f"load-csv: outcome {time.monotonic() - started:.1f} s after make load-csv started")
    sys.exit(0 if got["status"] == "loaded" else 2)


if __name__ == "__main__":
    main()
