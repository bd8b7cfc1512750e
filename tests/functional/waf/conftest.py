"""Fixtures for `candlefish waf`: a config dir, and the four IP sets and the ledger table as the security stack
would create them (CLOUDFRONT scope in us-east-1, empty), made with boto3 on the emulator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

SETS = {("block", "v4"): "IPV4", ("block", "v6"): "IPV6", ("allow", "v4"): "IPV4", ("allow", "v6"): "IPV6"}


def write_config(directory, env: str, waf_section: str = "", protected: bool = False) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{env}.yaml").write_text(
        f"project: candlefish\nprotected: {str(protected).lower()}\n"
        "stacks:\n  security:\n    template: security.yaml\n"
        + waf_section, encoding="utf-8")


@dataclass
class WafWorld:
    """The emulated AWS state of one environment's WAF, read back with boto3."""

    aws: object
    env: str
    config_dir: object
    ids: dict

    @property
    def wafv2(self):
        return self.aws.client("wafv2", "us-east-1")

    def name(self, kind: str, version: str) -> str:
        return f"{self.env}-candlefish-{kind}-{version}"

    def get(self, kind: str, version: str) -> dict:
        return self.wafv2.get_ip_set(Name=self.name(kind, version), Scope="CLOUDFRONT", Id=self.ids[(kind, version)])

    def addresses(self, kind: str, version: str = "v4") -> set[str]:
        return set(self.get(kind, version)["IPSet"]["Addresses"])

    def put_addresses(self, kind: str, version: str, addresses) -> None:
        """Another writer (the console, a script) replaces the list."""
        token = self.get(kind, version)["LockToken"]
        self.wafv2.update_ip_set(Name=self.name(kind, version), Scope="CLOUDFRONT", Id=self.ids[(kind, version)],
                                 Addresses=list(addresses), LockToken=token)

    def ledger(self) -> dict[str, dict]:
        """Ledger items keyed by 'pk|sk', plain values."""
        from boto3.dynamodb.types import TypeDeserializer

        plain = TypeDeserializer()
        items = self.aws.client("dynamodb").scan(TableName=f"{self.env}-candlefish-waf-ledger")["Items"]
        return {f"{i['pk']['S']}|{i['sk']['S']}": {k: plain.deserialize(v) for k, v in i.items()} for i in items}


def create_waf_state(aws, env: str) -> dict:
    wafv2 = aws.client("wafv2", "us-east-1")
    ids = {}
    for (kind, version), ip_version in SETS.items():
        answer = wafv2.create_ip_set(Name=f"{env}-candlefish-{kind}-{version}", Scope="CLOUDFRONT",
                                     IPAddressVersion=ip_version, Addresses=[])
        ids[(kind, version)] = answer["Summary"]["Id"]
    aws.client("dynamodb").create_table(
        TableName=f"{env}-candlefish-waf-ledger", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return ids


@pytest.fixture
def world(aws, tmp_path):
    config_dir = tmp_path / "config"
    write_config(config_dir, "staging")
    return WafWorld(aws, "staging", config_dir, create_waf_state(aws, "staging"))


@pytest.fixture
def waf_cli(cli, world):
    """`waf_cli("block-ip", "staging", ...)` runs `candlefish waf ...` with the world's config dir."""

    def run(*args, input=None):
        return cli("waf", *args, "--config-dir", world.config_dir, input=input)

    return run
