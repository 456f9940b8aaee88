#!/usr/bin/env python3
"""Monthly cost baseline per environment and cost per million notifications, computed from the
synthesized CloudFormation templates and the unit prices in scripts/cost_prices.json.

  cost.py                       synthesize every environment, print the generated tables
  cost.py --write docs/COST.md  rewrite the generated part of the document (between the markers)
  cost.py --check docs/COST.md  exit 1 if the document's generated part differs from the output
  cost.py --cdk-out DIR         read an existing cloud assembly instead of synthesizing

Fixed (baseline) costs come from the resources in the templates, one rule per resource type with
a monthly price (FIXED_RULES). A resource type that has neither a rule nor an entry in NO_FIXED_PRICE
is listed in the output, so a new kind of resource changes the document (and fails --check) until
someone decides how to price it. Usage costs take the functions' memory sizes and settings from
the templates and the workload from ASSUMPTIONS (printed in the document).

Python 3.11, standard library only.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Any, Callable

ROOT = pathlib.Path(__file__).resolve().parents[1]
PRICES: dict[str, Any] = json.loads((ROOT / "scripts" / "cost_prices.json").read_text())
ENVS = ("local", "dev", "qa", "prod")
BEGIN, END = "<!-- cost:begin -->", "<!-- cost:end -->"
MILLION = 1_000_000

# Environments that never reach an AWS bill, and why.
NOT_BILLED = {
    "local": "runs on this machine (MiniStack emulates the AWS services, `make up` starts a local "
             "PostgreSQL server instead of Aurora), so no AWS account is ever charged",
}

# Workload assumptions: key -> (value, meaning). "Record" = one notification delivered to one
# user = one inbox item; the per-million table is for one million of them.
ASSUMPTIONS: dict[str, tuple[float, str]] = {
    "audience_page_size": (1000, "members per audience Query page (generate's Settings::page_size)"),
    "records_per_transact_write": (100, "create-only inbox Puts per TransactWriteItems call (DynamoDB's maximum)"),
    "audience_per_notification": (100_000, "recipients of one notification definition"),
    "sqs_send_batch": (10, "find-daily's SendMessageBatch size; continuations are sent one at a time"),
    "generate_ms_per_transact_write": (60, "one TransactWriteItems of 100 Puts inside the VPC, ms"),
    "generate_ms_per_page_query": (10, "one audience Query page, ms"),
    "inbox_item_kb": (0.5, "inbox record incl. DynamoDB's 100-byte overhead, KB (1 WRU each, 2 in a transaction)"),
    "member_item_kb": (0.1, "audience member item, KB"),
    "api_reads_per_record": (1.0, "times each record is fetched through the API"),
    "records_per_api_page": (20, "records per API response (the default limit)"),
    "get_notifications_ms_per_request": (15, "one Query (+ cursor check) per API request, ms"),
    "state_changes_per_record": (1.0, "times each record changes read state through the API (read-all)"),
    "records_per_state_request": (20, "records one read-all request marks (a page's worth)"),
    "update_notifications_ms_per_request": (40, "one unread-index Query + one TransactWriteItems, ms"),
    "log_kb_per_invocation": (1.0, "function log lines + EMF metrics per invocation, KB"),
    "access_log_kb_per_request": (0.5, "one API access-log line, KB"),
    "xray_traced_share": (1.0, "share of API requests X-Ray records (upper bound: all)"),
    "aurora_storage_gb": (10, "baseline Aurora storage per cluster, GB"),
    "flow_logs_gb_month": (1.0, "flow-log ingestion per VPC per month (endpoint traffic only), GB"),
    "esm_idle_pollers": (5, "ReceiveMessage pollers an SQS event source keeps while idle"),
    "esm_long_poll_seconds": (20, "wait time of one idle long poll, s"),
    "nat_traffic_gb_month": (10, "AWS API traffic (SQS, KMS, Logs, Secrets Manager) per month, GB"),
    "generate_writes_in_flight": (4, "TransactWriteItems calls generate keeps in flight (setup.cpp kWritesInFlight)"),
    "generate_reserve_s": (5, "time generate keeps for handing over, s (Settings::reserve): a page starts only before it"),
    "generate_ms_per_invocation_calls": (50, "an invocation's fixed calls (notification, chain read + claim, continuation, mark), ms"),
    "sqs_handover_ms": (200, "from a continuation message sent to the next invocation running it, ms"),
    "table_write_units_per_s": (40_000, "an on-demand table's default maximum write throughput, WRU/s (AWS quota)"),
    "lambda_account_concurrency": (1_000, "concurrent executions per account and region (AWS default quota)"),
    "local_ms_per_transact_write": (84.5, "local, measured (bench_generate's raw calls, one at a time): one TransactWriteItems of 100 Puts, ms"),
    "local_ms_per_page_query": (1408, "local, measured likewise: one audience Query page of 1000 from a 12,000-member segment, ms (MiniStack reads the whole partition per page)"),
}
# Audiences of the scale table (recipients in a day).
SCALE = (10_000, 1_000_000, 10_000_000)
A: dict[str, float] = {k: v for k, (v, _) in ASSUMPTIONS.items()}

# Resource types with no fixed monthly price: free, or billed only by use (counted per million
# notifications where the workload uses them), or storage that grows with data.
NO_FIXED_PRICE = frozenset({
    "AWS::CDK::Metadata", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
    "AWS::IAM::OIDCProvider", "AWS::KMS::Alias",
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry", "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::Permission",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy",
    "AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription",
    "AWS::S3::Bucket", "AWS::S3::BucketPolicy",
    "AWS::ApiGateway::Account", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::Method", "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage",
    "AWS::Scheduler::Schedule", "AWS::Logs::LogGroup", "AWS::Logs::QueryDefinition",
    "AWS::Logs::MetricFilter", "AWS::Logs::SubscriptionFilter",
    "AWS::CodeDeploy::Application", "AWS::CodeDeploy::DeploymentGroup",
    "AWS::RDS::DBClusterParameterGroup", "AWS::RDS::DBParameterGroup", "AWS::RDS::DBSubnetGroup",
    "AWS::SecretsManager::ResourcePolicy", "AWS::SecretsManager::RotationSchedule",
    "AWS::SecretsManager::SecretTargetAttachment",
    # The hosted rotation function (a nested SAR stack): one Lambda invocation per rotation.
    "AWS::Serverless::Application",
})


# ---- reading templates ------------------------------------------------------------------------

@dataclass(frozen=True)
class Resource:
    template: int          # index of the template (stack) it is in
    logical_id: str
    type: str
    props: dict


class Env:
    """The resources of one environment's templates (all of its stacks)."""

    def __init__(self, templates: list[dict]):
        self.resources = [Resource(i, lid, r.get("Type", ""), r.get("Properties") or {})
                          for i, t in enumerate(templates) for lid, r in (t.get("Resources") or {}).items()]

    def of(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def types(self) -> set[str]:
        return {r.type for r in self.resources}

    def target(self, value: Any, template: int) -> Resource | None:
        """The resource a {"Ref": id} or {"Fn::GetAtt": [id, ...]} in `template` points at."""
        lid = None
        if isinstance(value, dict):
            if isinstance(value.get("Ref"), str):
                lid = value["Ref"]
            elif isinstance(value.get("Fn::GetAtt"), list) and value["Fn::GetAtt"]:
                lid = value["Fn::GetAtt"][0]
        return next((r for r in self.resources if r.template == template and r.logical_id == lid), None)

    def function(self, service: str) -> dict:
        """Properties of the function whose SERVICE_NAME (or FunctionName suffix) is `service`."""
        for f in self.of("AWS::Lambda::Function"):
            variables = (f.props.get("Environment") or {}).get("Variables") or {}
            if variables.get("SERVICE_NAME") == service or str(f.props.get("FunctionName", "")).endswith("-" + service):
                return f.props
        raise KeyError(f"no function {service!r} in the templates")


def index_copies(env: Env) -> int:
    """Global secondary indexes projecting every attribute: each holds a copy of an inbox record
    (the state index does while the record is not archived), written and stored with it."""
    return sum(1 for t in env.of("AWS::DynamoDB::Table") for i in t.props.get("GlobalSecondaryIndexes") or []
               if (i.get("Projection") or {}).get("ProjectionType") == "ALL")


def interface_endpoints(env: Env) -> list[Resource]:
    return [e for e in env.of("AWS::EC2::VPCEndpoint") if e.props.get("VpcEndpointType") == "Interface"]


def service_of(endpoint: Resource) -> str:
    name = endpoint.props.get("ServiceName", "")
    if isinstance(name, dict) and "Fn::Join" in name:
        name = "".join(p for p in name["Fn::Join"][1] if isinstance(p, str))
    return str(name).rsplit(".", 1)[-1]


def az_count(env: Env) -> int:
    """AZs the VPC spans: the subnets an interface endpoint has one ENI in (else the subnets)."""
    return max((len(e.props.get("SubnetIds") or []) for e in interface_endpoints(env)),
               default=len(env.of("AWS::EC2::Subnet")))


def private_api(env: Env) -> bool:
    return any("PRIVATE" in ((a.props.get("EndpointConfiguration") or {}).get("Types") or [])
               for a in env.of("AWS::ApiGateway::RestApi"))


# ---- fixed monthly costs ----------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    amount: float      # USD per month (or per million notifications)
    quantity: str      # what was counted, for the document


def endpoints_line(env: Env, p: dict, a: dict) -> Line:
    enis = sum(len(e.props.get("SubnetIds") or []) for e in interface_endpoints(env))
    return Line(enis * p["interface_endpoint_hour_per_az"] * p["hours_per_month"],
                f"{len(interface_endpoints(env))} endpoints, {enis} ENIs")


def nat_line(env: Env, p: dict, a: dict) -> Line:
    n = len(env.of("AWS::EC2::NatGateway"))
    return Line(n * (p["nat_gateway_hour"] + p["public_ipv4_hour"]) * p["hours_per_month"], f"{n}")


def eip_line(env: Env, p: dict, a: dict) -> Line:
    n = len(env.of("AWS::EC2::EIP"))
    return Line(n * p["public_ipv4_hour"] * p["hours_per_month"], f"{n}")


def kms_line(env: Env, p: dict, a: dict) -> Line:
    n = len(env.of("AWS::KMS::Key"))
    return Line(n * p["kms_key_month"], f"{n} keys")


def secrets_line(env: Env, p: dict, a: dict) -> Line:
    n = len(env.of("AWS::SecretsManager::Secret"))
    return Line(n * p["secret_month"], f"{n} secrets")


def alarm_metrics(alarm: dict) -> list[int]:
    """Periods of the metrics an alarm is billed for: one per metric it reads (metric math reads
    several; an anomaly-detection band counts as 3)."""
    if "Metrics" not in alarm:
        return [int(alarm.get("Period", 60))]
    periods = [int(m["MetricStat"].get("Period", 60)) for m in alarm["Metrics"] if "MetricStat" in m]
    bands = sum(1 for m in alarm["Metrics"] if "ANOMALY_DETECTION_BAND" in str(m.get("Expression", "")))
    return periods + [min(periods, default=60)] * 2 * bands or [60]


def alarms_line(env: Env, p: dict, a: dict) -> Line:
    periods = [x for al in env.of("AWS::CloudWatch::Alarm") for x in alarm_metrics(al.props)]
    high = sum(1 for x in periods if x < 60)
    composite = len(env.of("AWS::CloudWatch::CompositeAlarm"))
    amount = ((len(periods) - high) * p["alarm_metric_month"] + high * p["alarm_high_resolution_metric_month"]
              + composite * p["composite_alarm_month"])
    return Line(amount, f"{len(env.of('AWS::CloudWatch::Alarm'))} alarms reading {len(periods)} metrics"
                        f" ({high} high-res), {composite} composite")


def dashboards_line(env: Env, p: dict, a: dict) -> Line:
    n = len(env.of("AWS::CloudWatch::Dashboard"))
    return Line(n * p["dashboard_month"], f"{n}")


def aurora_instances(env: Env, cluster: Resource) -> list[Resource]:
    out = []
    for i in env.of("AWS::RDS::DBInstance"):
        ident = i.props.get("DBClusterIdentifier")
        if env.target(ident, i.template) == cluster or (
                isinstance(ident, str) and ident == cluster.props.get("DBClusterIdentifier")):
            out.append(i)
    return out


def aurora_line(env: Env, p: dict, a: dict) -> Line:
    acu, parts = 0.0, []
    for c in env.of("AWS::RDS::DBCluster"):
        minimum = float((c.props.get("ServerlessV2ScalingConfiguration") or {}).get("MinCapacity", 0))
        serverless = [i for i in aurora_instances(env, c) if i.props.get("DBInstanceClass") == "db.serverless"]
        acu += minimum * len(serverless)
        parts.append(f"{minimum:g} ACU x {len(serverless)} instance{'s' * (len(serverless) != 1)}")
    return Line(acu * p["aurora_serverless_v2_acu_hour"] * p["hours_per_month"], ", ".join(parts) or "0")


def aurora_storage_line(env: Env, p: dict, a: dict) -> Line:
    n = len(env.of("AWS::RDS::DBCluster"))
    return Line(n * a["aurora_storage_gb"] * p["aurora_storage_gb_month"],
                f"{n} x {a['aurora_storage_gb']:g} GB" if n else "0")


def flow_logs_line(env: Env, p: dict, a: dict) -> Line:
    n = len(env.of("AWS::EC2::FlowLog"))
    return Line(n * a["flow_logs_gb_month"] * p["vended_logs_ingest_gb"],
                f"{n} x {a['flow_logs_gb_month']:g} GB" if n else "0")


def sqs_sources(env: Env) -> list[Resource]:
    out = []
    for m in env.of("AWS::Lambda::EventSourceMapping"):
        arn = m.props.get("EventSourceArn")
        source = env.target(arn, m.template)
        if (source and source.type == "AWS::SQS::Queue") or (isinstance(arn, str) and ":sqs:" in arn):
            out.append(m)
    return out


def esm_polling_line(env: Env, p: dict, a: dict) -> Line:
    n = len(sqs_sources(env))
    requests = n * a["esm_idle_pollers"] * 3600 / a["esm_long_poll_seconds"] * p["hours_per_month"]
    return Line(requests * p["sqs_request_per_million"] / MILLION,
                f"{n} SQS event sources, {requests / MILLION:.2f} M receives")


def provisioned_concurrency_line(env: Env, p: dict, a: dict) -> Line:
    gb_s = 0.0
    n = 0
    for r in env.of("AWS::Lambda::Version", "AWS::Lambda::Alias"):
        pc = (r.props.get("ProvisionedConcurrencyConfig") or {}).get("ProvisionedConcurrentExecutions", 0)
        if pc:
            fn_ref = r.props.get("FunctionName")
            fn = env.target(fn_ref, r.template)
            memory = (fn.props.get("MemorySize", 128) if fn else 128) / 1024
            gb_s += pc * memory * 3600 * p["hours_per_month"]
            n += pc
    return Line(gb_s * p["lambda_provisioned_gb_second"], f"{n}")


# (line, resource types the rule prices, rule). Rows that are zero in every environment are named
# in one sentence under the table instead of a row of zeros.
FIXED_RULES: list[tuple[str, tuple[str, ...], Callable[[Env, dict, dict], Line]]] = [
    ("VPC interface endpoints (per ENI-hour)", ("AWS::EC2::VPCEndpoint",), endpoints_line),
    ("NAT gateways (+ public IPv4)", ("AWS::EC2::NatGateway",), nat_line),
    ("Elastic IPs (public IPv4)", ("AWS::EC2::EIP",), eip_line),
    ("KMS customer-managed keys", ("AWS::KMS::Key",), kms_line),
    ("Secrets Manager secrets", ("AWS::SecretsManager::Secret",), secrets_line),
    ("CloudWatch alarms", ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"), alarms_line),
    ("CloudWatch dashboards", ("AWS::CloudWatch::Dashboard",), dashboards_line),
    ("Aurora Serverless v2 minimum capacity", ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance"), aurora_line),
    ("Aurora storage (assumed baseline)", (), aurora_storage_line),
    ("VPC flow logs ingestion (assumed volume)", ("AWS::EC2::FlowLog",), flow_logs_line),
    ("SQS event-source polling while idle", ("AWS::Lambda::EventSourceMapping",), esm_polling_line),
    ("Lambda provisioned concurrency", (), provisioned_concurrency_line),
]
PRICED_TYPES = frozenset(t for _, types, _ in FIXED_RULES for t in types)


def fixed_costs(env: Env, p: dict = PRICES, a: dict = A) -> dict[str, Line]:
    """Monthly cost of what exists whether or not a notification is sent."""
    return {name: rule(env, p, a) for name, _, rule in FIXED_RULES}


def unpriced_types(env: Env) -> set[str]:
    """Resource types in the templates that no rule prices and that are not known to be free."""
    return env.types() - PRICED_TYPES - NO_FIXED_PRICE


# ---- per million notifications ----------------------------------------------------------------

def workload(env: Env, a: dict = A) -> dict[str, float]:
    """Requests, seconds and bytes behind one million inbox records, from the templates' settings
    and the assumptions."""
    generate = env.function("generate")
    api = env.function("get-notifications")
    update = env.function("update-notifications")
    indexes = index_copies(env)
    variables = (generate.get("Environment") or {}).get("Variables") or {}
    max_pages = int(variables.get("MAX_PAGES_PER_INVOCATION", 5))
    ttl_days = int(variables.get("INBOX_TTL_DAYS", 90))
    n = MILLION
    pages = n / a["audience_page_size"]
    messages = n / (a["audience_page_size"] * max_pages)          # one per invocation's worth of pages
    definitions = min(messages, n / a["audience_per_notification"])  # first message of each notification
    api_requests = n * a["api_reads_per_record"] / a["records_per_api_page"]
    transact_writes = n / a["records_per_transact_write"]
    state_requests = n * a["state_changes_per_record"] / a["records_per_state_request"]
    return {
        "records": n,
        "generate_memory_gb": generate["MemorySize"] / 1024,
        "api_memory_gb": api["MemorySize"] / 1024,
        "update_memory_gb": update["MemorySize"] / 1024,
        "index_copies": indexes,
        "max_pages_per_invocation": max_pages,
        "inbox_ttl_days": ttl_days,
        "audience_pages": pages,
        "messages": messages,
        "sqs_sends": math.ceil(definitions / a["sqs_send_batch"]) + (messages - definitions),
        "sqs_receives": messages,     # continuations arrive one at a time: one receive each
        "sqs_deletes": messages,
        "generate_invocations": messages,
        "generate_seconds": (transact_writes * a["generate_ms_per_transact_write"]
                             + pages * a["generate_ms_per_page_query"]) / 1000,
        "api_requests": api_requests,
        "api_seconds": api_requests * a["get_notifications_ms_per_request"] / 1000,
        "state_requests": state_requests,
        "update_seconds": state_requests * a["update_notifications_ms_per_request"] / 1000,
        # Create-only Puts are transactional (2 WRU per started KB); each index copy of a record is
        # one standard write. A state change is transactional on the table, and moves the record
        # between index partitions (a delete and a put in each index that holds it).
        "write_units": n * math.ceil(a["inbox_item_kb"]) * (2 + indexes),
        "state_write_units": n * a["state_changes_per_record"] * math.ceil(a["inbox_item_kb"]) * (2 + 2 * indexes),
        # Eventually consistent Query: half a unit per started 4 KB of what the page returns.
        "read_units": (pages * math.ceil(a["audience_page_size"] * a["member_item_kb"] / 4)
                       + messages  # the notification definition, one small item per message
                       + api_requests * math.ceil(a["records_per_api_page"] * a["inbox_item_kb"] / 4)
                       + state_requests * math.ceil(a["records_per_state_request"] * a["inbox_item_kb"] / 4)) / 2,
        "stored_gb": n * a["inbox_item_kb"] * (1 + indexes) / 1024 / 1024,
        "api_response_gb": api_requests * a["records_per_api_page"] * a["inbox_item_kb"] / 1024 / 1024,
    }


def per_million(env: Env, p: dict = PRICES, a: dict = A) -> dict[str, Line]:
    """Cost of one million inbox records: generated, stored for the TTL, read once and marked read
    once via the API."""
    w = workload(env, a)
    tables = env.of("AWS::DynamoDB::Table")
    pitr = any((t.props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled")
               for t in tables)
    stages = env.of("AWS::ApiGateway::Stage")
    access_logs = any("AccessLogSetting" in s.props for s in stages)
    tracing = any(s.props.get("TracingEnabled") for s in stages)
    months = w["inbox_ttl_days"] / (365 / 12)
    api_requests = w["api_requests"] + w["state_requests"]
    invocations = w["generate_invocations"] + api_requests
    log_gb = (invocations * a["log_kb_per_invocation"]
              + (api_requests * a["access_log_kb_per_request"] if access_logs else 0)) / 1024 / 1024
    sqs = w["sqs_sends"] + w["sqs_receives"] + w["sqs_deletes"]
    storage_price = p["dynamodb_storage_gb_month"] + (p["dynamodb_pitr_gb_month"] if pitr else 0)
    return {
        "DynamoDB writes (create-only records, their index copies)": Line(
            w["write_units"] * p["dynamodb_write_request_unit_per_million"] / MILLION,
            f"{w['write_units'] / MILLION:g} M WRU ({w['index_copies']} index)"),
        "DynamoDB writes (read state changes)": Line(
            w["state_write_units"] * p["dynamodb_write_request_unit_per_million"] / MILLION,
            f"{w['state_write_units'] / MILLION:g} M WRU"),
        "DynamoDB reads (audience pages, API queries)": Line(
            w["read_units"] * p["dynamodb_read_request_unit_per_million"] / MILLION,
            f"{w['read_units']:,.0f} RRU"),
        "DynamoDB storage until the TTL (+ PITR where on)": Line(
            w["stored_gb"] * storage_price * months,
            f"{w['stored_gb']:.2f} GB (table + index) x {w['inbox_ttl_days']} days, PITR {'on' if pitr else 'off'}"),
        "Lambda compute (GB-seconds)": Line(
            (w["generate_seconds"] * w["generate_memory_gb"] + w["api_seconds"] * w["api_memory_gb"]
             + w["update_seconds"] * w["update_memory_gb"]) * p["lambda_gb_second"],
            f"generate {w['generate_seconds']:,.0f} s x {w['generate_memory_gb'] * 1024:g} MB, "
            f"get-notifications {w['api_seconds']:,.0f} s x {w['api_memory_gb'] * 1024:g} MB, "
            f"update-notifications {w['update_seconds']:,.0f} s x {w['update_memory_gb'] * 1024:g} MB"),
        "Lambda requests": Line(invocations * p["lambda_request_per_million"] / MILLION,
                                f"{invocations:,.0f} invocations"),
        "SQS requests (send, receive, delete)": Line(
            sqs * p["sqs_request_per_million"] / MILLION,
            f"{w['messages']:,.0f} messages, {sqs:,.0f} requests"),
        "API Gateway REST requests": Line(api_requests * p["api_gateway_rest_per_million"] / MILLION,
                                          f"{api_requests:,.0f} requests"),
        "X-Ray traces (API stage tracing)": Line(
            (api_requests * a["xray_traced_share"] * p["xray_trace_recorded_per_million"] / MILLION)
            if tracing else 0.0, "on" if tracing else "off"),
        "CloudWatch Logs ingestion (functions, API access logs)": Line(
            log_gb * p["logs_ingest_gb"], f"{log_gb * 1024:,.0f} MB"),
        "VPC endpoint data processing (API responses)": Line(
            w["api_response_gb"] * p["interface_endpoint_gb"] if private_api(env) else 0.0,
            f"{w['api_response_gb']:.2f} GB" if private_api(env) else "regional API"),
    }


# ---- the NAT-gateway design -------------------------------------------------------------------

@dataclass(frozen=True)
class NatComparison:
    azs: int
    endpoints: float          # interface endpoints as built: ENI-hours + traffic
    nat_gateways: float       # one NAT gateway (with its public IPv4 address) per AZ + traffic
    kept_endpoints: float     # interface endpoints the NAT design still needs (private API)
    break_even_gb: float      # monthly traffic above which the endpoints are cheaper (0: always)

    @property
    def nat_total(self) -> float:
        return self.nat_gateways + self.kept_endpoints


def nat_comparison(env: Env, p: dict = PRICES, a: dict = A) -> NatComparison:
    h, gb = p["hours_per_month"], a["nat_traffic_gb_month"]
    eni_month = p["interface_endpoint_hour_per_az"] * h
    enis = sum(len(e.props.get("SubnetIds") or []) for e in interface_endpoints(env))
    # A PRIVATE REST API is reachable only through the execute-api endpoint, NAT or not.
    kept = sum(len(e.props.get("SubnetIds") or []) for e in interface_endpoints(env)
               if service_of(e) == "execute-api") if private_api(env) else 0
    azs = az_count(env)
    nat_fixed = azs * (p["nat_gateway_hour"] + p["public_ipv4_hour"]) * h
    dropped_fixed = (enis - kept) * eni_month
    break_even = max(0.0, (dropped_fixed - nat_fixed) / (p["nat_gateway_gb"] - p["interface_endpoint_gb"]))
    return NatComparison(azs, enis * eni_month + gb * p["interface_endpoint_gb"],
                         nat_fixed + gb * p["nat_gateway_gb"], kept * eni_month, break_even)


# ---- a day at scale --------------------------------------------------------------------------

def generate_sizing(env: Env) -> dict[str, int]:
    """generate's timeout, page cap and concurrency from the templates: its reserved concurrency
    and the MaximumConcurrency of the SQS event source on its queue (the one QUEUE_URL names)."""
    fn = env.function("generate")
    variables = (fn.get("Environment") or {}).get("Variables") or {}
    reserved = int(fn.get("ReservedConcurrentExecutions") or A["lambda_account_concurrency"])
    queue = variables.get("QUEUE_URL")
    queue_id = queue.get("Ref") if isinstance(queue, dict) else None
    esm = [m for m in sqs_sources(env)
           if queue_id is None or (env.target(m.props.get("EventSourceArn"), m.template) or Resource(0, "", "", {})).logical_id == queue_id]
    polled = [int((m.props.get("ScalingConfig") or {}).get("MaximumConcurrency") or reserved) for m in esm]
    return {"timeout_s": int(fn.get("Timeout", 3)),
            "max_pages": int(variables.get("MAX_PAGES_PER_INVOCATION", 5)),
            "page_size": int(variables.get("AUDIENCE_PAGE_SIZE", A["audience_page_size"])),
            "concurrency": min([reserved, int(A["lambda_account_concurrency"])] + polled)}


@dataclass(frozen=True)
class Day:
    recipients: int
    notifications: int     # definitions of audience_per_notification recipients (the last smaller)
    invocations: int
    chains_at_once: int
    seconds: float
    bound: str             # what sets the time: the chains' walk or the table's write throughput
    cost: float            # the records' usage cost (per-million model), USD


def day_at_scale(env: Env, recipients: int, local: bool = False, p: dict = PRICES, a: dict = A) -> Day:
    """How long a day of `recipients` inbox records takes and what it costs. Each notification is
    one chain walking its audience page by page (writes of a page in flight together, the next
    page fetched meanwhile), handing over to a new invocation when the page cap or the timeout
    (less the reserve) comes; up to the queue's concurrency of chains run at once, and the table's
    write throughput caps them all. Call costs: AWS's assumed latencies, or local's measured ones."""
    g = generate_sizing(env)
    prefix = "local_" if local else "generate_"
    tw_ms, query_ms = a[prefix + "ms_per_transact_write"], a[prefix + "ms_per_page_query"]
    writes = math.ceil(g["page_size"] / a["records_per_transact_write"])
    if local:
        # MiniStack serves one call at a time in effect: nothing overlaps.
        page_ms, first_query_ms = query_ms + writes * tw_ms, 0.0
    else:
        page_ms = max(query_ms, math.ceil(writes / a["generate_writes_in_flight"]) * tw_ms)
        first_query_ms = query_ms  # an invocation's first page is not fetched ahead
    pages_per_invocation = max(1, min(g["max_pages"],
                                      int((g["timeout_s"] - a["generate_reserve_s"]) * 1000 // page_ms)))
    per_notification = int(min(recipients, a["audience_per_notification"]))
    notifications = math.ceil(recipients / per_notification)
    pages = math.ceil(per_notification / g["page_size"])
    invocations = math.ceil(pages / pages_per_invocation)
    chain_s = (invocations * (a["generate_ms_per_invocation_calls"] + first_query_ms + a["sqs_handover_ms"])
               + pages * page_ms) / 1000
    at_once = min(notifications, g["concurrency"])
    walk_s = math.ceil(notifications / at_once) * chain_s
    write_units = math.ceil(a["inbox_item_kb"]) * (2 + index_copies(env))
    throughput_s = 0.0 if local else recipients * write_units / a["table_write_units_per_s"]
    usage = 0.0 if local else sum(x.amount for x in per_million(env, p, a).values()) * recipients / MILLION
    return Day(recipients, notifications, invocations * notifications, at_once,
               max(walk_s, throughput_s), "table writes" if throughput_s > walk_s else "chain walk", usage)


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


# ---- output -----------------------------------------------------------------------------------

def money(v: float, places: int = 2) -> str:
    return f"${v:,.{places}f}"


def table(header: list[str], rows: list[list[str]], align: str = "---:") -> list[str]:
    """A markdown table; `align` is the separator of every column but the first."""
    return (["| " + " | ".join(header) + " |", "|---|" + f"{align}|" * (len(header) - 1)]
            + ["| " + " | ".join(r) + " |" for r in rows])


def render(by_env: dict[str, list[dict]], p: dict = PRICES, a: dict = A) -> str:
    envs = {e: Env(t) for e, t in by_env.items()}
    billed = [e for e in ENVS if e not in NOT_BILLED]
    fixed = {e: fixed_costs(envs[e], p, a) for e in billed}
    usage = {e: per_million(envs[e], p, a) for e in billed}
    zero = "$0.00"
    out = [BEGIN, "", f"Prices: {p['source']} As of {p['as_of']}.", ""]

    out += ["### Monthly baseline (no traffic)", ""]
    names = [n for n, _, _ in FIXED_RULES if any(fixed[e][n].amount for e in billed)]
    absent = [n for n, _, _ in FIXED_RULES if n not in names]
    rows = [[n] + [zero if e in NOT_BILLED else money(fixed[e][n].amount) for e in ENVS] for n in names]
    rows.append(["**total**"] + [f"**{zero if e in NOT_BILLED else money(sum(x.amount for x in fixed[e].values()))}**"
                                 for e in ENVS])
    out += table(["line"] + list(ENVS), rows) + [""]
    for e, why in NOT_BILLED.items():
        out += [f"`{e}` costs nothing: it {why}.", ""]
    if absent:
        out += [f"Also priced, none in any environment: {', '.join(absent)}.", ""]
    out += ["What was counted in the templates:", ""]
    out += table(["line"] + billed, [[n] + [fixed[e][n].quantity for e in billed] for n in names], "---")

    out += ["", "### Per million notifications (inbox records generated, stored, read once and marked read once)", ""]
    lines = list(next(iter(usage.values())))
    # Three decimals: several lines are fractions of a cent.
    rows = [[n] + ["$0.000" if e in NOT_BILLED else money(usage[e][n].amount, 3) for e in ENVS] for n in lines]
    totals = {e: sum(x.amount for x in usage[e].values()) for e in billed}
    rows.append(["**total**"] + [f"**{'$0.000' if e in NOT_BILLED else money(totals[e], 3)}**" for e in ENVS])
    out += table(["line"] + list(ENVS), rows)
    out += ["", "Quantities behind one million records:", ""]
    out += table(["line"] + billed, [[n] + [usage[e][n].quantity for e in billed] for n in lines], "---")

    out += ["", "### The NAT-gateway design this avoids", ""]
    rows = []
    for e in billed:
        c = nat_comparison(envs[e], p, a)
        cheaper = "always" if c.break_even_gb == 0 else f"above {c.break_even_gb:,.0f} GB/month"
        rows.append([e, str(c.azs), money(c.endpoints), money(c.nat_gateways), money(c.kept_endpoints),
                     money(c.nat_total), cheaper])
    out += table(["env", "AZs", "interface endpoints as built (+ traffic)",
                  "NAT gateway per AZ with its IPv4 (+ traffic)", "execute-api endpoint kept",
                  "NAT design total", "endpoints cheaper"], rows)
    out += ["", f"Per month ({', '.join(NOT_BILLED)} omitted), both designs carrying "
            f"{a['nat_traffic_gb_month']:g} GB a month of AWS API traffic "
            f"(${p['interface_endpoint_gb']}/GB through an endpoint, ${p['nat_gateway_gb']}/GB through a "
            f"NAT gateway). Each NAT gateway also holds a public IPv4 address (${p['public_ipv4_hour']}/h). "
            "The gateway endpoints (S3, DynamoDB) are free and stay in both designs; the PRIVATE API "
            "keeps its execute-api endpoint in both. The NAT design also needs public subnets, an "
            "internet gateway and a route to the internet, which the isolated design has none of."]

    out += ["", "### A day at scale", ""]
    rows = []
    for e in ENVS:
        for r in SCALE:
            d = day_at_scale(envs[e], r, local=e in NOT_BILLED, p=p, a=a)
            rows.append([e, f"{r:,}", f"{d.notifications:,}", f"{d.invocations:,}", str(d.chains_at_once),
                         d.bound, duration(d.seconds), "$0.00" if e in NOT_BILLED else money(d.cost)])
    out += table(["env", "recipients", "notifications", "generate invocations", "chains at once",
                  "bound by", "time", "cost of the records"], rows)
    out += ["", f"A day's notifications of up to {a['audience_per_notification']:,.0f} recipients each; each is "
            "one chain of generate invocations walking its audience one page after another, a page's "
            f"TransactWriteItems of {a['records_per_transact_write']:g} up to "
            f"{a['generate_writes_in_flight']:g} at once with the next page fetched meanwhile, an "
            "invocation handing over when its page cap or its timeout less the reserve comes. Chains at "
            "once: the least of the notifications, generate's reserved concurrency, its queue's "
            "maximum concurrency and the account's. Each record costs "
            "transactional write units plus one per index copy, and the table's default on-demand "
            "maximum caps them all. AWS call times are the assumptions below (not measured: no AWS "
            "account here); `local` uses the call times make bench measured on MiniStack, one call at "
            "a time. Cost: the per-million model above (generated, stored until the TTL, read and "
            "marked once), scaled."]

    out += ["", "### Workload assumptions", ""]
    out += table(["assumption", "value", "meaning"],
                 [[f"`{k}`", f"{a[k]:g}", meaning] for k, (_, meaning) in ASSUMPTIONS.items()], "---")

    unknown = sorted({t for e in ENVS for t in unpriced_types(envs[e])})
    out += ["", "Resource types in the templates that cost.py has no rule for: "
            + (", ".join(f"`{t}`" for t in unknown) if unknown else "none") + ".", "", END]
    return "\n".join(out)


# ---- command line -----------------------------------------------------------------------------

def synthesize(out: pathlib.Path) -> pathlib.Path:
    """cdk synth of every environment with placeholder zips (costs read templates, not code)."""
    zips = out / "zips"
    zips.mkdir(parents=True)
    # Every app folder with a main.cpp is one artifact, as in scripts/package.sh.
    for name in sorted(p.parent.name for p in (ROOT / "functions" / "apps").glob("*/main.cpp")):
        with zipfile.ZipFile(zips / f"{name}.zip", "w") as z:
            z.writestr("bootstrap", "#!/bin/sh\nexit 1\n")
    env = dict(os.environ, DN_ARTIFACT_DIR=str(zips), CDK_DISABLE_CLI_TELEMETRY="true")
    run = subprocess.run(["npx", "cdk", "synth", "--quiet", "--no-notices", "-c", "env=all", "-o",
                          str(out / "cdk.out")], cwd=ROOT / "infra", env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        raise SystemExit("cost: cdk synth failed")
    return out / "cdk.out"


def templates_by_env(cdk_out: pathlib.Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {e: [] for e in ENVS}
    for path in sorted(cdk_out.glob("DailyNotifications-*.template.json")):
        env = path.name.split("-")[1]
        if env in out:
            out[env].append(json.loads(path.read_text()))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cdk-out", type=pathlib.Path, help="cloud assembly to read (default: synthesize)")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--write", type=pathlib.Path, help="document whose generated part to rewrite")
    group.add_argument("--check", type=pathlib.Path, help="document whose generated part must match")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        by_env = templates_by_env(args.cdk_out or synthesize(pathlib.Path(tmp)))
    missing = [e for e, t in by_env.items() if not t]
    if missing:
        print(f"cost: no templates for {', '.join(missing)}", file=sys.stderr)
        return 1
    generated = render(by_env)
    doc_path = args.write or args.check
    if doc_path is None:
        print(generated)
        return 0
    doc = doc_path.read_text()
    if doc.count(BEGIN) != 1 or doc.count(END) != 1 or doc.index(BEGIN) > doc.index(END):
        print(f"cost: {doc_path} needs exactly one {BEGIN} ... {END} block", file=sys.stderr)
        return 1
    current = doc[doc.index(BEGIN):doc.index(END) + len(END)]
    if args.check:
        if current != generated:
            print(f"cost: {doc_path} is out of date with the templates or prices; run `make cost`",
                  file=sys.stderr)
            return 1
        print(f"cost: {doc_path} matches the templates and prices")
        return 0
    doc_path.write_text(doc.replace(current, generated))
    print(f"cost: wrote {doc_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
