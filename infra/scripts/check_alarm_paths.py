#!/usr/bin/env python3
"""Checks, on the synthesized templates of every environment, the alert path the alerting test
(tests/e2e/test_alerting.py) follows, with the same resolver it uses on the deployed alarms
(tools/alarm_path.py):

* find-daily-errors reaches an SNS topic: through its own actions (composite alarms off) or
  through the composite alarms that read it (on), whichever the environment's config builds;
* where the delivery stack's tests role runs the alerting test (it may set alarm states), it may
  reset every alarm on those paths, subscribe to every topic they end at, and, when a path passes
  through a composite, describe composite alarms (cloudwatch:DescribeAlarms on "*").

Usage: check_alarm_paths.py <cloud assembly dir>... (the app's `-c env=all` assembly and the
delivery app's). Prints each environment's path; one line per problem; exits 1 if there is any.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.alarm_path import TemplateError, notification_paths, template_alarms  # noqa: E402

FIRED = "find-daily-errors"  # tests/e2e/test_alerting.py FIRED


def stacks(assemblies: list[Path]) -> dict[str, tuple[dict, str, str]]:
    """stack name -> (template, account, region) of every stack in the assemblies."""
    out = {}
    for directory in assemblies:
        manifest = json.loads((directory / "manifest.json").read_text())
        for stack, artifact in manifest["artifacts"].items():
            if artifact.get("type") != "aws:cloudformation:stack":
                continue
            account, region = artifact["environment"].removeprefix("aws://").split("/")
            template = json.loads((directory / artifact["properties"]["templateFile"]).read_text())
            out[stack] = (template, account, region)
    return out


def literal_text(value) -> str:
    """The literal parts of a (possibly Fn::Join'ed) resource, concatenated."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(literal_text(v) for v in value)
    if isinstance(value, dict) and "Fn::Join" in value:
        return literal_text(value["Fn::Join"][1])
    return ""


def tests_role_grants(template: dict) -> dict[str, list[str]]:
    """action -> resources (literal text) of the deployment-tests role's inline policies."""
    grants: dict[str, list[str]] = {}
    for res in template["Resources"].values():
        props = res.get("Properties") or {}
        if res.get("Type") != "AWS::IAM::Role" or not str(props.get("RoleName", "")).endswith(
                "-github-deployment-tests"):
            continue
        for policy in props.get("Policies", []):
            for st in policy["PolicyDocument"]["Statement"]:
                if st.get("Effect", "Allow") != "Allow":
                    continue
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
                for action in actions:
                    grants.setdefault(action, []).extend(literal_text(r) for r in resources)
    return grants


def covered(resources: list[str], suffix: str) -> bool:
    return "*" in resources or any(r.endswith(suffix) for r in resources)


def check(assemblies: list[Path]) -> list[str]:
    found = stacks(assemblies)
    problems: list[str] = []
    envs = sorted(n.split("-")[1] for n in found if n.startswith("DailyNotifications-")
                  and n.endswith("-Monitoring"))
    if not envs:
        return ["no DailyNotifications-<env>-Monitoring template in " + ", ".join(map(str, assemblies))]
    for env in envs:
        template, account, region = found[f"DailyNotifications-{env}-Monitoring"]
        name = f"daily-notifications-{env}-{FIRED}"
        try:
            paths = notification_paths(name, template_alarms(template, account, region))
        except TemplateError as err:
            problems.append(f"{env}: {err}")
            continue
        if not paths:
            problems.append(f"{env}: {name} notifies no SNS topic (no action of its own, no composite "
                            "alarm with an action reads it)")
            continue
        for path in paths:
            print(f"check_alarm_paths: {env}: {' -> '.join(path.alarms)} => {', '.join(path.topics)}")
        delivery = found.get(f"DailyNotifications-{env}-Delivery")
        grants = tests_role_grants(delivery[0]) if delivery else {}
        if "cloudwatch:SetAlarmState" not in grants:
            continue  # this environment's tests role does not run the alerting test
        for alarm in dict.fromkeys(a for p in paths for a in p.alarms):
            if not covered(grants["cloudwatch:SetAlarmState"], f":alarm:{alarm}"):
                problems.append(f"{env}: the tests role may not reset {alarm} (cloudwatch:SetAlarmState), "
                                "which the alert path passes through")
        for topic in dict.fromkeys(t for p in paths for t in p.topics):
            if not covered(grants.get("sns:Subscribe", []), ":" + topic.split(":")[-1]):
                problems.append(f"{env}: the tests role may not subscribe to {topic} (sns:Subscribe), "
                                "where the alert path ends")
        if any(len(p.alarms) > 1 for p in paths) and "*" not in grants.get("cloudwatch:DescribeAlarms", []):
            problems.append(f"{env}: the alert path passes through a composite alarm, but the tests role "
                            "may not describe composite alarms (cloudwatch:DescribeAlarms on \"*\")")
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check([Path(a) for a in argv])
    for p in problems:
        print(f"check_alarm_paths: {p}")
    print(f"check_alarm_paths: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
