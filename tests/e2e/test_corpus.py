"""Corpus deployment tests (issue 12): every hand-written file of tests/corpus loads end to end
through `make load-csv` with a contract inferred from it (none written by hand), and its table
equals the file's expected content (tests/corpus/<case>.expected.json).

The contracts go into a scratch copy of data/ (DN_DATA_DIR), so the repository's own data/ is
untouched. A new contract must reach the deployed loader, and a deploy costs minutes: every case
is inferred first (make infer-contract), then one case goes the whole new-dataset path in one
`make load-csv FILE=... DATASET=...` (infer, print, package, deploy, load), which deploys the
others' contracts with it; the other files are then loaded with `make load-csv`.

A case that needs loader support not landed yet (its "needs" entry) is reported as skipped with
that reason when the loader cannot read its inferred contract. Local only: it reads the tables."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from tests.e2e.test_data_pipeline import psql
from tools.dn_env import ROOT, Environment

ENV = os.environ.get("DN_ENV", "local")
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"
CORPUS = ROOT / "tests" / "corpus"
# The case that goes through the whole new-dataset path (infer -> package -> deploy -> load).
FULL_PATH_CASE = "excel_bom_contacts"


def cases() -> dict[str, dict]:
    out = {}
    for path in sorted(CORPUS.glob("*.expected.json")):
        out[path.name[: -len(".expected.json")]] = json.loads(path.read_text(encoding="utf-8"))
    return out


def dataset(case: str) -> str:
    return f"corpus_{case}"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sort_rows(rows: list[list]) -> list[list]:
    return sorted(rows, key=lambda row: [(v is None, v or "") for v in row])


@unittest.skipUnless(DESTRUCTIVE and ENV == "local", "creates tables and reads them (local only)")
class Corpus(unittest.TestCase):
    scratch: str
    pending: dict[str, str]
    full_path: subprocess.CompletedProcess
    full_path_seconds: float

    @classmethod
    def make(cls, *args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, DN_DATA_DIR=os.path.join(cls.scratch, "data"))
        return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)

    @classmethod
    def setUpClass(cls):
        os.environ["PGTZ"] = "UTC"  # timestamptz as text in UTC, as the expected rows are written
        cls.env = Environment(ENV)
        cls.s3 = cls.env.client("s3")
        cls.bucket = cls.env.out("DataBucketName")
        os.makedirs(ROOT / ".local", exist_ok=True)
        cls.scratch = tempfile.mkdtemp(prefix="corpus-", dir=ROOT / ".local")
        shutil.copytree(ROOT / "data", os.path.join(cls.scratch, "data"))
        cls.pending = {}
        for case, expected in cases().items():
            if case == FULL_PATH_CASE:
                continue
            source = CORPUS / expected.get("infer_from", expected["file"])
            done = cls.make("infer-contract", f"FILE={source}", f"DATASET={dataset(case)}")
            if done.returncode == 3 and "needs" in expected:
                cls.pending[case] = f"{expected['needs']}: {done.stderr.strip().splitlines()[-1]}"
                continue
            if done.returncode != 0:
                raise AssertionError(f"infer-contract {case} failed:\n{done.stdout}{done.stderr}")
        started = time.monotonic()
        cls.full_path = cls.make("load-csv", f"FILE={CORPUS / cases()[FULL_PATH_CASE]['file']}",
                                 f"DATASET={dataset(FULL_PATH_CASE)}", "ENV=local")
        cls.full_path_seconds = time.monotonic() - started
        print(f"\ncorpus: make load-csv of a new dataset on local took {cls.full_path_seconds:.1f} s "
              "(infer, package, deploy, load, outcome)", flush=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def outcome(self, case: str, file: str) -> dict:
        key = f"loaded/{dataset(case)}/{file}.json"
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    @staticmethod
    def table(case: str, columns: list[str]) -> list[list]:
        """The table's rows, every value as PostgreSQL's text (timestamptz in UTC), NULL as None."""
        values = ", ".join(f"{quote_ident(c)}::text" for c in columns)
        got = psql(f"SELECT coalesce(json_agg(json_build_array({values})), '[]') "
                   f"FROM public.{quote_ident(dataset(case))}")
        return json.loads(got[0][0])

    def check(self, case: str):
        expected = cases()[case]
        if case in self.pending:
            self.skipTest(f"pending loader support ({self.pending[case]})")
        file = expected["file"]
        if case == FULL_PATH_CASE:
            done = self.full_path
            self.assertIn("has no contract", done.stdout)
            self.assertIn(f"wrote {self.scratch}/data/contracts/{dataset(case)}.json", done.stdout)
            self.assertIn("CREATE TABLE IF NOT EXISTS", done.stdout)  # the migration is printed
            self.assertIn("deploy: local deployed", done.stdout)
        else:
            done = self.make("load-csv", f"FILE={CORPUS / file}", f"DATASET={dataset(case)}",
                             "ENV=local")
            self.assertNotIn("has no contract", done.stdout)  # inferred above, deployed once
        want = expected["outcome"]
        got = self.outcome(case, file)
        if "needs" in expected and "not loaded by this version" in got.get("reason", ""):
            self.skipTest(f"pending loader support ({expected['needs']}): {got['reason']}")
        self.assertEqual(done.returncode, 0 if want["status"] == "loaded" else 2,
                         done.stdout + done.stderr)
        self.assertEqual({k: got[k] for k in want}, want, got)

        contract = json.loads((Path(self.scratch) / "data" / "contracts" / f"{dataset(case)}.json")
                              .read_text(encoding="utf-8"))
        self.assertEqual([c["type"] for c in contract["columns"]],
                         [c["type"] for c in expected["contract"]["columns"]])
        columns = [c["name"] for c in contract["columns"]]
        keyless = contract.get("rows_owned_by") == "object"
        self.assertEqual(sort_rows(self.table(case, columns)), sort_rows(expected["rows"]))
        if keyless:
            owners = psql(f"SELECT DISTINCT dn_source_object FROM public.{quote_ident(dataset(case))}")
            self.assertEqual(owners, [[f"incoming/{dataset(case)}/{file}"]])
        if expected.get("rejected_lines"):
            body = self.s3.get_object(Bucket=self.bucket, Key=got["rejectsKey"])["Body"].read()
            lines = [int(m.group(1)) for m in re.finditer(rb"^(\d+),", body, re.M)]
            self.assertEqual(lines, expected["rejected_lines"])
            self.assertIn(expected["rejected_reason"].encode(), body)


def _add_case(name: str):
    def test(self):
        self.check(name)
    test.__doc__ = cases()[name]["about"]
    setattr(Corpus, f"test_{name}", test)


for _case in cases():
    _add_case(_case)


if __name__ == "__main__":
    unittest.main(verbosity=2)
