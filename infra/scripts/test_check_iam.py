"""check_iam.py can fail: broken copies of the synthesized templates, each with one mistake IAM
would accept silently, are each reported, and the unbroken templates are not.

DN_IAM_TEMPLATES names the directories of synthesized templates (os.pathsep-separated; the app's
and the delivery app's cloud assemblies), as infra/scripts/check-templates.sh passes them. Run
with the venv that holds policy_sentry: .venv/iam/bin/python -m unittest infra/scripts/test_check_iam.py
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_iam  # noqa: E402
from assemblies import TemplatesTest, template_files  # noqa: E402

SCRIPT = Path(__file__).resolve().parent / "check_iam.py"


def statements(body: dict):
    """Every (resource, statement) of a template's policy documents."""
    for logical_id, res in body["Resources"].items():
        for _, doc in check_iam.policies_in(res.get("Properties") or {}, ""):
            for st in doc["Statement"]:
                yield logical_id, st


class BrokenCopies(TemplatesTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paths = template_files()

    def broken(self, name_part: str, mutate) -> list[Path]:
        """Copies of every template, with `mutate(body)` applied to the one whose name has `name_part`."""
        out = Path(self.tmp.name) / self.id().rsplit(".", 1)[-1]
        out.mkdir()
        target = None
        for p in self.paths:
            body = json.loads(p.read_text())
            if name_part in p.name and target is None:
                body = copy.deepcopy(body)
                mutate(body)
                target = p.name
            (out / p.name).write_text(json.dumps(body))
        self.assertIsNotNone(target, name_part)
        return sorted(out.glob("*.template.json"))

    def run_cli(self, paths: list[Path]) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), *map(str, paths)], capture_output=True, text=True)

    def first(self, body: dict, predicate) -> dict:
        for _, st in statements(body):
            if predicate(st):
                return st
        self.fail("no statement matches")

    def test_the_synthesized_templates_pass(self):
        done = self.run_cli(self.paths)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertRegex(done.stdout, r"check_iam: \d+ templates, \d{3,} statements, 0 problems")

    def test_a_misspelt_action_fails_the_check(self):
        def mutate(body):
            st = self.first(body, lambda s: "sqs:SendMessage" in check_iam.as_list(s.get("Action")))
            st["Action"] = ["sqs:SendMesage" if a == "sqs:SendMessage" else a for a in check_iam.as_list(st["Action"])]

        done = self.run_cli(self.broken("dev-Notifications", mutate))
        self.assertEqual(done.returncode, 1, done.stdout)
        self.assertIn("action sqs:SendMesage does not exist", done.stdout)
        self.assertRegex(done.stdout, r"\n?check_iam: .* 1 problems")

    def test_an_unknown_service_is_named(self):
        def mutate(body):
            st = self.first(body, lambda s: s.get("Action") == "cloudwatch:DescribeAlarms")
            st["Action"] = "cloudwatchh:DescribeAlarms"

        done = self.run_cli(self.broken("prod-Delivery", mutate))
        self.assertIn("action cloudwatchh:DescribeAlarms: no such service", done.stdout)

    def test_a_misspelt_condition_key_or_operator_fails(self):
        def mutate(body):
            st = self.first(body, lambda s: "dynamodb:LeadingKeys" in json.dumps(s.get("Condition", {})))
            st["Condition"] = {"ForAllValues:StringLik": {"dynamodb:LeadingKey": ["USER#*"]}}

        out = self.run_cli(self.broken("qa-Notifications", mutate)).stdout
        self.assertIn("condition key dynamodb:LeadingKey does not exist", out)
        self.assertIn("condition operator ForAllValues:StringLik is not one of IAM's", out)

    def test_a_grant_on_the_wrong_resource_type_fails(self):
        def mutate(body):
            st = self.first(body, lambda s: s.get("Action") == "cloudwatch:DescribeAlarms")
            st["Resource"] = st["Resource"].replace(":alarm:", ":dashboard/")

        out = self.run_cli(self.broken("prod-Delivery", mutate)).stdout
        self.assertIn("cloudwatch:DescribeAlarms does not apply to arn:aws:cloudwatch:", out)

    def test_an_action_without_resource_types_is_only_granted_on_star(self):
        def mutate(body):
            st = self.first(body, lambda s: "cloudwatch:GetMetricStatistics" in check_iam.as_list(s.get("Action")))
            st["Resource"] = "arn:aws:cloudwatch:eu-west-2:111111111111:alarm:x"

        out = self.run_cli(self.broken("dev-Delivery", mutate)).stdout
        self.assertIn('cloudwatch:GetMetricStatistics applies to no resource type, so only to Resource "*"', out)

    def test_oidc_keys_count_only_in_a_trust_of_that_provider(self):
        def mutate(body):
            st = self.first(body, lambda s: s.get("Action") == "cloudwatch:DescribeAlarms")
            st["Condition"] = {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:x/y:*"}}

        out = self.run_cli(self.broken("qa-Delivery", mutate)).stdout
        self.assertIn("condition key token.actions.githubusercontent.com:sub does not exist", out)


class Patterns(unittest.TestCase):
    def test_globs_intersect(self):
        self.assertTrue(check_iam.globs_intersect("arn:*:logs:*:*:log-group:/a:*", "arn:*:logs:*:*:log-group:*:log-stream:*"))
        self.assertFalse(check_iam.globs_intersect("arn:aws:sqs:r:1:q", "arn:*:dynamodb:*:*:table/*"))
        self.assertTrue(check_iam.globs_intersect("a*c", "*b*"))
        self.assertFalse(check_iam.globs_intersect("abc", "abd"))
        # A wildcard in a name cannot stand for the account and resource-type parts of the ARN.
        self.assertFalse(check_iam.arn_matches("arn:aws:cloudwatch:r:1:dashboard/x-*", "arn:*:cloudwatch:*:*:alarm:*"))
        self.assertTrue(check_iam.arn_matches("arn:aws:cloudwatch:r:1:alarm:x-*", "arn:*:cloudwatch:*:*:alarm:*"))

    def test_every_modelled_arn_shape_is_an_aws_resource_type(self):
        for kind, shape in {**check_iam.ARN_OF, **check_iam.REF_IS_ARN}.items():
            prefix = shape.split(":")[2]
            data = check_iam.service(prefix)
            arns = [check_iam.re.sub(r"\$\{[^}]+\}", "*", r["arn"]) for r in data["resources"].values()]
            self.assertTrue(any(check_iam.globs_intersect(shape, a) for a in arns), kind)


if __name__ == "__main__":
    unittest.main(verbosity=2)
