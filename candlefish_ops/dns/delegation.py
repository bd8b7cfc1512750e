"""Is the environment's hosted zone delegated? A public DNS lookup of the zone's NS records.

ACM validates a certificate by DNS (edge.yaml, compute.yaml) only once resolvers on the internet reach the
hosted zone, i.e. once the registrar of the domain (or, for a subdomain, the parent zone) lists the zone's
four Route 53 name servers (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html,
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/domain-name-servers-glue-records.html). Until then
the certificate stays PENDING_VALIDATION and CloudFormation waits until the stack times out.

The lookup goes through a DNS-over-HTTPS JSON resolver (stdlib only: `urllib` + `json`; Google Public DNS
by default, `CANDLEFISH_DOH_URL` for another one with the same JSON API). Against the emulator, the emulator
answers it (`candlefish_ops/local/moto/extensions/public_dns.py`): its zones count as delegated unless a test says
otherwise. Callers take the resolver as an argument, so tests inject theirs.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol

DEFAULT_DOH_URL = "https://dns.google/resolve"
EMULATOR_DOH_PATH = "/moto-api/candlefish/dns-query"
CERTIFICATE_TYPE = "AWS::CertificateManager::Certificate"
_NS = 2


class LookupFailed(Exception):
    """The public DNS could not be asked (network, resolver error): delegation unknown."""


class NameServerResolver(Protocol):
    def name_servers(self, domain: str) -> tuple[str, ...]:
        """The NS records the public DNS answers for `domain` (() when none); raises LookupFailed."""


def _fqdn(name: str) -> str:
    return name.lower().rstrip(".") + "."


class DohResolver:
    """NS lookups through a DNS-over-HTTPS JSON endpoint (`?name=...&type=NS`)."""

    def __init__(self, url: str = DEFAULT_DOH_URL, timeout: float = 5.0, opener: Callable | None = None) -> None:
        self.url = url
        self._timeout = timeout
        self._open = opener or urllib.request.urlopen

    def name_servers(self, domain: str) -> tuple[str, ...]:
        query = urllib.parse.urlencode({"name": _fqdn(domain), "type": "NS"})
        request = urllib.request.Request(f"{self.url}?{query}", headers={"Accept": "application/dns-json"})
        try:
            with self._open(request, timeout=self._timeout) as response:
                body = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise LookupFailed(f"{urllib.parse.urlsplit(self.url).netloc}: {error}") from error
        status = body.get("Status")
        if status == 3:  # NXDOMAIN
            return ()
        if status != 0:
            raise LookupFailed(f"{urllib.parse.urlsplit(self.url).netloc} answered DNS status {status}")
        return tuple(sorted(_fqdn(a["data"]) for a in body.get("Answer") or []
                            if a.get("type") == _NS and _fqdn(a.get("name", "")) == _fqdn(domain)))


def default_resolver(targets_emulator: bool, endpoint: str | None) -> DohResolver:
    """The emulator's public DNS when the command runs against it, else the configured (or Google's) resolver."""
    if targets_emulator and endpoint:
        return DohResolver(endpoint.rstrip("/") + EMULATOR_DOH_PATH)
    return DohResolver(os.environ.get("CANDLEFISH_DOH_URL") or DEFAULT_DOH_URL)


@dataclass(frozen=True)
class Delegation:
    """The zone's name servers against what the public DNS answers for its name."""

    domain: str                              # FQDN of the zone
    zone_id: str
    zone_name_servers: tuple[str, ...]
    public_name_servers: tuple[str, ...] | None    # None: the lookup failed
    lookup_error: str = ""

    @property
    def known(self) -> bool:
        return self.public_name_servers is not None

    @property
    def delegated(self) -> bool:
        public = set(self.public_name_servers or ())
        return bool(public) and public <= set(self.zone_name_servers)

    @property
    def name(self) -> str:
        return self.domain.rstrip(".")

    def found(self) -> str:
        if not self.known:
            return f"the public DNS could not be asked ({self.lookup_error})"
        if not self.public_name_servers:
            return "the public DNS has no NS records for it"
        return f"the public DNS answers {', '.join(s.rstrip('.') for s in self.public_name_servers)}"

    def instruction(self) -> str:
        servers = ", ".join(s.rstrip(".") for s in self.zone_name_servers)
        return (f"set the name servers of {self.name} at its registrar (for a subdomain: NS records for it in the "
                f"parent zone) to {servers}")


def judge(domain: str, zone_id: str, zone_name_servers, resolver: NameServerResolver) -> Delegation:
    try:
        public = resolver.name_servers(domain)
    except LookupFailed as error:
        return Delegation(_fqdn(domain), zone_id, tuple(zone_name_servers), None, str(error))
    return Delegation(_fqdn(domain), zone_id, tuple(zone_name_servers), tuple(public))


# which zone, which stacks ------------------------------------------------------------------------------

def dns_stack(environment):
    """The dns stack's config (the `dns` role of `dns.stacks`), or None."""
    return environment.stacks.get(environment.dns.stacks.get("dns", "dns"))


def given_zone_id(environment) -> str | None:
    """An existing zone given as the dns stack's literal `HostedZoneId` parameter (the dns stack then creates
    none, and every `${dns.HostedZoneId}` is that zone)."""
    stack = dns_stack(environment)
    value = stack.parameters.get("HostedZoneId") if stack else None
    if value is None or value.refs or not value.text.strip():
        return None
    return value.text.strip()


def zone_id(environment, outputs_of: Callable[[str, str], Mapping[str, str] | None]) -> str | None:
    """The zone the certificates validate in: the given one, else the deployed dns stack's output."""
    given = given_zone_id(environment)
    stack = dns_stack(environment)
    if given or stack is None:
        return given
    from candlefish_ops.stack_outputs import HOSTED_ZONE_ID

    return (outputs_of(stack.key, stack.regions[0]) or {}).get(HOSTED_ZONE_ID)


def needs_validated_certificates(target) -> bool:
    return CERTIFICATE_TYPE in target.template.resource_types


def lookup(session, zone: str, resolver: NameServerResolver) -> tuple[Delegation, bool]:
    """(the delegation of zone `zone`, whether it is private). Raises NotFoundError for an unknown zone id."""
    from candlefish_ops.aws.route53 import Route53

    found, servers = Route53(session).zone_with_name_servers(zone)
    return judge(found.name, found.id, servers, resolver), found.private
