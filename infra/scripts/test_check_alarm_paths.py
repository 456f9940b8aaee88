"""check_alarm_paths.py and the resolver it shares with the alerting test (tools/alarm_path.py) can
fail: on the real synthesized templates each environment's path is the one its config builds, and
broken copies (a composite without an action, a tests role that may not reset the composite or
subscribe to its topic, a disabled alarm) are each reported.

DN_IAM_TEMPLATES names the cloud assembly directories (os.pathsep-separated), as
infra/scripts/check-templates.sh passes them. The resolver's own cases need no templates.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.alarm_path import alarms_read_by, notification_paths  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assemblies import TemplatesTest  # noqa: E402

SCRIPT = Path(__file__).resolve().parent / "check_alarm_paths.py"


def arn(name: str) -> str:
    return f"arn:aws:cloudwatch:eu-west-2:1:alarm:{name}"


class Resolver(unittest.TestCase):
    def test_an_alarm_with_an_action_notifies_itself(self):
        alarms = {"a": {"AlarmName": "a", "AlarmActions": ["arn:aws:sns:r:1:warn"]}}
        self.assertEqual([(p.alarms, p.topics) for p in notification_paths("a", alarms)],
                         [(("a",), ("arn:aws:sns:r:1:warn",))])

    def test_a_cause_without_action_notifies_through_nested_composites(self):
        alarms = {
            "a": {"AlarmName": "a", "AlarmActions": []},
            "c1": {"AlarmName": "c1", "AlarmActions": [], "AlarmRule": f'ALARM("{arn("a")}") OR ALARM(b)'},
            "c2": {"AlarmName": "c2", "AlarmActions": ["arn:aws:sns:r:1:page"], "AlarmRule": "ALARM(c1)"},
        }
        self.assertEqual([p.alarms for p in notification_paths("a", alarms)], [("a", "c1", "c2")])

    def test_negated_references_disabled_actions_and_other_actions_do_not_notify(self):
        alarms = {
            "a": {"AlarmName": "a", "AlarmActions": ["arn:aws:autoscaling:r:1:policy"]},
            "n": {"AlarmName": "n", "AlarmActions": ["arn:aws:sns:r:1:t"], "AlarmRule": "NOT ALARM(a)"},
            "d": {"AlarmName": "d", "AlarmActions": ["arn:aws:sns:r:1:t"], "ActionsEnabled": False,
                  "AlarmRule": "ALARM(a)"},
        }
        self.assertEqual(alarms_read_by("NOT ALARM(a) AND ALARM(\"b\")"), {"b"})
        self.assertEqual(notification_paths("a", alarms), [])
        self.assertEqual(notification_paths("unknown", alarms), [])


class Templates(TemplatesTest):
    def run_cli(self, dirs: list[Path]) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), *map(str, dirs)], capture_output=True, text=True)

    def broken(self, stack: str, mutate) -> list[Path]:
        """Copies of the assemblies with `mutate(template)` applied to stack `stack`'s template."""
        out = Path(self.tmp.name) / self.id().rsplit(".", 1)[-1]
        copies = []
        for i, d in enumerate(self.dirs):
            copy = out / str(i)
            shutil.copytree(d, copy, ignore=shutil.ignore_patterns("asset.*"))
            copies.append(copy)
            path = copy / f"{stack}.template.json"
            if path.exists():
                body = json.loads(path.read_text())
                mutate(body)
                path.write_text(json.dumps(body))
        return copies

    def test_each_environment_notifies_the_way_its_config_builds(self):
        done = self.run_cli(self.dirs)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        # Composite alarms off: the alarm pages its own (warning) topic.
        self.assertIn("local: daily-notifications-local-find-daily-errors => "
                      "arn:aws:sns:us-east-1:000000000000:daily-notifications-local-alarms-warning", done.stdout)
        # On: the generation-late composite pages the critical topic.
        for env, account in (("dev", "111111111111"), ("qa", "222222222222"), ("prod", "333333333333")):
            self.assertIn(f"{env}: daily-notifications-{env}-find-daily-errors -> daily-notifications-{env}-"
                          f"generation-late => arn:aws:sns:eu-west-2:{account}:daily-notifications-{env}-"
                          "alarms-critical", done.stdout)
        self.assertIn("check_alarm_paths: 0 problems", done.stdout)

    def composite(self, body: dict, name: str) -> dict:
        for res in body["Resources"].values():
            if res["Type"] == "AWS::CloudWatch::CompositeAlarm" and res["Properties"]["AlarmName"] == name:
                return res["Properties"]
        self.fail(f"no composite alarm {name}")

    def test_a_composite_without_an_action_leaves_the_alarm_unheard(self):
        copies = self.broken("DailyNotifications-qa-Monitoring", lambda body: self.composite(
            body, "daily-notifications-qa-generation-late").update(AlarmActions=[]))
        done = self.run_cli(copies)
        self.assertEqual(done.returncode, 1, done.stdout)
        self.assertIn("qa: daily-notifications-qa-find-daily-errors notifies no SNS topic", done.stdout)

    def test_a_disabled_alarm_is_not_a_path(self):
        def mutate(body):
            for res in body["Resources"].values():
                if res["Type"] == "AWS::CloudWatch::Alarm" and res["Properties"]["AlarmName"].endswith(
                        "-find-daily-errors"):
                    res["Properties"]["ActionsEnabled"] = False
        done = self.run_cli(self.broken("DailyNotifications-local-Monitoring", mutate))
        self.assertEqual(done.returncode, 1, done.stdout)
        self.assertIn("local: daily-notifications-local-find-daily-errors notifies no SNS topic", done.stdout)

    def role_statements(self, body: dict) -> list[dict]:
        for res in body["Resources"].values():
            if str(res["Properties"].get("RoleName", "")).endswith("-github-deployment-tests"):
                return [st for p in res["Properties"]["Policies"] for st in p["PolicyDocument"]["Statement"]]
        self.fail("no tests role")

    def test_a_tests_role_that_cannot_reset_the_composite_or_reach_its_topic_is_reported(self):
        def mutate(body):
            for st in self.role_statements(body):
                if st["Action"] == "cloudwatch:SetAlarmState":
                    st["Resource"] = st["Resource"][:1]  # find-daily-errors only
                if st["Action"] == "sns:Subscribe":
                    st["Resource"] = json.loads(json.dumps(st["Resource"]).replace("-critical", "-warning"))
        done = self.run_cli(self.broken("DailyNotifications-dev-Delivery", mutate))
        self.assertEqual(done.returncode, 1, done.stdout)
        self.assertIn("dev: the tests role may not reset daily-notifications-dev-generation-late", done.stdout)
        self.assertIn("dev: the tests role may not subscribe to arn:aws:sns:eu-west-2:111111111111:"
                      "daily-notifications-dev-alarms-critical", done.stdout)
        self.assertIn("check_alarm_paths: 2 problems", done.stdout)

    def test_a_tests_role_that_cannot_describe_composites_is_reported(self):
        def mutate(body):
            for st in self.role_statements(body):
                if st["Action"] == "cloudwatch:DescribeAlarms":  # keep only the alarm:<prefix>-* grant
                    resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
                    st["Resource"] = [r for r in resources if r != "*"]
        done = self.run_cli(self.broken("DailyNotifications-qa-Delivery", mutate))
        self.assertEqual(done.returncode, 1, done.stdout)
        self.assertIn("qa: the alert path passes through a composite alarm, but the tests role may not "
                      "describe composite alarms", done.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
