"""Audiences from the user directory on a deployed environment (issue 15): a users CSV goes
through S3 into PostgreSQL, sync-audiences materialises the configured segments and profiles
into the notifications table, and a day's notifications reach exactly the users the file holds.

  * a load adds, changes and removes members (a new version of the same object: a user renamed,
    one opting out, one opting in, one gone from the file, one new);
  * an opted-out user receives no marketing notification, and every recipient of the day is a
    user of the loaded file (the users table is emptied first, through PostgreSQL, so the file
    is the whole directory).

The checks that read PostgreSQL need the local server (the AWS databases are private). Real
services only. Writes to the environment: only with DN_E2E_DESTRUCTIVE=1."""
from __future__ import annotations

import csv
import datetime
import io
import json
import os
import random
import unittest
import urllib.parse
import uuid

from tests.e2e.test_data_pipeline import psql
from tools.audiences import members, profile, wait_for_sync
from tools.dn_env import Environment, users_header, wait_for_outcome
from tools.run_day import day_records, wait_until_drained

ENV = os.environ.get("DN_ENV", "local")
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"
RUN = uuid.uuid4().hex[:8]
COLUMNS = users_header().rstrip("\n").split(",")
SYNC_DEADLINE_S = 300


def user(n: int, first: str, last: str, *, opt_in: bool, channel: str, locale: str,
         display: str | None = None) -> dict:
    return {"user_id": f"aud-{RUN}-{n:03d}", "email": f"aud-{RUN}-{n}@example.com", "first_name": first,
            "last_name": last, "display_name": display or f"{first} {last}".strip(),
            "time_zone": "Europe/Paris", "locale": locale, "signup_date": "2024-03-01",
            "last_login_at": "", "marketing_opt_in": "true" if opt_in else "false",
            "preferred_channel": channel, "digest_hour": "8", "lifetime_value": "12.50"}


def csv_of(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


@unittest.skipUnless(DESTRUCTIVE, "loads users and schedules notifications")
class Audiences(unittest.TestCase):
    env: Environment

    @classmethod
    def setUpClass(cls):
        cls.env = Environment(ENV)
        if not cls.env.local:
            raise unittest.SkipTest("reads PostgreSQL, which only the local environment exposes")
        cls.s3 = cls.env.client("s3")
        cls.bucket = cls.env.out("DataBucketName")

    # ---- steps ---------------------------------------------------------------------------
    def load(self, name: str, body: bytes) -> dict:
        """Uploads a users CSV and waits for its outcome record, then for the sync pass."""
        key = f"incoming/users/audiences-{RUN}/{name}"
        sent = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="text/csv",
                                  ServerSideEncryption="aws:kms", SSEKMSKeyId=self.env.out("DataKeyArn"))
        got = wait_for_outcome(self.s3, self.bucket, key, sent["VersionId"])
        self.assertEqual(got["status"], "loaded", got)
        wait_for_sync(self.env, SYNC_DEADLINE_S)
        return got

    def segment(self, name: str) -> dict[str, dict]:
        return {u: m for u, m in members(self.env, name).items() if u.startswith(f"aud-{RUN}-")}

    # ---- a load adds, changes and removes members ----------------------------------------
    def test_a_load_adds_changes_and_removes_members(self):
        ada = user(1, "Ada", "Lovelace", opt_in=True, channel="push", locale="en-GB")
        bea = user(2, "Béatrice", "Dupont", opt_in=False, channel="email", locale="fr-FR")
        cy = user(3, "Cy", "Young", opt_in=True, channel="sms", locale="en-US")
        self.load("directory.csv", csv_of([ada, bea, cy]))
        ids = {r["user_id"]: r for r in (ada, bea, cy)}
        a, b, c = ids
        self.assertEqual(set(self.segment("all-users")), {a, b, c})
        self.assertEqual(set(self.segment("marketing")), {a, c})
        self.assertEqual(set(self.segment("push")), {a})
        self.assertEqual(set(self.segment("locale-en")), {a, c})
        self.assertEqual(self.segment("all-users")[b]["firstName"], "Béatrice")
        self.assertEqual({k: profile(self.env, a)[k] for k in ("displayName", "firstName", "locale", "timeZone")},
                         {"displayName": "Ada Lovelace", "firstName": "Ada", "locale": "en-GB",
                          "timeZone": "Europe/Paris"})

        # Version 2 of the same object: Ada renamed and opted out, Béatrice opted in, Cy gone
        # from the file, Dee new.
        ada2 = {**ada, "display_name": "Ada King", "marketing_opt_in": "false"}
        bea2 = {**bea, "marketing_opt_in": "true"}
        dee = user(4, "Dee", "", opt_in=True, channel="push", locale="", display="Dee")
        self.load("directory.csv", csv_of([ada2, bea2, dee]))
        d = dee["user_id"]
        everyone = self.segment("all-users")
        self.assertEqual(set(everyone), {a, b, d})
        self.assertEqual(everyone[a]["displayName"], "Ada King")
        self.assertEqual(set(self.segment("marketing")), {b, d})
        self.assertEqual(set(self.segment("push")), {a, d})
        self.assertEqual(set(self.segment("locale-en")), {a})
        self.assertIsNone(profile(self.env, c), "a user gone from the file keeps no profile")
        self.assertEqual(profile(self.env, a)["displayName"], "Ada King")
        self.assertEqual(psql(f"SELECT count(*) FROM users WHERE user_id = '{c}'"), [["0"]])

    # ---- a day reaches exactly the file's users, marketing only the opted in -------------
    def test_an_opted_out_user_gets_no_marketing_and_every_recipient_is_a_user_of_the_file(self):
        # The file is the whole directory: empty the table, and let a pass remove the rest.
        psql("DELETE FROM users")
        self.env.client("sqs").send_message(QueueUrl=self.env.out("AudienceSyncQueueUrl"),
                                            MessageBody=json.dumps({"reason": "manual"}))
        wait_for_sync(self.env, SYNC_DEADLINE_S)
        rng = random.Random(int(RUN, 16))
        rows = [user(100 + n, rng.choice(["Ana", "Bo", "Chen", "Dara", ""]), "Tester",
                     opt_in=rng.random() < 0.5, channel=rng.choice(["email", "push", "sms", "none"]),
                     locale=rng.choice(["en-GB", "fr-FR", ""]), display=f"Tester {n}")
                for n in range(150)]
        bad = {**user(999, "Bad", "Row", opt_in=True, channel="carrier-pigeon", locale="en-GB")}
        got = self.load("whole-directory.csv", csv_of(rows + [bad]))
        self.assertEqual((got["rowsLoaded"], got["rowsRejected"]), (150, 1))
        in_file = {r["user_id"] for r in rows}
        opted_in = {r["user_id"] for r in rows if r["marketing_opt_in"] == "true"}
        self.assertEqual({u for [u] in psql("SELECT user_id FROM users")}, in_file)

        date = (datetime.date.today() + datetime.timedelta(days=1000 + rng.randrange(9000))).isoformat()
        names = {"all-users": f"e2e-{RUN}-everyone", "marketing": f"e2e-{RUN}-offer"}
        for segment, nid in names.items():
            resp = self.env.call("PUT", f"/admin/notifications/{urllib.parse.quote(nid)}", body={
                "title": "Hi {{firstName}}", "body": "For {{displayName}} ({{locale}})",
                "segment": segment, "schedule": {"date": date}})
            self.assertEqual(resp.status, 201, resp.body)
        try:
            result, error = self.env.invoke("FindDailyFunctionName", {"date": date, "force": False})
            self.assertIsNone(error, result)
            wait_until_drained(self.env, 300)
            received = {nid: {u: r["title"] for u, r in records.items()}
                        for nid, records in day_records(self.env, date).items()}
        finally:
            for nid in names.values():
                self.env.call("DELETE", f"/admin/notifications/{urllib.parse.quote(nid)}")
        self.assertEqual(set(received[names["all-users"]]), in_file)
        self.assertEqual(set(received[names["marketing"]]), opted_in)
        self.assertFalse(set(received[names["marketing"]]) - opted_in, "an opted-out user got marketing")
        by_id = {r["user_id"]: r for r in rows}
        for uid, title in received[names["all-users"]].items():
            first = by_id[uid]["first_name"] or by_id[uid]["display_name"]
            self.assertEqual(title, f"Hi {first}", uid)


if __name__ == "__main__":
    unittest.main()
