#!/usr/bin/env python3
"""Monthly cost baseline per environment and cost per million notifications, computed from the
synthesized CloudFormation templates and the unit prices in scripts/cost_prices.json.

  cost.py                       synthesize every environment, print the tables
  cost.py --write docs/COST.md  rewrite the generated part of the document (between markers)
  cost.py --check docs/COST.md  fail if the document's tables differ from what the code gives
  cost.py --cdk-out DIR         read an existing cloud assembly instead of synthesizing

Fixed costs come from resources in the templates (interface endpoints x subnets, KMS keys,
secrets, alarms, dashboards, Aurora's minimum capacity). Usage costs use the functions' memory
sizes from the templates and the workload assumptions in ASSUMPTIONS below (printed in the doc).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
PRICES = json.loads((ROOT / "scripts" / "cost_prices.json").read_text())
ENVS = ("local", "dev", "qa", "prod")
BEGIN, END = "<!-- cost:begin -->", "<!-- cost:end -->"

# Workload assumptions for one million inbox records (one notification to one user).
ASSUMPTIONS = {
    "records_per_batch_write": 25,            # generate: BatchWriteItem size
    "generate_ms_per_batch_write": 20,        # one BatchWriteItem round trip inside the VPC
    "members_per_page": 250,                  # generate: audience page size (one Query each)
    "reads_per_record": 1.0,                  # each record is fetched once through the API...
    "records_per_api_page": 20,               # ...in pages of the default limit
    "get_notifications_ms_per_request": 15,   # one GetItem + one Query
    "item_kb": 1.0,                           # an inbox record is under 1 KB (1 WRU)
    "member_kb": 0.1,                         # an audience member item
    "log_kb_per_invocation": 1.0,             # JSON log line + EMF line
    "aurora_storage_gb": 10,                  # baseline database size
    "flow_logs_gb_month": 1.0,                # isolated VPC: endpoint traffic only
    "nat_data_gb_month": 50,                  # what would cross a NAT gateway instead
}


def synthesize(out: pathlib.Path) -> pathlib.Path:
    """cdk synth of every environment with placeholder zips (costs read templates, not code)."""
    zips = out / "zips"
    zips.mkdir(parents=True)
    for name in ("find-daily", "generate", "get-notifications", "loader"):
        with zipfile.ZipFile(zips / f"{name}.zip", "w") as z:
            z.writestr("bootstrap", "#!/bin/sh\nexit 1\n")
    env = dict(os.environ, DN_ARTIFACT_DIR=str(zips), CDK_DISABLE_CLI_TELEMETRY="true")
    subprocess.run(["npx", "cdk", "synth", "--quiet", "--no-notices", "-c", "env=all", "-o",
                    str(out / "cdk.out")], cwd=ROOT / "infra", env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return out / "cdk.out"


def templates_by_env(cdk_out: pathlib.Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {e: [] for e in ENVS}
    for path in sorted(cdk_out.glob("DailyNotifications-*.template.json")):
        env = path.name.split("-")[1]
        if env in out:
            out[env].append(json.loads(path.read_text()))
    return out


def resources(templates: list[dict], rtype: str) -> list[dict]:
    return [r.get("Properties", {}) for t in templates for r in t.get("Resources", {}).values()
            if r.get("Type") == rtype]


def fixed_costs(templates: list[dict], p: dict = PRICES) -> dict[str, float]:
    """Monthly cost of what exists whether or not a notification is sent."""
    h = p["hours_per_month"]
    endpoint_enis = sum(len(e.get("SubnetIds", [])) for e in resources(templates, "AWS::EC2::VPCEndpoint")
                        if e.get("VpcEndpointType") == "Interface")
    alarm_metrics = 0
    for a in resources(templates, "AWS::CloudWatch::Alarm"):
        # A metric-math alarm is billed per metric it reads.
        alarm_metrics += sum(1 for m in a.get("Metrics", []) if "MetricStat" in m) or 1
    acu_hours = 0.0
    for c in resources(templates, "AWS::RDS::DBCluster"):
        instances = len(resources(templates, "AWS::RDS::DBInstance"))
        acu_hours += c.get("ServerlessV2ScalingConfiguration", {}).get("MinCapacity", 0) * max(instances, 1) * h
    clusters = len(resources(templates, "AWS::RDS::DBCluster"))
    flow_logs = len(resources(templates, "AWS::EC2::FlowLog"))
    return {
        "VPC interface endpoints": endpoint_enis * p["interface_endpoint_hour_per_az"] * h,
        "KMS keys": len(resources(templates, "AWS::KMS::Key")) * p["kms_key_month"],
        "Secrets Manager secrets": len(resources(templates, "AWS::SecretsManager::Secret")) * p["secret_month"],
        "CloudWatch alarms": alarm_metrics * p["alarm_metric_month"]
        + len(resources(templates, "AWS::CloudWatch::CompositeAlarm")) * p["composite_alarm_month"],
        "CloudWatch dashboards": len(resources(templates, "AWS::CloudWatch::Dashboard")) * p["dashboard_month"],
        "Aurora Serverless v2 (minimum ACU)": acu_hours * p["aurora_serverless_v2_acu_hour"],
        "Aurora storage": clusters * ASSUMPTIONS["aurora_storage_gb"] * p["aurora_storage_gb_month"],
        "VPC flow logs": flow_logs * ASSUMPTIONS["flow_logs_gb_month"] * p["logs_ingest_gb"],
    }


def memory_gb(templates: list[dict], function_suffix: str) -> float:
    for f in resources(templates, "AWS::Lambda::Function"):
        if str(f.get("FunctionName", "")).endswith(function_suffix):
            return f["MemorySize"] / 1024
    raise KeyError(function_suffix)


def per_million(templates: list[dict], p: dict = PRICES) -> dict[str, float]:
    """Cost of one million inbox records: generated, stored, and read once through the API."""
    a = ASSUMPTIONS
    n = 1_000_000
    batch_writes = n / a["records_per_batch_write"]
    generate_s = batch_writes * a["generate_ms_per_batch_write"] / 1000
    api_requests = n * a["reads_per_record"] / a["records_per_api_page"]
    api_s = api_requests * a["get_notifications_ms_per_request"] / 1000
    pages = n / a["members_per_page"]
    read_units = api_requests * max(1.0, a["records_per_api_page"] * a["item_kb"] / 4) / 2  # eventually consistent
    invocations = pages + api_requests
    return {
        "DynamoDB writes (1 WRU per record)": n * a["item_kb"] * p["dynamodb_write_request_unit_per_million"] / 1e6,
        "DynamoDB reads (audience pages and API queries)": (n * a["member_kb"] / 4 / 2 + read_units)
        * p["dynamodb_read_request_unit_per_million"] / 1e6,
        "Lambda compute (generate, get-notifications)": (generate_s * memory_gb(templates, "-generate")
                                                          + api_s * memory_gb(templates, "-get-notifications"))
        * p["lambda_gb_second"],
        "Lambda requests": invocations * p["lambda_request_per_million"] / 1e6,
        "API Gateway REST requests": api_requests * p["api_gateway_rest_per_million"] / 1e6,
        "SQS requests (receive, delete, continuations)": pages * 3 * p["sqs_request_per_million"] / 1e6,
        "CloudWatch Logs ingestion": invocations * a["log_kb_per_invocation"] / 1024 / 1024 * p["logs_ingest_gb"],
    }


def nat_comparison(templates: list[dict], p: dict = PRICES) -> tuple[float, float, float]:
    """(interface endpoints as built, one NAT gateway per AZ instead) per month at the assumed
    traffic, and the monthly traffic in GB above which the endpoints are the cheaper of the two."""
    h = p["hours_per_month"]
    gb = ASSUMPTIONS["nat_data_gb_month"]
    endpoints_fixed = fixed_costs(templates, p)["VPC interface endpoints"]
    endpoints = endpoints_fixed + gb * p["interface_endpoint_gb"]
    azs = max((len(e.get("SubnetIds", [])) for e in resources(templates, "AWS::EC2::VPCEndpoint")
               if e.get("VpcEndpointType") == "Interface"), default=0)
    nat_fixed = azs * p["nat_gateway_hour"] * h
    nat = nat_fixed + gb * p["nat_gateway_gb"]
    break_even = max(0.0, (endpoints_fixed - nat_fixed) / (p["nat_gateway_gb"] - p["interface_endpoint_gb"]))
    return endpoints, nat, break_even


def render(by_env: dict[str, list[dict]]) -> str:
    money = lambda v: f"${v:,.2f}"  # noqa: E731
    lines = [BEGIN, "", f"Prices: {PRICES['source']} As of {PRICES['as_of']}.", ""]
    fixed = {e: fixed_costs(t) for e, t in by_env.items()}
    items = list(next(iter(fixed.values())))
    lines += ["### Monthly baseline (no traffic)", "",
              "| line | " + " | ".join(ENVS) + " |", "|---|" + "---:|" * len(ENVS)]
    for item in items:
        lines.append(f"| {item} | " + " | ".join(money(fixed[e][item]) for e in ENVS) + " |")
    lines.append("| **total** | " + " | ".join(f"**{money(sum(fixed[e].values()))}**" for e in ENVS) + " |")
    lines += ["", "`local` runs on MiniStack and PostgreSQL on this machine: the figures are what the "
              "same templates would cost in AWS, not a bill.", ""]
    usage = {e: per_million(t) for e, t in by_env.items() if e != "local"}
    lines += ["### Per million notifications (inbox records generated, stored and read once)", "",
              "| line | " + " | ".join(usage) + " |", "|---|" + "---:|" * len(usage)]
    for item in next(iter(usage.values())):
        lines.append(f"| {item} | " + " | ".join(money(usage[e][item]) for e in usage) + " |")
    lines.append("| **total** | " + " | ".join(f"**{money(sum(usage[e].values()))}**" for e in usage) + " |")
    lines += ["", "### The NAT gateway design this avoids", "",
              "| env | interface endpoints (as built) | one NAT gateway per AZ instead | endpoints cheaper above |",
              "|---|---:|---:|---:|"]
    for e in ENVS:
        endpoints, nat, break_even = nat_comparison(by_env[e])
        lines.append(f"| {e} | {money(endpoints)} | {money(nat)} | {break_even:,.0f} GB/month |")
    lines += ["", f"Both at {ASSUMPTIONS['nat_data_gb_month']} GB a month of AWS API traffic, "
              "one gateway or endpoint ENI per AZ of the VPC. Per GB the endpoints cost less "
              f"(${PRICES['interface_endpoint_gb']} vs ${PRICES['nat_gateway_gb']}), so above the "
              "last column's traffic they are also the cheaper design. With a NAT gateway the "
              "functions would need a route to the internet, which the isolated design has none of.", "",
              "### Workload assumptions", "", "| assumption | value |", "|---|---:|"]
    lines += [f"| `{k}` | {v} |" for k, v in ASSUMPTIONS.items()]
    lines += ["", END]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cdk-out", type=pathlib.Path)
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--write", type=pathlib.Path)
    group.add_argument("--check", type=pathlib.Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cdk_out = args.cdk_out or synthesize(pathlib.Path(tmp))
        by_env = templates_by_env(cdk_out)
    if any(not t for t in by_env.values()):
        print(f"cost: no templates for {[e for e, t in by_env.items() if not t]}", file=sys.stderr)
        return 1
    generated = render(by_env)
    if not (args.write or args.check):
        print(generated)
        return 0
    doc = (args.write or args.check).read_text()
    if BEGIN not in doc or END not in doc:
        print(f"cost: {args.write or args.check} has no {BEGIN} ... {END} markers", file=sys.stderr)
        return 1
    current = doc[doc.index(BEGIN):doc.index(END) + len(END)]
    if args.check:
        if current != generated:
            print("cost: docs/COST.md is out of date with the templates or prices; run make cost",
                  file=sys.stderr)
            return 1
        print("cost: docs/COST.md matches the templates")
        return 0
    args.write.write_text(doc.replace(current, generated))
    print(f"cost: wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
