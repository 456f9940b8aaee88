"""Rules of the delivery workflows (.github/workflows), checked on the YAML itself: the promotion
order dev -> qa -> prod with the approval gate before prod, OIDC-only AWS access, minimal
permissions, actions pinned by commit SHA, one artifact built once, bash with pipefail. Each rule is a function that
returns the problems it finds; the tests run them on the real files and on broken copies."""
from __future__ import annotations

import copy
import pathlib
import re
import unittest

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
AWS_CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials@"
DEPLOY_WORKFLOW = "./.github/workflows/deploy-env.yml"


def load(name: str) -> dict:
    text = (WORKFLOWS / name).read_text()
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    doc = yaml.safe_load(text)
    if True in doc:
        doc["on"] = doc.pop(True)
    doc["__text__"] = text
    return doc


def all_workflows() -> dict[str, dict]:
    return {p.name: load(p.name) for p in sorted(WORKFLOWS.glob("*.yml"))}


def steps_of(job: dict) -> list[dict]:
    return job.get("steps", []) or []


# ---- rules -------------------------------------------------------------------------------------

def pinned_actions(workflows: dict[str, dict]) -> list[str]:
    problems = []
    for name, wf in workflows.items():
        for line in wf["__text__"].splitlines():
            m = re.match(r"\s*(-\s*)?uses:\s*(\S+)(\s*#\s*(\S+))?", line)
            if not m or m.group(2).startswith("./"):
                continue
            if not SHA_PIN.match(m.group(2)):
                problems.append(f"{name}: {m.group(2)} is not pinned to a commit SHA")
            elif not (m.group(4) or "").startswith("v"):
                problems.append(f"{name}: {m.group(2)} has no '# vX.Y.Z' comment")
    return problems


def oidc_only(workflows: dict[str, dict]) -> list[str]:
    problems = []
    for name, wf in workflows.items():
        text = wf["__text__"]
        for forbidden in ("aws-access-key-id", "aws-secret-access-key", "aws-session-token",
                          "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if forbidden.lower() in text.lower():
                problems.append(f"{name}: mentions {forbidden} (AWS access must be OIDC only)")
        for m in re.finditer(r"secrets\.\w*(aws|key)\w*", text, re.IGNORECASE):
            problems.append(f"{name}: uses {m.group(0)} (AWS access must be OIDC only)")
        if re.search(r"^\s*secrets:\s*inherit\b", text, re.MULTILINE):
            problems.append(f"{name}: passes every secret on (secrets: inherit)")
        for job_id, job in wf.get("jobs", {}).items():
            for step in steps_of(job):
                if str(step.get("uses", "")).startswith(AWS_CREDENTIALS_ACTION):
                    if "role-to-assume" not in (step.get("with") or {}):
                        problems.append(f"{name}/{job_id}: configure-aws-credentials without role-to-assume")
    return problems


def minimal_permissions(workflows: dict[str, dict]) -> list[str]:
    problems = []
    for name, wf in workflows.items():
        if wf.get("permissions") != {}:
            problems.append(f"{name}: top-level permissions must be {{}} (each job asks for its own)")
        for job_id, job in wf.get("jobs", {}).items():
            perms = job.get("permissions")
            if perms is None:
                problems.append(f"{name}/{job_id}: no permissions block")
                continue
            uses_aws = any(str(s.get("uses", "")).startswith(AWS_CREDENTIALS_ACTION) for s in steps_of(job))
            calls_deploy = job.get("uses") == DEPLOY_WORKFLOW
            if perms.get("id-token") == "write" and not (uses_aws or calls_deploy):
                problems.append(f"{name}/{job_id}: id-token: write without AWS credentials")
            if (uses_aws or calls_deploy) and perms.get("id-token") != "write":
                problems.append(f"{name}/{job_id}: needs id-token: write for OIDC")
            for scope, level in perms.items():
                if level == "write" and scope != "id-token":
                    problems.append(f"{name}/{job_id}: {scope}: write is more than delivery needs")
    return problems


def pipefail_shell(workflows: dict[str, dict]) -> list[str]:
    """`shell: bash` runs bash -eo pipefail; the default shell would hide a failing `cmd | tee`."""
    problems = []
    for name, wf in workflows.items():
        if ((wf.get("defaults") or {}).get("run") or {}).get("shell") != "bash":
            problems.append(f"{name}: defaults.run.shell must be bash (pipefail)")
        for job_id, job in wf.get("jobs", {}).items():
            for step in steps_of(job):
                if "run" in step and step.get("shell", "bash") != "bash":
                    problems.append(f"{name}/{job_id}: a step runs without bash -eo pipefail")
    return problems


def needs_of(job: dict) -> set[str]:
    needs = job.get("needs", [])
    return {needs} if isinstance(needs, str) else set(needs)


def ancestors(jobs: dict, job_id: str) -> set[str]:
    seen, todo = set(), list(needs_of(jobs[job_id]))
    while todo:
        j = todo.pop()
        if j not in seen:
            seen.add(j)
            todo += list(needs_of(jobs[j]))
    return seen


def promotion(deliver: dict, deploy: dict) -> list[str]:
    problems = []
    jobs = deliver.get("jobs", {})
    by_env = {}
    for job_id, job in jobs.items():
        if job.get("uses") == DEPLOY_WORKFLOW:
            by_env[job["with"]["environment"]] = (job_id, job)
    if sorted(by_env) != ["dev", "prod", "qa"]:
        return [f"deliver.yml deploys {sorted(by_env)}, expected dev, qa and prod"]
    (dev, dev_job), (qa, qa_job), (prod, prod_job) = by_env["dev"], by_env["qa"], by_env["prod"]
    if dev not in ancestors(jobs, qa):
        problems.append("qa is deployed without dev having been deployed and tested first")
    if qa not in ancestors(jobs, prod):
        problems.append("prod is deployed without qa's full deployment tests first")
    if qa_job["with"].get("tests") != "full":
        problems.append("qa must run the full deployment tests")
    if prod_job["with"].get("tests") != "smoke":
        problems.append("prod must run the non-destructive smoke tests only")
    for env_job in (dev_job, prod_job):
        if env_job["with"].get("tests") not in ("smoke", "full"):
            problems.append(f"{env_job['with']['environment']}: no deployment tests after deploy")
    builders = [j for j, job in jobs.items()
                if any("make package" in str(s.get("run", "")) for s in steps_of(job))]
    if len(builders) != 1:
        problems.append(f"the zips must be built exactly once, built in {builders}")
    elif builders[0] not in ancestors(jobs, dev):
        problems.append("dev is deployed before the zips are built")

    # The reusable deploy workflow: approval gate, artifact reuse, diff, order of steps.
    deploy_jobs = list(deploy.get("jobs", {}).values())
    if len(deploy_jobs) != 1:
        return problems + ["deploy-env.yml must have exactly one job"]
    job = deploy_jobs[0]
    if job.get("environment") != "${{ inputs.environment }}":
        problems.append("the deploy job must run in the GitHub environment being deployed "
                        "(prod's required reviewers are the approval gate)")
    concurrency = job.get("concurrency") or {}
    if "${{ inputs.environment }}" not in str(concurrency.get("group", "")):
        problems.append("no concurrency group per environment")
    if concurrency.get("cancel-in-progress") is not False:
        problems.append("a deploy in progress could be cancelled (cancel-in-progress must be false)")
    runs = [str(s.get("run", "")) for s in steps_of(job)]
    uses = [str(s.get("uses", "")) for s in steps_of(job)]
    if any("make package" in r or "cmake" in r for r in runs):
        problems.append("the deploy job rebuilds the zips instead of reusing the artifact")
    order = {}
    for i, step in enumerate(steps_of(job)):
        text = str(step.get("uses", "")) + str(step.get("run", ""))
        for key, marker in (("download", "actions/download-artifact@"), ("credentials", AWS_CREDENTIALS_ACTION),
                            ("diff", "cdk diff"), ("deploy", "make deploy"), ("tests", "make smoke")):
            if marker in text:
                order.setdefault(key, i)
    for key in ("download", "credentials", "diff", "deploy", "tests"):
        if key not in order:
            problems.append(f"the deploy job has no {key} step")
    if not problems and not (order["download"] < order["deploy"] and order["credentials"] < order["diff"]
                             < order["deploy"] < order["tests"]):
        problems.append("deploy job steps out of order (artifact, credentials, diff, deploy, tests)")
    if not any(u.startswith("actions/upload-artifact@") for u in uses):
        problems.append("the cdk diff is not saved as an artifact")
    return problems


# ---- tests -------------------------------------------------------------------------------------

class Workflows(unittest.TestCase):
    def setUp(self):
        self.wfs = all_workflows()
        self.deliver, self.deploy = self.wfs["deliver.yml"], self.wfs["deploy-env.yml"]

    def test_ci_runs_the_same_gate_as_ci_run(self):
        steps = self.wfs["ci.yml"]["jobs"]["test"]["steps"]
        self.assertIn("bash .ci/run", [s.get("run") for s in steps])
        self.assertEqual(set(self.wfs["ci.yml"]["on"]), {"pull_request", "push"})

    def test_every_action_is_pinned_by_commit_sha(self):
        self.assertEqual(pinned_actions(self.wfs), [])

    def test_aws_access_is_oidc_only(self):
        self.assertEqual(oidc_only(self.wfs), [])

    def test_permissions_are_minimal_per_job(self):
        self.assertEqual(minimal_permissions(self.wfs), [])

    def test_promotion_order_and_approval_gate(self):
        self.assertEqual(promotion(self.deliver, self.deploy), [])

    def test_every_script_runs_with_pipefail(self):
        self.assertEqual(pipefail_shell(self.wfs), [])


class RulesCanFail(unittest.TestCase):
    """Each rule reports the breakage it exists for."""

    def setUp(self):
        self.wfs = all_workflows()
        self.deliver, self.deploy = self.wfs["deliver.yml"], self.wfs["deploy-env.yml"]

    def test_prod_straight_after_dev_is_reported(self):
        broken = copy.deepcopy(self.deliver)
        broken["jobs"]["prod"]["needs"] = "dev"
        self.assertIn("prod is deployed without qa's full deployment tests first",
                      promotion(broken, self.deploy))

    def test_missing_environment_gate_is_reported(self):
        broken = copy.deepcopy(self.deploy)
        del next(iter(broken["jobs"].values()))["environment"]
        self.assertTrue(any("required reviewers" in p for p in promotion(self.deliver, broken)))

    def test_rebuilding_in_the_deploy_job_is_reported(self):
        broken = copy.deepcopy(self.deploy)
        next(iter(broken["jobs"].values()))["steps"].insert(0, {"run": "make package"})
        self.assertTrue(any("rebuilds" in p for p in promotion(self.deliver, broken)))

    def test_a_tag_pinned_action_is_reported(self):
        broken = {"x.yml": {"__text__": "    steps:\n      - uses: actions/checkout@v4\n"}}
        self.assertEqual(pinned_actions(broken), ["x.yml: actions/checkout@v4 is not pinned to a commit SHA"])

    def test_static_keys_are_reported(self):
        broken = {"x.yml": {"__text__": "aws-access-key-id: ${{ secrets.AWS_KEY }}", "jobs": {}}}
        self.assertTrue(any("OIDC only" in p for p in oidc_only(broken)))

    def test_qa_without_the_full_suite_is_reported(self):
        broken = copy.deepcopy(self.deliver)
        broken["jobs"]["qa"]["with"]["tests"] = "smoke"
        self.assertIn("qa must run the full deployment tests", promotion(broken, self.deploy))

    def test_destructive_tests_in_prod_are_reported(self):
        broken = copy.deepcopy(self.deliver)
        broken["jobs"]["prod"]["with"]["tests"] = "full"
        self.assertIn("prod must run the non-destructive smoke tests only", promotion(broken, self.deploy))

    def test_a_second_build_is_reported(self):
        broken = copy.deepcopy(self.deliver)
        broken["jobs"]["dev"] = {**broken["jobs"]["dev"], "steps": [{"run": "make package"}]}
        self.assertTrue(any("built exactly once" in p for p in promotion(broken, self.deploy)))

    def test_cancellable_deploys_are_reported(self):
        broken = copy.deepcopy(self.deploy)
        next(iter(broken["jobs"].values()))["concurrency"]["cancel-in-progress"] = True
        self.assertTrue(any("cancel-in-progress" in p for p in promotion(self.deliver, broken)))

    def test_aws_key_secrets_are_reported(self):
        for text in ("env:\n  KEY: ${{ secrets.PROD_AWS_KEY }}\n", "    secrets: inherit\n"):
            self.assertTrue(oidc_only({"x.yml": {"__text__": text, "jobs": {}}}), text)

    def test_configure_credentials_without_a_role_is_reported(self):
        broken = copy.deepcopy(self.deploy)
        for step in next(iter(broken["jobs"].values()))["steps"]:
            if str(step.get("uses", "")).startswith(AWS_CREDENTIALS_ACTION):
                del step["with"]["role-to-assume"]
        broken["__text__"] = ""
        self.assertTrue(any("without role-to-assume" in p for p in oidc_only({"deploy-env.yml": broken})))

    def test_shell_without_pipefail_is_reported(self):
        broken = copy.deepcopy(self.deliver)
        del broken["defaults"]
        self.assertEqual(pipefail_shell({"deliver.yml": broken}),
                         ["deliver.yml: defaults.run.shell must be bash (pipefail)"])

    def test_id_token_without_aws_is_reported(self):
        broken = copy.deepcopy(self.deliver)
        broken["jobs"]["build"]["permissions"]["id-token"] = "write"
        self.assertIn("deliver.yml/build: id-token: write without AWS credentials",
                      minimal_permissions({"deliver.yml": broken}))


if __name__ == "__main__":
    unittest.main(verbosity=2)
