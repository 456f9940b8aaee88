"""scripts/cost.py on small hand-made templates: what it counts, the arithmetic, and --write/--check.

Run: python3 -m unittest discover -s tests/cost -v
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tempfile
import unittest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "cost.py"
sys.path.insert(0, str(SCRIPT.parent))
import cost  # noqa: E402

# Round prices so the expected values below can be worked out by hand.
P = dict(cost.PRICES, hours_per_month=100, interface_endpoint_hour_per_az=0.01, interface_endpoint_gb=0.01,
         nat_gateway_hour=0.05, nat_gateway_gb=0.05, public_ipv4_hour=0.01, kms_key_month=1.0,
         secret_month=0.4, alarm_metric_month=0.1, alarm_high_resolution_metric_month=0.3,
         composite_alarm_month=0.5, dashboard_month=3.0, aurora_serverless_v2_acu_hour=0.1,
         aurora_storage_gb_month=0.1, sqs_request_per_million=1.0, lambda_gb_second=0.00001,
         dynamodb_write_request_unit_per_million=1.0, dynamodb_storage_gb_month=0.25, dynamodb_pitr_gb_month=0.2)
SERVERLESS = "db.serverless"


def template(*resources: tuple[str, dict] | tuple[str, str, dict]) -> dict:
    """A template from (type, properties) or (logical id, type, properties)."""
    out = {}
    for i, r in enumerate(resources):
        lid, rtype, props = r if len(r) == 3 else (f"R{i}", *r)
        out[lid] = {"Type": rtype, "Properties": props}
    return {"Resources": out}


def env(*templates: dict) -> cost.Env:
    return cost.Env(list(templates))


def endpoint(service: str, azs: int = 2) -> tuple[str, dict]:
    return ("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Interface",
                                      "ServiceName": f"com.amazonaws.eu-west-2.{service}",
                                      "SubnetIds": [f"s{i}" for i in range(azs)]})


def functions(generate_mb: int = 1024, api_mb: int = 512, max_pages: str = "5", ttl_days: str = "30") -> dict:
    return template(
        ("AWS::Lambda::Function", {"FunctionName": "x-generate", "MemorySize": generate_mb, "Environment": {
            "Variables": {"SERVICE_NAME": "generate", "MAX_PAGES_PER_INVOCATION": max_pages,
                          "INBOX_TTL_DAYS": ttl_days}}}),
        ("AWS::Lambda::Function", {"FunctionName": "x-get-notifications", "MemorySize": api_mb,
                                   "Environment": {"Variables": {"SERVICE_NAME": "get-notifications"}}}),
        ("AWS::Lambda::Function", {"FunctionName": "x-update-notifications", "MemorySize": api_mb,
                                   "Environment": {"Variables": {"SERVICE_NAME": "update-notifications"}}}))


def table_with_indexes(*projections: str) -> dict:
    return template(("AWS::DynamoDB::Table", {"GlobalSecondaryIndexes": [
        {"IndexName": f"i{n}", "Projection": {"ProjectionType": p}} for n, p in enumerate(projections)]}))


class FixedCosts(unittest.TestCase):
    def test_two_interface_endpoints_in_two_azs_are_four_eni_hours_and_gateway_endpoints_free(self):
        e = env(template(endpoint("sqs"), endpoint("kms"), ("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Gateway"})))
        line = cost.fixed_costs(e, P)["VPC interface endpoints (per ENI-hour)"]
        self.assertAlmostEqual(line.amount, 4 * 0.01 * 100)
        self.assertEqual(line.quantity, "2 endpoints, 4 ENIs")

    def test_aurora_minimum_capacity_counts_the_serverless_instances_of_the_cluster(self):
        e = env(template(
            ("Db", "AWS::RDS::DBCluster", {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4}}),
            ("Writer", "AWS::RDS::DBInstance", {"DBClusterIdentifier": {"Ref": "Db"}, "DBInstanceClass": SERVERLESS}),
            ("Reader", "AWS::RDS::DBInstance", {"DBClusterIdentifier": {"Ref": "Db"}, "DBInstanceClass": SERVERLESS}),
            # A provisioned instance is not billed by ACU, an instance of another cluster not at all.
            ("Big", "AWS::RDS::DBInstance", {"DBClusterIdentifier": {"Ref": "Db"}, "DBInstanceClass": "db.r6g.large"}),
            ("Other", "AWS::RDS::DBInstance", {"DBClusterIdentifier": {"Ref": "Elsewhere"},
                                               "DBInstanceClass": SERVERLESS})))
        fixed = cost.fixed_costs(e, P, dict(cost.A, aurora_storage_gb=20))
        self.assertAlmostEqual(fixed["Aurora Serverless v2 minimum capacity"].amount, 0.5 * 2 * 100 * 0.1)
        self.assertEqual(fixed["Aurora Serverless v2 minimum capacity"].quantity, "0.5 ACU x 2 instances")
        self.assertAlmostEqual(fixed["Aurora storage (assumed baseline)"].amount, 20 * 0.1)

    def test_no_aurora_no_aurora_cost(self):
        fixed = cost.fixed_costs(env(template(("AWS::KMS::Key", {}))), P)
        self.assertEqual(fixed["Aurora Serverless v2 minimum capacity"].amount, 0)
        self.assertEqual(fixed["Aurora storage (assumed baseline)"].amount, 0)

    def test_alarms_billed_per_metric_read_high_resolution_and_composites_apart(self):
        math = {"Metrics": [{"Id": "a", "MetricStat": {"Period": 300}}, {"Id": "b", "MetricStat": {"Period": 300}},
                            {"Id": "e", "Expression": "a/b"}]}
        e = env(template(("AWS::CloudWatch::Alarm", {"MetricName": "Errors", "Period": 300}),
                         ("AWS::CloudWatch::Alarm", math),
                         ("AWS::CloudWatch::Alarm", {"MetricName": "Fast", "Period": 10}),
                         ("AWS::CloudWatch::CompositeAlarm", {})))
        self.assertAlmostEqual(cost.fixed_costs(e, P)["CloudWatch alarms"].amount, 3 * 0.1 + 0.3 + 0.5)

    def test_keys_secrets_and_dashboards_are_summed_across_the_stacks(self):
        fixed = cost.fixed_costs(env(template(("AWS::KMS::Key", {}), ("AWS::SecretsManager::Secret", {})),
                                     template(("AWS::KMS::Key", {}), ("AWS::CloudWatch::Dashboard", {}))), P)
        self.assertEqual((fixed["KMS customer-managed keys"].amount, fixed["Secrets Manager secrets"].amount,
                          fixed["CloudWatch dashboards"].amount), (2.0, 0.4, 3.0))

    def test_a_nat_gateway_is_priced_with_its_public_address(self):
        fixed = cost.fixed_costs(env(template(("AWS::EC2::NatGateway", {}), ("AWS::EC2::NatGateway", {}))), P)
        self.assertAlmostEqual(fixed["NAT gateways (+ public IPv4)"].amount, 2 * (0.05 + 0.01) * 100)

    def test_idle_polling_only_for_sqs_event_sources(self):
        e = env(template(("Q", "AWS::SQS::Queue", {}),
                         ("M1", "AWS::Lambda::EventSourceMapping", {"EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]}}),
                         ("M2", "AWS::Lambda::EventSourceMapping",
                          {"EventSourceArn": "arn:aws:dynamodb:x:1:table/t/stream/s"})))
        a = dict(cost.A, esm_idle_pollers=5, esm_long_poll_seconds=20)
        # 5 pollers x 180 receives an hour x 100 h = 90,000 requests at $1 per million.
        self.assertAlmostEqual(cost.fixed_costs(e, P, a)["SQS event-source polling while idle"].amount, 0.09)

    def test_unknown_resource_types_are_reported_not_ignored(self):
        e = env(template(("AWS::KMS::Key", {}), ("AWS::IAM::Role", {}), ("AWS::RDS::DBProxy", {})))
        self.assertEqual(cost.unpriced_types(e), {"AWS::RDS::DBProxy"})


class PerMillion(unittest.TestCase):
    def test_workload_follows_the_generate_settings_in_the_template(self):
        w = cost.workload(env(functions(max_pages="5")))
        self.assertEqual(w["audience_pages"], 1000)       # 1,000,000 / 1000
        self.assertEqual(w["messages"], 200)              # one message per 5 pages
        self.assertEqual(w["sqs_sends"], 1 + 190)         # 10 first messages in one batch, 190 continuations
        self.assertEqual(w["write_units"], 2_000_000)     # a transactional Put: 2 WRU per inbox record
        self.assertEqual(w["state_requests"], 50_000)     # each record marked read once, 20 per read-all
        self.assertEqual(cost.workload(env(functions(max_pages="2")))["messages"], 500)

    def test_sqs_requests_are_sends_receives_and_deletes(self):
        line = cost.per_million(env(functions()), P)["SQS requests (send, receive, delete)"]
        self.assertAlmostEqual(line.amount, (191 + 200 + 200) / 1e6)

    def test_two_write_units_per_record_and_one_per_index_copy(self):
        key = "DynamoDB writes (create-only records, their index copies)"
        self.assertAlmostEqual(cost.per_million(env(functions()), P)[key].amount, 2.0)
        # Only an index that projects every attribute holds a copy of the record.
        indexed = env(functions(), table_with_indexes("ALL", "KEYS_ONLY"))
        self.assertEqual(cost.index_copies(indexed), 1)
        self.assertAlmostEqual(cost.per_million(indexed, P)[key].amount, 3.0)

    def test_a_state_change_is_transactional_and_moves_the_index_copy(self):
        key = "DynamoDB writes (read state changes)"
        self.assertAlmostEqual(cost.per_million(env(functions()), P)[key].amount, 2.0)
        # 2 WRU on the table, a delete and a put in the index.
        self.assertAlmostEqual(cost.per_million(env(functions(), table_with_indexes("ALL")), P)[key].amount, 4.0)
        no_marks = dict(cost.A, state_changes_per_record=0)
        self.assertEqual(cost.per_million(env(functions()), P, no_marks)[key].amount, 0)

    def test_the_index_copy_is_stored_too(self):
        key = "DynamoDB storage until the TTL (+ PITR where on)"
        plain = cost.per_million(env(functions()), P)[key].amount
        self.assertAlmostEqual(cost.per_million(env(functions(), table_with_indexes("ALL")), P)[key].amount, 2 * plain)

    def test_lambda_compute_scales_with_memory_from_the_template(self):
        small = cost.per_million(env(functions(512, 256)), P)["Lambda compute (GB-seconds)"].amount
        large = cost.per_million(env(functions(1024, 512)), P)["Lambda compute (GB-seconds)"].amount
        self.assertGreater(small, 0)
        self.assertAlmostEqual(large, 2 * small)

    def test_storage_lasts_the_ttl_and_pays_for_pitr_when_on(self):
        key = "DynamoDB storage until the TTL (+ PITR where on)"
        short = cost.per_million(env(functions(ttl_days="30")), P)[key].amount
        long = cost.per_million(env(functions(ttl_days="90")), P)[key].amount
        self.assertAlmostEqual(long, 3 * short)
        pitr = template(("AWS::DynamoDB::Table",
                         {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}))
        with_pitr = cost.per_million(env(functions(ttl_days="30"), pitr), P)[key].amount
        self.assertAlmostEqual(with_pitr, short * (0.25 + 0.2) / 0.25)


class Nat(unittest.TestCase):
    def test_private_api_keeps_its_endpoint_and_break_even_is_computed(self):
        api = ("AWS::ApiGateway::RestApi", {"EndpointConfiguration": {"Types": ["PRIVATE"]}})
        e = env(template(*(endpoint(s, azs=2) for s in ("sqs", "kms", "logs", "secretsmanager", "execute-api")), api))
        prices = dict(P, nat_gateway_hour=0.01, public_ipv4_hour=0.0)
        c = cost.nat_comparison(e, prices, dict(cost.A, nat_traffic_gb_month=10))
        self.assertEqual(c.azs, 2)
        self.assertAlmostEqual(c.endpoints, 10 * 0.01 * 100 + 10 * 0.01)        # 10 ENIs + traffic
        self.assertAlmostEqual(c.kept_endpoints, 2 * 0.01 * 100)                # execute-api, 2 ENIs
        self.assertAlmostEqual(c.nat_gateways, 2 * 0.01 * 100 + 10 * 0.05)
        # 8 dropped ENIs ($8) vs 2 gateways ($2): $6 / ($0.05 - $0.01) per GB = 150 GB.
        self.assertAlmostEqual(c.break_even_gb, 150)

    def test_endpoints_always_cheaper_when_the_gateways_cost_more_to_keep(self):
        e = env(template(endpoint("sqs", azs=3)))
        self.assertEqual(cost.nat_comparison(e, P).break_even_gb, 0)


def generate_stack(timeout: int = 120, reserved: int = 10, polled: int = 8, max_pages: str = "5") -> dict:
    """generate (its queue named by QUEUE_URL, polled by an event source of `polled` at most) and
    another queue's event source that must not count."""
    t = functions(max_pages=max_pages)
    gen = next(r for r in t["Resources"].values() if r["Properties"]["FunctionName"] == "x-generate")
    gen["Properties"].update(Timeout=timeout, ReservedConcurrentExecutions=reserved)
    gen["Properties"]["Environment"]["Variables"]["QUEUE_URL"] = {"Ref": "GenQ"}
    t["Resources"].update(template(
        ("GenQ", "AWS::SQS::Queue", {}), ("OtherQ", "AWS::SQS::Queue", {}),
        ("GenEsm", "AWS::Lambda::EventSourceMapping", {"EventSourceArn": {"Fn::GetAtt": ["GenQ", "Arn"]},
                                                       "ScalingConfig": {"MaximumConcurrency": polled}}),
        ("OtherEsm", "AWS::Lambda::EventSourceMapping", {"EventSourceArn": {"Fn::GetAtt": ["OtherQ", "Arn"]},
                                                         "ScalingConfig": {"MaximumConcurrency": 2}}))["Resources"])
    return t


# Round call times: a page of 1000 is 10 TransactWriteItems, 3 rounds of 4 in flight = 180 ms.
S = dict(cost.A, generate_ms_per_transact_write=60, generate_ms_per_page_query=10, generate_writes_in_flight=4,
         generate_ms_per_invocation_calls=50, sqs_handover_ms=200, generate_reserve_s=5,
         table_write_units_per_s=40_000, audience_per_notification=100_000, audience_page_size=1000,
         local_ms_per_transact_write=100, local_ms_per_page_query=300)


class Scale(unittest.TestCase):
    def test_sizing_reads_timeout_page_cap_and_the_least_concurrency_of_generates_own_queue(self):
        g = cost.generate_sizing(env(generate_stack(timeout=120, reserved=10, polled=8, max_pages="5")))
        self.assertEqual(g, {"timeout_s": 120, "max_pages": 5, "page_size": 1000, "concurrency": 8})
        self.assertEqual(cost.generate_sizing(env(generate_stack(reserved=3, polled=8)))["concurrency"], 3)

    def test_one_chain_walks_its_pages_with_writes_in_flight_and_hands_over_at_the_page_cap(self):
        d = cost.day_at_scale(env(generate_stack()), 10_000, a=S)
        # 10 pages, 5 per invocation: 2 x (50 fixed + 10 first Query + 200 hand-over) + 10 x 180 ms.
        self.assertEqual((d.notifications, d.invocations, d.chains_at_once, d.bound), (1, 2, 1, "chain walk"))
        self.assertAlmostEqual(d.seconds, 2.32)

    def test_the_timeout_less_the_reserve_caps_the_pages_of_an_invocation(self):
        # 10 s - 5 s reserve = 27 pages of 180 ms, under the cap of 40: 100 pages in 4 invocations.
        d = cost.day_at_scale(env(generate_stack(timeout=10, max_pages="40")), 100_000, a=S)
        self.assertEqual(d.invocations, 4)

    def test_chains_run_at_the_queues_concurrency_and_the_tables_write_throughput_caps_them(self):
        e = env(generate_stack(polled=8))
        d = cost.day_at_scale(e, 10_000_000, a=S)
        # 100 chains of 100 pages (20 invocations: 23.2 s), 8 at once: 13 x 23.2 = 301.6 s; but
        # 10^7 records x 2 WRU at 40,000 WRU/s take 500 s.
        self.assertEqual((d.notifications, d.invocations, d.chains_at_once), (100, 2000, 8))
        self.assertEqual(d.bound, "table writes")
        self.assertAlmostEqual(d.seconds, 500.0)
        quick = cost.day_at_scale(e, 10_000_000, a=dict(S, table_write_units_per_s=1_000_000))
        self.assertEqual(quick.bound, "chain walk")
        self.assertAlmostEqual(quick.seconds, 301.6)

    def test_the_cost_is_the_per_million_model_scaled(self):
        e = env(generate_stack())
        per_million = sum(x.amount for x in cost.per_million(e, P, S).values())
        self.assertAlmostEqual(cost.day_at_scale(e, 10_000_000, p=P, a=S).cost, 10 * per_million)

    def test_local_uses_the_measured_call_times_one_call_at_a_time_and_costs_nothing(self):
        d = cost.day_at_scale(env(generate_stack()), 10_000, local=True, a=S)
        # A page: its Query, then 10 writes of 100 ms, nothing overlapped (1.3 s); 5 pages per
        # invocation (the cap): 2 x (50 fixed + 200 hand-over) + 10 x 1.3 s.
        self.assertAlmostEqual(d.seconds, 13.5)
        self.assertEqual((d.cost, d.bound), (0.0, "chain walk"))


class Document(unittest.TestCase):
    def fake_assembly(self, out: pathlib.Path) -> None:
        for name in cost.ENVS:
            (out / f"DailyNotifications-{name}-Network.template.json").write_text(
                json.dumps(template(endpoint("sqs"), endpoint("execute-api"), ("AWS::KMS::Key", {}))))
            (out / f"DailyNotifications-{name}-Notifications.template.json").write_text(json.dumps(functions()))

    def test_local_costs_nothing(self):
        by_env = {name: [template(endpoint("sqs"), ("AWS::KMS::Key", {})), functions()] for name in cost.ENVS}
        text = cost.render(by_env, P)
        self.assertIn("| **total** | **$0.00** | **$3.00** | **$3.00** | **$3.00** |", text)
        self.assertIn("`local` costs nothing", text)

    def test_write_then_check_and_check_fails_when_the_doc_drifts(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            self.fake_assembly(tmp)
            doc = tmp / "COST.md"
            doc.write_text(f"# Cost\n\nprose\n\n{cost.BEGIN}\nstale\n{cost.END}\n\nafter\n")

            def run(*args: str) -> subprocess.CompletedProcess:
                return subprocess.run([sys.executable, str(SCRIPT), "--cdk-out", str(tmp), *args],
                                      capture_output=True, text=True)

            self.assertEqual(run("--check", str(doc)).returncode, 1)
            self.assertEqual(run("--write", str(doc)).returncode, 0)
            text = doc.read_text()
            self.assertTrue(text.startswith("# Cost\n\nprose\n\n") and text.endswith("\n\nafter\n"))
            self.assertEqual(run("--check", str(doc)).returncode, 0)
            doc.write_text(text.replace("2 endpoints, 4 ENIs", "3 endpoints, 6 ENIs"))
            self.assertEqual(run("--check", str(doc)).returncode, 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
