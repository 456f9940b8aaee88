"""Which SNS topics an alarm's transition to ALARM reaches, and through which alarms. An alarm
notifies through its own AlarmActions, or (with composite alarms on, where a cause feeding a
composite has no action of its own) through every composite alarm whose rule reads it with
ALARM(...), recursively. One resolver for three readers of the same question:

* the alerting test (tests/e2e/test_alerting.py), on the deployed alarms (`deployed_alarms`);
* the template check (infra/scripts/check_alarm_paths.py), on each environment's synthesized
  monitoring template (`template_alarms`);
* on-call: `python -m tools.alarm_path --env qa find-daily-errors` prints where that alarm pages.

An alarm is a dict shaped like a DescribeAlarms record (AlarmName, AlarmArn, AlarmActions,
ActionsEnabled; AlarmRule for a composite)."""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from typing import Mapping

# ALARM(name-or-ARN) in a composite's rule, quoted or not; a NOT in front negates it.
_ALARM_REF = re.compile(r'(\bNOT\s+)?\bALARM\(\s*"?([^"()]+?)"?\s*\)')


@dataclass(frozen=True)
class Path:
    """From the alarm that fires (first) to the alarm that notifies (last), and the topics the
    last one publishes to."""
    alarms: tuple[str, ...]
    topics: tuple[str, ...]

    @property
    def notifier(self) -> str:
        return self.alarms[-1]


def _alarm_name(ref: str) -> str:
    return ref.rsplit(":alarm:", 1)[-1]


def alarms_read_by(rule: str) -> set[str]:
    """Names of the alarms whose ALARM state a composite rule reacts to (not the negated ones)."""
    return {_alarm_name(ref.strip()) for negated, ref in _ALARM_REF.findall(rule) if not negated}


def _topics(alarm: Mapping) -> tuple[str, ...]:
    if alarm.get("ActionsEnabled", True) is False:
        return ()
    return tuple(a for a in alarm.get("AlarmActions") or [] if a.split(":")[2:3] == ["sns"])


def notification_paths(name: str, alarms: Mapping[str, Mapping]) -> list[Path]:
    """Every path from alarm `name` to an alarm that publishes its ALARM state to SNS. Empty when
    the alarm notifies nobody (unknown alarm, no action and no composite above it)."""
    parents: dict[str, list[str]] = {}
    for parent, alarm in alarms.items():
        for child in alarms_read_by(alarm.get("AlarmRule") or ""):
            parents.setdefault(child, []).append(parent)
    found: list[Path] = []

    def walk(chain: tuple[str, ...]) -> None:
        alarm = alarms.get(chain[-1])
        if alarm is None:
            return
        topics = _topics(alarm)
        if topics:
            found.append(Path(chain, topics))
        for parent in sorted(parents.get(chain[-1], [])):
            if parent not in chain:
                walk(chain + (parent,))

    walk((name,))
    return found


# ---- deployed alarms ------------------------------------------------------------------------
def deployed_alarms(cloudwatch, name: str, composite_prefix: str) -> dict[str, dict]:
    """The alarm `name` and every composite alarm named `composite_prefix`*, as DescribeAlarms
    returns them. Describing composite alarms needs cloudwatch:DescribeAlarms on "*" (AWS returns
    no composite to a narrower grant)."""
    out: dict[str, dict] = {}
    first = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    for alarm in first.get("MetricAlarms", []) + first.get("CompositeAlarms", []):
        out[alarm["AlarmName"]] = alarm
    kwargs = {"AlarmTypes": ["CompositeAlarm"], "AlarmNamePrefix": composite_prefix}
    while True:
        page = cloudwatch.describe_alarms(**kwargs)
        for alarm in page.get("CompositeAlarms", []):
            out[alarm["AlarmName"]] = alarm
        if not page.get("NextToken"):
            return out
        kwargs["NextToken"] = page["NextToken"]


# ---- synthesized templates ------------------------------------------------------------------
class TemplateError(ValueError):
    """The template holds an alarm property this module cannot resolve to a literal."""


def template_alarms(template: Mapping, account: str, region: str, partition: str = "aws") -> dict[str, dict]:
    """The alarms of a synthesized CloudFormation template (AWS::CloudWatch::Alarm and
    CompositeAlarm), as DescribeAlarms would return them once deployed: Refs to topics become the
    topics' ARNs and GetAtt <alarm>.Arn in a rule the alarm's ARN."""
    resources = template.get("Resources", {})

    def literal(logical_id: str, prop: str) -> str:
        value = (resources.get(logical_id, {}).get("Properties") or {}).get(prop)
        if not isinstance(value, str):
            raise TemplateError(f"{logical_id}.{prop} is not a literal: {value!r}")
        return value

    def alarm_arn(logical_id: str) -> str:
        return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{literal(logical_id, 'AlarmName')}"

    def render(value, where: str) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and set(value) == {"Ref"}:
            ref = value["Ref"]
            if resources.get(ref, {}).get("Type") == "AWS::SNS::Topic":
                return f"arn:{partition}:sns:{region}:{account}:{literal(ref, 'TopicName')}"
        if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
            target, attribute = value["Fn::GetAtt"]
            if attribute == "Arn" and resources.get(target, {}).get("Type", "").startswith("AWS::CloudWatch::"):
                return alarm_arn(target)
        if isinstance(value, dict) and set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(render(p, where) for p in parts)
        raise TemplateError(f"{where}: cannot resolve {value!r}")

    out: dict[str, dict] = {}
    for logical_id, res in resources.items():
        if res.get("Type") not in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
            continue
        props = res.get("Properties") or {}
        name = literal(logical_id, "AlarmName")
        alarm = {
            "AlarmName": name,
            "AlarmArn": alarm_arn(logical_id),
            "ActionsEnabled": props.get("ActionsEnabled", True),
            "AlarmActions": [render(a, f"{logical_id}.AlarmActions") for a in props.get("AlarmActions", [])],
        }
        if "AlarmRule" in props:
            alarm["AlarmRule"] = render(props["AlarmRule"], f"{logical_id}.AlarmRule")
        out[name] = alarm
    return out


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True, help="local, dev, qa or prod (its CDK outputs file)")
    parser.add_argument("alarm", help="alarm name, or its suffix after daily-notifications-<env>-")
    args = parser.parse_args(argv)
    from tools.dn_env import Environment  # botocore only for the deployed case

    env = Environment(args.env)
    prefix = f"daily-notifications-{args.env}-"
    name = args.alarm if args.alarm.startswith(prefix) else prefix + args.alarm
    paths = notification_paths(name, deployed_alarms(env.client("cloudwatch"), name, prefix))
    for path in paths:
        print(" -> ".join(path.alarms), "=>", ", ".join(path.topics))
    if not paths:
        print(f"{name} notifies no SNS topic (no action of its own, no composite alarm reads it)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
