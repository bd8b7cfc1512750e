"""IP sets and the ledger table found from the security stack's outputs (the config can still override)."""

from __future__ import annotations

import json

from tests.functional.waf.conftest import write_config


def _security_stack(aws, outputs: dict) -> None:
    template = {"Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {key: {"Value": value} for key, value in outputs.items()}}
    aws.client("cloudformation").create_stack(StackName="candlefish-staging-security",
                                              TemplateBody=json.dumps(template))


def _deployed_state(aws) -> dict:
    wafv2 = aws.client("wafv2")
    arns = {}
    for kind, output in (("block", "BlockList"), ("allow", "AllowList")):
        for version, ip_version in (("v4", "IPV4"), ("v6", "IPV6")):
            summary = wafv2.create_ip_set(Name=f"edge-{kind}-{version}-X1Y2", Scope="CLOUDFRONT",
                                          IPAddressVersion=ip_version, Addresses=[])["Summary"]
            arns[f"{output}{version.upper()}Arn"] = summary["ARN"]
    aws.client("dynamodb").create_table(
        TableName="edge-ledger-X1Y2", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return {**arns, "WafLedgerTableName": "edge-ledger-X1Y2"}


def _addresses(aws, name: str) -> list[str]:
    wafv2 = aws.client("wafv2")
    summary = next(s for s in wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"] if s["Name"] == name)
    return wafv2.get_ip_set(Name=name, Scope="CLOUDFRONT", Id=summary["Id"])["IPSet"]["Addresses"]


def test_names_come_from_the_security_stack_outputs(aws, cli, tmp_path):
    _security_stack(aws, _deployed_state(aws))
    write_config(tmp_path, "staging")
    result = cli("waf", "block-ip", "staging", "203.0.113.7", "2001:db8::7", "--reason", "r",
                 "--config-dir", tmp_path)
    assert result.exit_code == 0, result.stderr
    assert _addresses(aws, "edge-block-v4-X1Y2") == ["203.0.113.7/32"]
    assert _addresses(aws, "edge-block-v6-X1Y2") == ["2001:db8::7/128"]
    items = aws.client("dynamodb").scan(TableName="edge-ledger-X1Y2")["Items"]
    assert sorted(i["sk"]["S"] for i in items) == ["2001:db8::7/128", "203.0.113.7/32"]


def test_the_config_overrides_the_outputs(aws, cli, tmp_path):
    from tests.functional.waf.conftest import create_waf_state

    _security_stack(aws, _deployed_state(aws))
    create_waf_state(aws, "staging")
    write_config(tmp_path, "staging", "waf:\n  ip_sets:\n    block_v4: staging-candlefish-block-v4\n"
                 "  ledger_table: staging-candlefish-waf-ledger\n")
    assert cli("waf", "block-ip", "staging", "203.0.113.7", "--config-dir", tmp_path).exit_code == 0
    assert _addresses(aws, "staging-candlefish-block-v4") == ["203.0.113.7/32"]
    assert _addresses(aws, "edge-block-v4-X1Y2") == []
