"""Corpus deployment tests (issue 12): every hand-written file of tests/corpus loads end to end
through `make load-csv` with a contract inferred from it (none written by hand), and its table
equals the file's expected content (tests/corpus/<case>.expected.json).

The contracts go into a scratch copy of data/ (DN_DATA_DIR), so the repository's own data/ is
untouched. A new contract must reach the deployed loader, and a deploy costs minutes: every case
is inferred first (make infer-contract), then one case goes the whole new-dataset path in one
`make load-csv FILE=... DATASET=...` (infer, print, package, deploy, load), which deploys the
others' contracts with it; the other files are then loaded with `make load-csv`.

A case that needs loader support not landed yet (its "needs" entry) is reported as skipped with
that reason when the loader cannot read its inferred contract. Local only: it reads the tables.

The same deploy also carries two broken datasets, as a hand edit could leave them: a contract
that does not parse and a migration PostgreSQL refuses. Each rejects only its own files; the users
dataset (and every corpus dataset) still loads from that loader."""
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

from tests.e2e.test_data_pipeline import RUN, psql
from tools.dn_env import ROOT, Environment

ENV = os.environ.get("DN_ENV", "local")
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"
CORPUS = ROOT / "tests" / "corpus"
# The case that goes through the whole new-dataset path (infer -> package -> deploy -> load).
FULL_PATH_CASE = "excel_bom_contacts"
# Deployed with the corpus: a contract with a type that does not exist (the loader cannot parse
# it), and a valid contract whose migration names a type PostgreSQL does not know.
BROKEN_CONTRACT = "corpus_broken_contract"
BROKEN_MIGRATION = "corpus_broken_migration"
BROKEN_FILE = b"id,amount\r\n1,2.50\r\n"
# Deployed with the corpus too: a keyed dataset with a unique e-mail, both enforced by unique
# indexes, so its first load is COPYed straight into the empty table; the file repeats a key and an
# e-mail, which sends the load back through the staging table (docs/DATA_PIPELINE.md, First loads).
FIRST_LOAD = "corpus_first_load_duplicates"
FIRST_LOAD_FILE = (b"id,email,name\r\n"
                   b"1,ann@example.com,Ann\r\n"        # line 2
                   b"2,ben@example.com,Ben\r\n"        # 3
                   b"x3,cat@example.com,Cat\r\n"       # 4: not an integer
                   b"1,ann.lee@example.com,Ann Lee\r\n"  # 5: the key of line 2
                   b"4,ben@example.com,Benedict\r\n"   # 6: the e-mail of line 3
                   b"5,dan@example.com,Dan\r\n")       # 7


def broken_contract(dataset: str, amount_type: str) -> dict:
    return {"dataset": dataset, "version": 1, "schema": "public", "table": dataset,
            "key": ["id"], "columns": [{"name": "id", "type": "integer", "required": True},
                                       {"name": "amount", "type": amount_type}]}


def add_broken_datasets(data: Path):
    """Writes the two broken datasets into a data directory (after inference numbered the rest)."""
    (data / "contracts" / f"{BROKEN_CONTRACT}.json").write_text(
        json.dumps(broken_contract(BROKEN_CONTRACT, "money(12)")), encoding="utf-8")
    (data / "contracts" / f"{BROKEN_MIGRATION}.json").write_text(
        json.dumps(broken_contract(BROKEN_MIGRATION, "numeric")), encoding="utf-8")
    last = max(int(m.group(1)) for p in (data / "migrations").glob("V*.sql")
               if (m := re.match(r"V(\d+)__", p.name)))
    (data / "migrations" / f"V{last + 1:03d}__{BROKEN_MIGRATION}.sql").write_text(
        f"CREATE TABLE IF NOT EXISTS public.{BROKEN_MIGRATION} "
        "(id integer PRIMARY KEY, amount numbr);\n", encoding="utf-8")


def add_first_load_dataset(data: Path):
    """The first-load dataset's contract and migration (numbered after every other)."""
    contract = {"dataset": FIRST_LOAD, "version": 1, "schema": "public", "table": FIRST_LOAD,
                "key": ["id"], "columns": [
                    {"name": "id", "type": "integer", "required": True},
                    {"name": "email", "type": "text", "required": True, "unique": True},
                    {"name": "name", "type": "text"}]}
    (data / "contracts" / f"{FIRST_LOAD}.json").write_text(json.dumps(contract), encoding="utf-8")
    last = max(int(m.group(1)) for p in (data / "migrations").glob("V*.sql")
               if (m := re.match(r"V(\d+)__", p.name)))
    (data / "migrations" / f"V{last + 1:03d}__{FIRST_LOAD}.sql").write_text(
        f"CREATE TABLE IF NOT EXISTS public.{FIRST_LOAD} "
        "(id integer PRIMARY KEY, email text NOT NULL UNIQUE, name text);\n", encoding="utf-8")


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
        add_broken_datasets(Path(cls.scratch) / "data")
        add_first_load_dataset(Path(cls.scratch) / "data")
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

    def load_file(self, dataset_name: str, name: str, body: bytes) -> tuple[subprocess.CompletedProcess, dict]:
        """make load-csv of a file into an existing dataset: its exit status and outcome record."""
        path = Path(self.scratch) / name
        path.write_bytes(body)
        done = self.make("load-csv", f"FILE={path}", f"DATASET={dataset_name}", "ENV=local")
        key = f"loaded/{dataset_name}/{name}.json"
        return done, json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def test_a_first_load_repeating_a_key_and_an_email_rejects_them_by_line(self):
        """The table is empty and its unique indexes enforce the key and the e-mail: the COPY
        into it is refused by the repeats and the load runs again through the stage. The outcome,
        the rejects (each by line, the bad row once) and the rows are those of any staged load."""
        psql(f"TRUNCATE public.{FIRST_LOAD}")  # an earlier run on this environment loaded it
        self.assertEqual(psql(f"SELECT count(*) FROM public.{FIRST_LOAD}"), [["0"]])
        done, got = self.load_file(FIRST_LOAD, f"first-load-{RUN}.csv", FIRST_LOAD_FILE)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual({k: got[k] for k in ("status", "rowsRead", "rowsLoaded", "rowsRejected")},
                         {"status": "loaded", "rowsRead": 6, "rowsLoaded": 3, "rowsRejected": 3}, got)
        rejects = self.s3.get_object(Bucket=self.bucket, Key=got["rejectsKey"])["Body"].read().decode()
        lines = [(int(m.group(1)), m.group(2)) for m in re.finditer(r"^(\d+),([^,]*),", rejects, re.M)]
        self.assertEqual(lines, [(4, "id"), (5, "id"), (6, "email")], rejects)
        self.assertIn("duplicate key, first seen on line 2", rejects)
        self.assertIn("duplicate value, first seen on line 3", rejects)
        self.assertEqual(psql(f"SELECT id, email, name FROM public.{FIRST_LOAD} ORDER BY id"),
                         [["1", "ann@example.com", "Ann"], ["2", "ben@example.com", "Ben"],
                          ["5", "dan@example.com", "Dan"]])

    def test_a_broken_contract_deployed_anyway_rejects_only_its_own_dataset(self):
        """Two broken datasets went out in the same zip as every corpus contract: each rejects its
        own file as a whole with the reason (outcome record and ledger); users still loads."""
        for broken, why in ((BROKEN_CONTRACT, "the dataset contract does not parse"),
                            (BROKEN_MIGRATION, "numbr")):
            with self.subTest(dataset=broken):
                done, got = self.load_file(broken, f"{broken}-{RUN}.csv", BROKEN_FILE)
                self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
                self.assertEqual((got["status"], got["rowsLoaded"]), ("rejected", 0), got)
                self.assertIn(why, got["reason"])
                # One line per row: PostgreSQL's error in the reason spans lines.
                ledger = psql("SELECT status, replace(reason, E'\\n', ' ') FROM public.load_ledger "
                              "WHERE object_key = "
                              f"'incoming/{broken}/{broken}-{RUN}.csv'")
                self.assertEqual(len(ledger), 1, ledger)
                self.assertEqual(ledger[0][0], "rejected")
                self.assertIn(why, ledger[0][1])
        users = [(f"e2e-beside-broken-{RUN}-{n}", f"beside-broken-{RUN}-{n}@example.com",
                  f"Beside Broken {n}") for n in (1, 2)]
        body = "user_id,email,display_name,time_zone,signup_date,marketing_opt_in,preferred_channel\r\n"
        body += "".join(f"{u},{e},{d},Europe/London,2024-01-02,true,email\r\n" for u, e, d in users)
        done, got = self.load_file("users", f"users-beside-broken-{RUN}.csv", body.encode())
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual((got["status"], got["rowsLoaded"], got["rowsRejected"]), ("loaded", 2, 0))
        stored = psql("SELECT user_id, email, display_name FROM public.users WHERE user_id LIKE "
                      f"'e2e-beside-broken-{RUN}-%' ORDER BY user_id")
        self.assertEqual(stored, [list(u) for u in users])


def _add_case(name: str):
    def test(self):
        self.check(name)
    test.__doc__ = cases()[name]["about"]
    setattr(Corpus, f"test_{name}", test)


for _case in cases():
    _add_case(_case)


if __name__ == "__main__":
    unittest.main(verbosity=2)
