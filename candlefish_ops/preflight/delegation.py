"""Preflight `zone-delegation`: the hosted zone that DNS-validated certificates need is delegated. Pure.

A certificate of api.yaml / compute.yaml / edge.yaml (`AWS::CertificateManager::Certificate`, ValidationMethod DNS) is
issued only once the public DNS reaches the zone its validation records are written to; a zone nobody
delegates leaves the stack waiting until it times out (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
"""

from __future__ import annotations

from typing import Sequence

from candlefish_ops.dns.delegation import Delegation
from candlefish_ops.preflight import FAIL, PASS, WARN, Check

NAME = "zone-delegation"


def _stacks(names: Sequence[str]) -> str:
    return ", ".join(names) or "none"


def zone_not_created(domain: str, certificate_stacks: Sequence[str]) -> Check:
    return Check(NAME, domain, WARN,
                 f"the hosted zone {domain} does not exist yet (the dns stack creates it); the certificates of "
                 f"{_stacks(certificate_stacks)} validate only once it is delegated",
                 "the deploy prints the zone's name servers after the dns stack and stops before those stacks until "
                 "the registrar lists them; or give an existing, delegated zone as the dns stack's HostedZoneId "
                 "parameter (docs/dns.md#the-hosted-zone-and-its-delegation)",
                 {"domain": domain, "zone_id": None})


def wrong_zone(domain: str, zone_id: str, problem: str) -> Check:
    return Check(NAME, domain, FAIL, f"hosted zone {zone_id} {problem}",
                 f"set the dns stack's HostedZoneId to the public hosted zone of {domain} "
                 f"(aws route53 list-hosted-zones-by-name --dns-name {domain}), or leave it out to create one",
                 {"domain": domain, "zone_id": zone_id})


def judge_delegation(delegation: Delegation, certificate_stacks: Sequence[str]) -> Check:
    """PASS when delegated; FAIL when not and stacks with DNS-validated certificates are to deploy (else WARN)."""
    data = {"domain": delegation.name, "zone_id": delegation.zone_id,
            "name_servers": [s.rstrip(".") for s in delegation.zone_name_servers],
            "public_name_servers": None if delegation.public_name_servers is None
            else [s.rstrip(".") for s in delegation.public_name_servers]}
    label = f"{delegation.name} ({delegation.zone_id})"
    if delegation.delegated:
        return Check(NAME, label, PASS, f"delegated: {delegation.found()}", "", data)
    if not delegation.known:
        return Check(NAME, label, WARN, f"delegation not checked: {delegation.found()}",
                     f"check it with `dig NS {delegation.name}`; if it does not list the zone's name servers, "
                     f"{delegation.instruction()}", data)
    status = FAIL if certificate_stacks else WARN
    consequence = (f"; the certificates of {_stacks(certificate_stacks)} would wait for validation until the "
                   "stack times out" if certificate_stacks else "")
    return Check(NAME, label, status, f"not delegated to this zone: {delegation.found()}{consequence}",
                 f"{delegation.instruction()}, wait until `dig NS {delegation.name}` shows them, then rerun", data)
