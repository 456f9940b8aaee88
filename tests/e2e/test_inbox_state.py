"""Inbox state on a deployed environment (issue 16): mark read, mark unread, archive, read-all,
the unread count after each, another user's id (404, nothing changed), and a forced re-run of
the day that must leave every read state as it was. Runs after tools.seed and tools.run_day on
the seed's `stateUser` (in all three segments) so the other deployment tests' users keep their
unread records. Writes to the environment: only with DN_E2E_DESTRUCTIVE=1."""
from __future__ import annotations

import os
import unittest
import urllib.parse

from tools.dn_env import Environment, poll, seed_of

ENV = os.environ.get("DN_ENV", "local")
DESTRUCTIVE = os.environ.get("DN_E2E_DESTRUCTIVE") == "1"
# The state index is eventually consistent on AWS (MiniStack applies it at once): reads that
# follow a write poll until they agree, with this deadline.
INDEX_DEADLINE_S = 30


@unittest.skipUnless(DESTRUCTIVE, "changes the seeded users' inbox state")
class InboxState(unittest.TestCase):
    env: Environment
    seed: dict

    @classmethod
    def setUpClass(cls):
        cls.env = Environment(ENV)
        cls.seed = seed_of(ENV)
        if cls.seed is None:
            raise unittest.SkipTest("needs seeded data (make seed and make run-day)")
        cls.user = cls.seed["stateUser"]
        cls.date = cls.seed["date"]
        cls.ids = [f"{cls.date}.{n}" for n in ("beta-feature", "digest", "premium-offer")]

    # ---- calls ---------------------------------------------------------------------------
    def patch(self, user: str, record_id: str, body: object):
        path = (f"/users/{urllib.parse.quote(user, safe='')}/notifications/"
                f"{urllib.parse.quote(record_id, safe='')}")
        return self.env.call("PATCH", path, body=body)

    def read_all(self, user: str):
        return self.env.call("POST", f"/users/{urllib.parse.quote(user, safe='')}/notifications/read-all")

    def count(self, user: str) -> dict:
        r = self.env.call("GET", f"/users/{urllib.parse.quote(user, safe='')}/notifications/count")
        self.assertEqual(r.status, 200, r.body)
        return r.body

    def listed(self, user: str, status: str) -> dict[str, dict]:
        """Every item of one status, following the cursors: id -> item."""
        items, cursor = {}, None
        for _ in range(50):
            r = self.env.api(user, limit=2, cursor=cursor, status=status)
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.body["status"], status)
            items.update({i["id"]: i for i in r.body["items"]})
            cursor = r.body["nextCursor"]
            if cursor is None:
                return items
        self.fail("the cursor walk did not end")

    def state_is(self, unread: set[str], read: set[str], archived: set[str] = frozenset()):
        """Polls until count and the three lists show exactly this state for the user."""
        def agrees():
            c = self.count(self.user)
            return (c == {"userId": self.user, "unreadCount": len(unread), "exact": True}
                    and set(self.listed(self.user, "unread")) == unread
                    and set(self.listed(self.user, "read")) == read
                    and set(self.listed(self.user, "all")) == unread | read)
        try:
            poll("count and lists to agree", agrees, INDEX_DEADLINE_S)
        except TimeoutError:
            self.assertEqual(self.count(self.user)["unreadCount"], len(unread))
            self.assertEqual(set(self.listed(self.user, "unread")), unread)
            self.assertEqual(set(self.listed(self.user, "read")), read)
            self.assertEqual(set(self.listed(self.user, "all")), unread | read)
        all_items = self.listed(self.user, "all")
        for i in all_items.values():
            self.assertIsNone(i["archivedAt"], i)
            self.assertEqual(i["readAt"] is None, i["id"] in unread, i)
        self.assertFalse(archived & set(all_items))

    def states(self, user: str) -> dict[str, tuple]:
        """(readAt, archivedAt) of every inbox record of the user, read from the table."""
        ddb = self.env.client("dynamodb")
        page = ddb.query(TableName=self.env.out("TableName"),
                         KeyConditionExpression="pk = :pk AND begins_with(sk, :inbox)",
                         ExpressionAttributeValues={":pk": {"S": f"USER#{user}"},
                                                    ":inbox": {"S": f"INBOX#{self.date}#"}})
        return {i["sk"]["S"]: (i.get("readAt", {}).get("S"), i.get("archivedAt", {}).get("S"),
                               i.get("statePk", {}).get("S")) for i in page["Items"]}

    # ---- the story, in order ----------------------------------------------------------------
    def test_inbox_state_end_to_end(self):
        beta, digest, premium = self.ids
        everything = set(self.ids)
        self.state_is(unread=everything, read=set())

        # Mark read: 200 with readAt, the count drops by one; again: unchanged, same readAt.
        r = self.patch(self.user, digest, {"read": True})
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.body["changed"])
        read_at = r.body["readAt"]
        self.assertRegex(read_at, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.state_is(unread={beta, premium}, read={digest})
        again = self.patch(self.user, digest, {"read": True})
        self.assertEqual((again.status, again.body["changed"], again.body["readAt"]), (200, False, read_at))
        self.state_is(unread={beta, premium}, read={digest})

        # Mark unread, then read again.
        r = self.patch(self.user, digest, {"read": False})
        self.assertEqual((r.status, r.body["readAt"]), (200, None), r.body)
        self.state_is(unread=everything, read=set())
        self.assertEqual(self.patch(self.user, digest, {"read": True}).status, 200)
        self.state_is(unread={beta, premium}, read={digest})

        # Archive: it leaves every list and the count; marking it unread is a conflict.
        r = self.patch(self.user, beta, {"archived": True})
        self.assertEqual(r.status, 200, r.body)
        self.assertIsNotNone(r.body["archivedAt"])
        self.state_is(unread={premium}, read={digest}, archived={beta})
        conflict = self.patch(self.user, beta, {"read": False})
        self.assertEqual((conflict.status, conflict.body.get("error")), (409, "Conflict"), conflict.body)

        # Bad bodies and ids are 400 with a reason; nothing changes.
        for body in ({}, {"read": "yes"}, {"read": True, "archived": True}, ["read"]):
            bad = self.patch(self.user, premium, body)
            self.assertEqual(bad.status, 400, (body, bad.body))
            self.assertTrue(bad.body.get("message"), bad.body)
        self.assertEqual(self.patch(self.user, "not-an-id", {"read": True}).status, 400)

        # Another user's id: the single-notification user has only the digest, so the beta
        # record is not theirs: 404, and the state user's beta record is untouched.
        other = self.seed["singleNotificationUser"]
        before = self.states(self.user)
        stranger = self.patch(other, beta, {"read": False})
        self.assertEqual((stranger.status, stranger.body.get("error")), (404, "NotFound"), stranger.body)
        self.assertEqual(self.patch(other, premium, {"archived": True}).status, 404)
        self.assertEqual(self.states(self.user), before)
        self.assertEqual(self.count(other)["unreadCount"], 1)

        # Read-all: everything up to now is read; the count is 0; again: nothing more to mark.
        r = self.read_all(self.user)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.body["markedRead"], r.body["complete"]), (1, True))
        self.state_is(unread=set(), read={digest, premium}, archived={beta})
        self.assertEqual(self.read_all(self.user).body["markedRead"], 0)

        # Mark one unread again so the re-run has all three states to keep.
        self.assertEqual(self.patch(self.user, premium, {"read": False}).status, 200)
        self.state_is(unread={premium}, read={digest}, archived={beta})
        kept = self.states(self.user)

        # The day again, forced: every record is regenerated, and not one state changes.
        result, error = self.env.invoke("FindDailyFunctionName", {"date": self.date, "force": True})
        self.assertIsNone(error, result)
        sqs = self.env.client("sqs")
        queue = self.env.out("GenerateQueueUrl")

        def drained():
            a = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            return all(v == "0" for v in a.values())

        poll("the forced day's messages to be processed", drained, timeout_s=600, interval_s=1.0)
        self.assertEqual(self.env.count_inbox(self.date), self.seed["expectedInbox"])
        self.assertEqual(self.states(self.user), kept)
        self.state_is(unread={premium}, read={digest}, archived={beta})

    def test_cursor_is_bound_to_user_and_status(self):
        r = self.env.api(self.seed["sampleUser"], limit=1, status="all")
        self.assertEqual(r.status, 200, r.body)
        cursor = r.body["nextCursor"]
        self.assertIsInstance(cursor, str)
        self.assertEqual(self.env.api(self.seed["sampleUser"], cursor=cursor, status="unread").status, 400)
        self.assertEqual(self.env.api(self.seed["singleNotificationUser"], cursor=cursor).status, 400)
        self.assertEqual(self.env.api(self.seed["sampleUser"], cursor=cursor).status, 200)
        self.assertEqual(self.env.api(self.seed["sampleUser"], status="archived").status, 400)

    def test_unknown_user_is_404_on_every_state_route(self):
        unknown = self.seed["unknownUser"]
        self.assertEqual(self.env.call("GET", f"/users/{unknown}/notifications/count").status, 404)
        self.assertEqual(self.read_all(unknown).status, 404)
        self.assertEqual(self.patch(unknown, self.ids[0], {"read": True}).status, 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)
