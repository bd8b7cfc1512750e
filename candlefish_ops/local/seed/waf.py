"""Seed for `candlefish waf`: after a local bootstrap deploy, any of the environment's four IP sets
that does not exist yet (the deploy creates them for a security stack that takes their ARNs; an older template or
a partial bootstrap may not have) and, if the template's table did not materialise, the ledger table are created
here, empty, exactly as named in the environment's `waf:` config."""

from __future__ import annotations

_VERSIONS = {"v4": "IPV4", "v6": "IPV6"}


def seed(endpoint: str, environment) -> None:
    import boto3

    config = environment.waf
    wafv2 = boto3.client("wafv2", region_name=config.region, endpoint_url=endpoint)
    existing = {s["Name"] for s in wafv2.list_ip_sets(Scope=config.scope, Limit=100).get("IPSets", [])}
    for kind in ("block", "allow"):
        for version, ip_version in _VERSIONS.items():
            name = config.ip_set_name(kind, version)
            if name not in existing:
                wafv2.create_ip_set(Name=name, Scope=config.scope, IPAddressVersion=ip_version, Addresses=[],
                                    Description=f"{kind}list ({version}) of candlefish waf (emulated)")
    _ledger_table(boto3.client("dynamodb", region_name=config.region, endpoint_url=endpoint), config.ledger_table)


def _ledger_table(dynamodb, name: str) -> None:
    if name in dynamodb.list_tables().get("TableNames", []):
        return
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    # as the template declares it (moto records the setting; it does not expire items)
    dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={"AttributeName": "ttl", "Enabled": True})
