"""Authoring through the admin API on a deployed environment (issue 15): create, replace, list
and delete definitions; the rules (one date, every day, weekdays, given weekdays) expanded for
a day; each refusal with its reason; and a day that has run staying as it was sent when its
definition is edited afterwards. Every definition id carries this run's id and every day is one
far in the future chosen for this run, so runs never meet each other's days or the seeded day.
Writes to the environment: only with DN_E2E_DESTRUCTIVE=1."""
from __future__ import annotations

import datetime
import os
import random
import unittest
import urllib.parse
import uuid

from tools.dn_env import Environment, today_in
from tools.run_day import day_records, wait_until_drained

ENV = os.environ.get("DN_ENV", "local")
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"
RUN = uuid.uuid4().hex[:8]
# A Monday between ~3 and ~30 years ahead: no seeded day, no other run's day (ids differ too).
_ahead = datetime.date.today() + datetime.timedelta(days=1000 + random.randrange(0, 9000))
MONDAY = _ahead - datetime.timedelta(days=_ahead.weekday())


def day(offset: int) -> str:
    return (MONDAY + datetime.timedelta(days=offset)).isoformat()


class AuthoringReadOnly(unittest.TestCase):
    """Smoke (safe anywhere): the admin listing answers, and refuses a day that is no date."""

    def test_a_day_is_listed_and_a_bad_date_refused(self):
        env = Environment(ENV)
        ok = env.call("GET", "/admin/notifications", {"date": today_in(env.out("Timezone"))})
        self.assertEqual(ok.status, 200, ok.body)
        self.assertIsInstance(ok.body["notifications"], list)
        bad = env.call("GET", "/admin/notifications", {"date": "2026-02-30"})
        self.assertEqual(bad.status, 400, bad.body)
        self.assertIn("date", bad.body["message"])


@unittest.skipUnless(DESTRUCTIVE, "creates and deletes notification definitions")
class Authoring(unittest.TestCase):
    env: Environment

    @classmethod
    def setUpClass(cls):
        cls.env = Environment(ENV)
        cls.segments = cls.env.out("SegmentNames").split(",")
        cls.created: list[str] = []

    @classmethod
    def tearDownClass(cls):
        for nid in cls.created:
            cls.env.call("DELETE", cls.path(nid))

    @staticmethod
    def path(nid: str) -> str:
        return f"/admin/notifications/{urllib.parse.quote(nid, safe='')}"

    def put(self, nid: str, schedule: dict, **fields):
        body = {"title": f"Hello {{{{firstName}}}} ({nid})", "body": "Body for {{displayName}}",
                "segment": "all-users", "schedule": schedule, **fields}
        resp = self.env.call("PUT", self.path(nid), body=body)
        if resp.status in (200, 201):
            self.created.append(nid)
        return resp

    def listed(self, date: str) -> dict[str, dict]:
        resp = self.env.call("GET", "/admin/notifications", {"date": date})
        self.assertEqual(resp.status, 200, resp.body)
        self.assertEqual(resp.body["date"], date)
        return {n["notificationId"]: n for n in resp.body["notifications"]}

    def mine(self, date: str) -> set[str]:
        return {nid for nid in self.listed(date) if RUN in nid}

    # ---- create, replace, list, delete ---------------------------------------------------
    def test_create_replace_list_and_delete_a_one_date_definition(self):
        nid = f"e2e-{RUN}-once"
        first = self.put(nid, {"date": day(2)})
        self.assertEqual(first.status, 201, first.body)
        self.assertEqual((first.body["notificationId"], first.body["created"], first.body["version"]),
                         (nid, True, 1))
        again = self.put(nid, {"date": day(2)}, title="Replaced {{userId}}")
        self.assertEqual(again.status, 200, again.body)
        self.assertEqual((again.body["created"], again.body["version"]), (False, 2))
        listed = self.listed(day(2))
        self.assertEqual(listed[nid]["title"], "Replaced {{userId}}")
        self.assertEqual(listed[nid]["schedule"], {"date": day(2)})
        self.assertNotIn(nid, self.listed(day(3)))
        gone = self.env.call("DELETE", self.path(nid))
        self.assertEqual((gone.status, gone.body.get("deleted")), (200, True), gone.body)
        self.assertNotIn(nid, self.listed(day(2)))
        twice = self.env.call("DELETE", self.path(nid))
        self.assertEqual(twice.status, 404, twice.body)

    def test_rules_are_expanded_for_the_day_listed(self):
        daily, weekdays, days = f"e2e-{RUN}-daily", f"e2e-{RUN}-weekdays", f"e2e-{RUN}-tue-sat"
        for nid, schedule in ((daily, {"rule": "daily", "start": day(0), "end": day(9)}),
                              (weekdays, {"rule": "weekdays", "start": day(0)}),
                              (days, {"rule": "days", "days": ["tue", "sat"], "start": day(0)})):
            resp = self.put(nid, schedule)
            self.assertEqual(resp.status, 201, resp.body)
        # MONDAY is day(0): Mon Tue ... Sun, then the next week.
        expected = {0: {daily, weekdays}, 1: {daily, weekdays, days}, 5: {daily, days},
                    6: {daily}, 8: {daily, weekdays, days}, 10: {weekdays}, 12: {days}, -1: set()}
        for offset, ids in expected.items():
            self.assertEqual(self.mine(day(offset)), ids, f"{day(offset)} (Monday {offset:+d})")

    # ---- refusals ------------------------------------------------------------------------
    def test_each_refusal_names_its_reason(self):
        nid = f"e2e-{RUN}-bad"
        today = today_in(self.env.out("Timezone"))
        yesterday = (datetime.date.fromisoformat(today) - datetime.timedelta(days=1)).isoformat()
        cases = [
            ({"segment": "no-such-segment"}, "no-such-segment"),
            ({"title": "Hi {{nickname}}"}, "{{nickname}}"),
            ({"title": "x" * 201}, "title"),
            ({"body": "y" * 2001}, "body"),
            ({"notificationId": "another-id"}, "notificationId"),
            ({"schedule": {"date": yesterday}}, yesterday),
            ({"schedule": {"rule": "days", "days": ["someday"], "start": day(0)}}, "someday"),
            ({"schedule": {"rule": "daily", "start": day(5), "end": day(1)}}, "end"),
            ({"schedule": {"rule": "hourly", "start": day(0)}}, "schedule.rule must be one of daily"),
            ({"priority": "high"}, "priority"),
        ]
        for fields, reason in cases:
            resp = self.put(nid, fields.pop("schedule", {"date": day(2)}), **fields)
            self.assertEqual(resp.status, 400, (fields, resp.body))
            self.assertEqual(resp.body["error"], "BadRequest")
            self.assertIn(reason, resp.body["message"], fields)
        raw = self.env.call("PUT", self.path(nid), body="not an object")
        self.assertEqual(raw.status, 400, raw.body)
        self.assertNotIn(nid, self.listed(day(2)))
        missing = self.env.call("DELETE", self.path(f"e2e-{RUN}-never"))
        self.assertEqual(missing.status, 404, missing.body)

    # ---- a day that has run --------------------------------------------------------------
    def run_day(self, date: str) -> None:
        """find-daily for `date` (forced), then the generate queue drained."""
        result, error = self.env.invoke("FindDailyFunctionName", {"date": date, "force": True})
        self.assertIsNone(error, result)
        wait_until_drained(self.env, 300)

    def records_of(self, date: str, nid: str) -> dict[str, dict]:
        """Inbox records of (date, nid) across users: user id -> attributes."""
        return day_records(self.env, date).get(nid, {})

    def test_an_edit_after_the_run_leaves_that_day_unchanged(self):
        nid, ran = f"e2e-{RUN}-edit", day(15)
        # `push`: a segment of the loaded users (a quarter of them), so the day stays small.
        self.assertEqual(self.put(nid, {"rule": "daily", "start": ran}, segment="push",
                                  title="Before {{firstName}}").status, 201)
        self.run_day(ran)
        before = self.records_of(ran, nid)
        self.assertTrue(before, "the day's run wrote no record: is the push segment empty?")
        self.assertTrue(all(r["title"].startswith("Before ") for r in before.values()))
        frozen = self.listed(ran)
        self.assertEqual(frozen[nid]["title"], "Before {{firstName}}")

        edited = self.put(nid, {"rule": "daily", "start": ran}, segment="all-users",
                          title="After {{firstName}}")
        self.assertEqual(edited.status, 200, edited.body)
        # The run day lists what it sent; the next day what it will send.
        self.assertEqual((self.listed(ran)[nid]["title"], self.listed(ran)[nid]["segment"]),
                         ("Before {{firstName}}", "push"))
        self.assertEqual(self.listed(day(16))[nid]["title"], "After {{firstName}}")
        # A one-date definition for the run day is refused: the day is frozen.
        late = self.put(f"e2e-{RUN}-late", {"date": ran})
        self.assertEqual(late.status, 409, late.body)
        self.assertIn(ran, late.body["message"])
        # Running the day again (forced) sends the frozen copy, not the edit: nothing changes.
        self.run_day(ran)
        self.assertEqual(self.records_of(ran, nid), before)


if __name__ == "__main__":
    unittest.main()
