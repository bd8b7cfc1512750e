"""The public DNS, as the emulator sees it: a DNS-over-HTTPS JSON endpoint answering NS lookups.

On AWS, ACM validates a certificate by DNS only once the public DNS reaches the hosted zone: the domain's
registrar (or the parent zone) must delegate to the zone's four name servers
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/migrate-dns-domain-in-use.html, step "Update
the NS records"). candlefish looks that delegation up before deploying stacks with DNS-validated
certificates (`candlefish_ops/dns/delegation.py`), through a DNS-over-HTTPS JSON resolver (Google's
`https://dns.google/resolve` format: https://developers.google.com/speed/public-dns/docs/doh/json).

The emulator answers the same JSON at `ENDPOINT/moto-api/candlefish/dns-query?name=NAME&type=NS`. By default
every public zone of the emulator counts as delegated: the answer is the zone's own name servers (a name
without a zone answers NXDOMAIN, Status 3). A test can make the public DNS say otherwise for a name with
`set_delegation("candlefish.ai", ["ns1.registrar.example"])` (other servers) or `set_delegation(name, [])`
(NXDOMAIN, nothing delegated), and `clear_delegations()` afterwards.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

PATH = "/moto-api/candlefish/dns-query"
NS_TYPE = 2
_OVERRIDES: dict[str, tuple[str, ...]] = {}


def _fqdn(name: str) -> str:
    return name.lower().rstrip(".") + "."


def set_delegation(name: str, name_servers) -> None:
    """What the public DNS answers for NS `name` from now on ([] = NXDOMAIN)."""
    _OVERRIDES[_fqdn(name)] = tuple(_fqdn(server) for server in name_servers)


def clear_delegations() -> None:
    _OVERRIDES.clear()


def _zone_name_servers(name: str) -> tuple[str, ...] | None:
    from moto.route53.models import route53_backends

    from candlefish_ops.local.moto.compat import backend

    for account_id in list(route53_backends.keys()):
        for zone in list(backend("route53", account_id, "aws").zones.values()):
            if _fqdn(zone.name) == name and not zone.private_zone and zone.delegation_set is not None:
                return tuple(_fqdn(server) for server in zone.delegation_set.name_servers)
    return None


def answer(name: str, record_type: str) -> dict[str, Any]:
    """The DNS-over-HTTPS JSON answer for one question."""
    name = _fqdn(name)
    question = [{"name": name, "type": NS_TYPE}]
    if record_type.upper() not in ("NS", str(NS_TYPE)):
        return {"Status": 4, "Question": question, "Comment": "the emulator answers NS questions only"}
    servers = _OVERRIDES[name] if name in _OVERRIDES else _zone_name_servers(name)
    if not servers:
        return {"Status": 3, "Question": question}
    return {"Status": 0, "Question": question,
            "Answer": [{"name": name, "type": NS_TYPE, "TTL": 172800, "data": server} for server in servers]}


def _dns_query(request: Any, full_url: str, headers: Any):
    query = parse_qs(urlsplit(full_url).query)
    name = (query.get("name") or [""])[0]
    if not name:
        return 400, {"Content-Type": "application/json"}, json.dumps({"Status": 1, "Comment": "name is required"})
    body = answer(name, (query.get("type") or ["A"])[0])
    return 200, {"Content-Type": "application/x-javascript"}, json.dumps(body)


def install() -> None:
    from moto.moto_api._internal import urls

    urls.url_paths.setdefault("{0}" + PATH + "$", _dns_query)
