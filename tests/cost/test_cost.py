"""scripts/cost.py on small hand-made templates: the counting and the arithmetic."""
from __future__ import annotations

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
import cost  # noqa: E402

PRICES = dict(cost.PRICES, hours_per_month=100, interface_endpoint_hour_per_az=0.01, kms_key_month=1.0,
              secret_month=0.4, alarm_metric_month=0.1, composite_alarm_month=0.5, dashboard_month=3.0,
              aurora_serverless_v2_acu_hour=0.12, nat_gateway_hour=0.05, nat_gateway_gb=0.05,
              interface_endpoint_gb=0.01)


def template(*resources: tuple[str, dict]) -> dict:
    return {"Resources": {f"R{i}": {"Type": t, "Properties": p} for i, (t, p) in enumerate(resources)}}


class FixedCosts(unittest.TestCase):
    def test_interface_endpoints_are_billed_per_subnet_and_gateway_endpoints_not_at_all(self):
        t = template(("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]}),
                     ("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]}),
                     ("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Gateway"}))
        self.assertAlmostEqual(cost.fixed_costs([t], PRICES)["VPC interface endpoints"], 4 * 0.01 * 100)

    def test_metric_math_alarms_are_billed_per_metric_and_composites_apart(self):
        math = {"Metrics": [{"Id": "a", "MetricStat": {}}, {"Id": "b", "MetricStat": {}}, {"Id": "e", "Expression": "a/b"}]}
        t = template(("AWS::CloudWatch::Alarm", {"MetricName": "Errors"}), ("AWS::CloudWatch::Alarm", math),
                     ("AWS::CloudWatch::CompositeAlarm", {}))
        self.assertAlmostEqual(cost.fixed_costs([t], PRICES)["CloudWatch alarms"], 3 * 0.1 + 0.5)

    def test_aurora_minimum_capacity_counts_every_instance(self):
        t = template(("AWS::RDS::DBCluster", {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5}}),
                     ("AWS::RDS::DBInstance", {}), ("AWS::RDS::DBInstance", {}))
        self.assertAlmostEqual(cost.fixed_costs([t], PRICES)["Aurora Serverless v2 (minimum ACU)"],
                               0.5 * 2 * 100 * 0.12)

    def test_keys_and_secrets_across_templates(self):
        a = template(("AWS::KMS::Key", {}), ("AWS::SecretsManager::Secret", {}))
        b = template(("AWS::KMS::Key", {}))
        fixed = cost.fixed_costs([a, b], PRICES)
        self.assertEqual((fixed["KMS keys"], fixed["Secrets Manager secrets"]), (2.0, 0.4))


class Usage(unittest.TestCase):
    def test_per_million_scales_lambda_compute_with_memory(self):
        def fns(mb):
            return template(("AWS::Lambda::Function", {"FunctionName": "x-generate", "MemorySize": mb}),
                            ("AWS::Lambda::Function", {"FunctionName": "x-get-notifications", "MemorySize": mb}))
        small = cost.per_million([fns(512)])["Lambda compute (generate, get-notifications)"]
        large = cost.per_million([fns(1024)])["Lambda compute (generate, get-notifications)"]
        self.assertGreater(small, 0)
        self.assertAlmostEqual(large, 2 * small)

    def test_one_wru_per_record(self):
        t = template(("AWS::Lambda::Function", {"FunctionName": "x-generate", "MemorySize": 128}),
                     ("AWS::Lambda::Function", {"FunctionName": "x-get-notifications", "MemorySize": 128}))
        self.assertAlmostEqual(cost.per_million([t])["DynamoDB writes (1 WRU per record)"],
                               cost.PRICES["dynamodb_write_request_unit_per_million"])

    def test_nat_break_even(self):
        t = template(("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b"]}))
        endpoints, nat, break_even = cost.nat_comparison([t], PRICES)
        # Endpoints: 2 ENIs x 0.01 x 100 h = 2.0 fixed; NAT: 2 x 0.05 x 100 = 10.0 fixed.
        self.assertEqual(break_even, 0.0)
        self.assertLess(endpoints, nat)


if __name__ == "__main__":
    unittest.main(verbosity=2)
