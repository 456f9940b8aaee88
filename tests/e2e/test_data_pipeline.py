"""Data pipeline deployment tests: CSV -> data bucket (SSE-KMS) -> S3 notification -> ingest queue
-> C++ loader -> PostgreSQL, against any environment's stack outputs. Every test uploads its own
objects under incoming/users/e2e-<run>/ and reads the loader's outcome record (loaded/<key>.json).
Checks that read the database directly need the local server (the AWS databases are private);
they say so when skipped. Real services only: nothing here is mocked."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
import uuid

from tools.dn_env import ROOT, Environment, users_header, wait_for_outcome

ENV = os.environ.get("DN_ENV", "local")
# These tests load sample users into the target table: never against prod's data by default.
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"
LOCAL_DB = ENV == "local"
RUN = uuid.uuid4().hex[:8]


def generate(rows: int, bad: int = 0, seed: int = 7) -> tuple[bytes, dict]:
    """A sample from the project's generator (data/generate_sample.py) and its bad-row manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        out, manifest = os.path.join(tmp, "sample.csv"), os.path.join(tmp, "bad.json")
        subprocess.run([sys.executable, str(ROOT / "data" / "generate_sample.py"), "--rows", str(rows),
                        "--bad-rows", str(bad), "--seed", str(seed), "--manifest", manifest,
                        "--out", out], check=True, capture_output=True)
        with open(out, "rb") as f:
            body = f.read()
        with open(manifest, encoding="utf-8") as f:
            return body, json.load(f)


def psql(sql: str) -> list[list[str]]:
    """Rows of a query on the local server, as the superuser over its Unix socket."""
    done = subprocess.run(["bash", str(ROOT / "scripts" / "local" / "postgres.sh"), "psql", "-d",
                           "daily_notifications", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True)
    return [line.split("\t") for line in done.stdout.splitlines() if line]


class DataPipelineOutputs(unittest.TestCase):
    """Smoke (safe anywhere): the data stack is deployed and names its resources."""

    def test_outputs_name_every_resource(self):
        env = Environment(ENV)
        for name in ("DataBucketName", "DataKeyArn", "IngestQueueUrl", "IngestDlqUrl",
                     "LoaderFunctionName", "UploaderRoleArn", "DatabaseSecretArn"):
            self.assertTrue(env.out(name), name)


@unittest.skipUnless(DESTRUCTIVE, "loads sample rows into the target table")
class DataPipeline(unittest.TestCase):
    env: Environment

    @classmethod
    def setUpClass(cls):
        cls.env = Environment(ENV)
        cls.s3 = cls.env.client("s3")
        if not cls.env.local:
            # The bucket policy admits object access only from the uploader (and loader) role.
            creds = cls.env.client("sts").assume_role(RoleArn=cls.env.out("UploaderRoleArn"),
                                                      RoleSessionName="deployment-tests")["Credentials"]
            cls.s3 = cls.env.session.create_client(
                "s3", region_name=cls.env.region, aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        cls.bucket = cls.env.out("DataBucketName")

    def upload(self, name: str, body) -> tuple[str, dict]:
        key = f"incoming/users/e2e-{RUN}/{name}"
        sent = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="text/csv",
                                  ServerSideEncryption="aws:kms", SSEKMSKeyId=self.env.out("DataKeyArn"))
        return key, sent

    def outcome(self, key: str, version: str) -> dict:
        return wait_for_outcome(self.s3, self.bucket, key, version)

    def test_a_clean_file_loads_exactly(self):
        body, _ = generate(rows=1500, seed=int(RUN, 16) % 100000)
        key, sent = self.upload("clean.csv", body)
        got = self.outcome(key, sent["VersionId"])
        self.assertEqual((got["status"], got["rowsRead"], got["rowsLoaded"], got["rowsRejected"]),
                         ("loaded", 1500, 1500, 0))
        self.assertEqual(got["etag"], sent["ETag"].strip('"'))
        if not LOCAL_DB:
            self.skipTest("row contents: the database is private to the VPC outside local")
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        ids = ",".join(f"'{r['user_id']}'" for r in rows)
        stored = {u: (e, d) for u, e, d in psql(
            f"SELECT user_id, email, display_name FROM users WHERE user_id IN ({ids})")}
        self.assertEqual(stored, {r["user_id"]: (r["email"].rsplit("@", 1)[0] + "@" +
                                                 r["email"].rsplit("@", 1)[1].lower(), r["display_name"])
                                  for r in rows})

    def test_bad_rows_go_to_a_rejects_file_naming_each_line(self):
        body, manifest = generate(rows=800, bad=16, seed=11)
        key, sent = self.upload("with-bad-rows.csv", body)
        got = self.outcome(key, sent["VersionId"])
        self.assertEqual(got["status"], "loaded")
        self.assertEqual(got["rowsLoaded"] + got["rowsRejected"], 800)
        self.assertEqual(got["rowsRejected"], len(manifest["bad"]))
        rejects = self.s3.get_object(Bucket=self.bucket, Key=got["rejectsKey"])["Body"].read()
        lines = {int(r["line"]) for r in csv.DictReader(io.StringIO(rejects.decode("utf-8", "replace")))}
        self.assertEqual(lines, {b["line"] for b in manifest["bad"]})

    def test_a_file_without_the_required_header_is_rejected_whole(self):
        key, sent = self.upload("no-header.csv", b"id,mail\r\n1,a@b.example\r\n")
        got = self.outcome(key, sent["VersionId"])
        self.assertEqual((got["status"], got["rowsLoaded"]), ("rejected", 0))
        self.assertIn("user_id", got["reason"])

    def test_a_transfer_longer_than_the_request_timeout_loads(self):
        # The loader's HTTP client bounds short calls by a fixed request timeout (2 s on local);
        # the object's GET streams for the whole load and is bounded by progress instead.
        loader = self.env.client("lambda").get_function_configuration(
            FunctionName=self.env.out("LoaderFunctionName"))
        timeout_ms = int(loader["Environment"]["Variables"]["HTTP_REQUEST_TIMEOUT_MS"])
        size_mb = max(100, timeout_ms // 1000 * 40)
        got = self.load_generated("long-transfer-0.csv", size_mb)
        if got["transferMs"] <= timeout_ms:
            # This machine streamed the file faster than assumed: size a second one from the rate
            # just measured, to take about three request timeouts.
            size_mb = min(1000, size_mb * 3 * timeout_ms // max(got["transferMs"], 1) + 1)
            got = self.load_generated("long-transfer-1.csv", size_mb)
        self.assertGreater(got["transferMs"], timeout_ms,
                           f"the {size_mb} MB GET did not outlast the {timeout_ms} ms request timeout")

    def load_generated(self, name, size_mb):
        """Generates a clean file of `size_mb` MB, uploads it and returns its outcome, asserting that
        every row loaded."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, name)
            subprocess.run([sys.executable, str(ROOT / "data" / "generate_sample.py"), "--size",
                            f"{size_mb}MB", "--seed", "31", "--out", path], check=True,
                           capture_output=True)
            with open(path, "rb") as f:
                rows = sum(1 for _ in f) - 1
            with open(path, "rb") as body:
                key, sent = self.upload(name, body)
        got = self.outcome(key, sent["VersionId"])
        self.assertEqual((got["status"], got["rowsLoaded"], got["rowsRejected"]), ("loaded", rows, 0))
        # These users exist only to make the GET long: a header-only version of the object takes
        # them out of the table again (the users contract deletes absent keys), so the segments
        # sync-audiences materialises do not grow by hundreds of thousands of test users.
        _, emptied = self.upload(name, users_header().encode())
        cleared = self.outcome(key, emptied["VersionId"])
        self.assertEqual((cleared["status"], cleared["rowsRead"], cleared["rowsDeleted"]), ("loaded", 0, rows),
                         cleared)
        return got

    def test_a_redelivered_object_event_changes_nothing(self):
        body, _ = generate(rows=300, seed=23)
        key, sent = self.upload("redelivered.csv", body)
        first = self.outcome(key, sent["VersionId"])
        self.assertEqual(first["rowsLoaded"], 300)
        # The same S3 event again (as SQS redelivery would hand it over): the ledger makes it a no-op.
        event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                              "s3": {"bucket": {"name": self.bucket},
                                     "object": {"key": key, "size": len(body),
                                                "eTag": sent["ETag"].strip('"'),
                                                "versionId": sent["VersionId"]}}}]}
        # Handed straight to the loader, as the SQS event source would on a redelivery (polling the
        # shared queue could not tell this message from others in flight).
        batch = {"Records": [{"messageId": f"redelivery-{RUN}", "eventSource": "aws:sqs",
                              "body": json.dumps(event)}]}
        result, error = self.env.invoke("LoaderFunctionName", batch)
        self.assertIsNone(error, result)
        self.assertEqual(result, {"batchItemFailures": []})
        again = json.loads(self.s3.get_object(
            Bucket=self.bucket, Key="loaded/" + key[len("incoming/"):] + ".json")["Body"].read())
        self.assertEqual(again, first)
        if LOCAL_DB:
            ledger = psql(f"SELECT count(*) FROM load_ledger WHERE object_key = '{key}'")
            self.assertEqual(ledger, [["1"]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
