"""Route 53 record sets and health checks as plain values: normalised and comparable.

The typed values aws/route53 takes and returns (their wire format, to and from Route 53's API, is in
aws/route53.py). No boto3 here: the dns area imports these freely, also where `--help` must stay fast.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace


def fqdn(name: str) -> str:
    """Lower-case, with the trailing dot Route 53 uses."""
    name = name.strip().lower()
    return name if name.endswith(".") else name + "."


def host(name: str) -> str:
    """A host name as people write it: lower-case, no trailing dot."""
    return name.strip().lower().rstrip(".")


@dataclass(frozen=True)
class AliasTarget:
    dns_name: str
    hosted_zone_id: str
    evaluate_target_health: bool = False

    def normalised(self) -> "AliasTarget":
        return replace(self, dns_name=host(self.dns_name))


@dataclass(frozen=True)
class RecordKey:
    name: str
    type: str
    set_id: str | None = None

    def __str__(self) -> str:
        return f"{self.name} {self.type}" + (f" [{self.set_id}]" if self.set_id else "")


@dataclass(frozen=True)
class RecordSet:
    """One Route 53 resource record set (the unit of CREATE / UPSERT / DELETE)."""

    name: str                           # FQDN with trailing dot
    type: str
    set_id: str | None = None
    ttl: int | None = None
    values: tuple[str, ...] = ()
    alias: AliasTarget | None = None
    health_check_id: str | None = None
    weight: int | None = None
    failover: str | None = None
    continent: str | None = None
    country: str | None = None
    subdivision: str | None = None
    region: str | None = None
    canary_role: str | None = None      # not sent to AWS: which side of the canary this is

    @property
    def key(self) -> RecordKey:
        return RecordKey(self.name, self.type, self.set_id)

    @property
    def routing(self) -> str:
        if self.weight is not None:
            return "weighted"
        if self.failover:
            return "failover"
        if self.continent or self.country:
            return "geolocation"
        if self.region:
            return "latency"
        return "simple"

    def comparable(self) -> tuple:
        """What Route 53 stores, normalised so equal records compare equal."""
        values = tuple(sorted(host(v) if self.type == "CNAME" else v for v in self.values))
        alias = self.alias.normalised() if self.alias else None
        return (self.name, self.type, self.set_id, None if alias else self.ttl, values, alias,
                self.health_check_id, self.weight, self.failover, self.continent, self.country,
                self.subdivision, self.region)

    def same_as(self, other: "RecordSet") -> bool:
        return self.comparable() == other.comparable()

    def target_text(self) -> str:
        if self.alias:
            return f"alias {host(self.alias.dns_name)} ({self.alias.hosted_zone_id})"
        return ", ".join(self.values)

    def routing_text(self) -> str:
        details = {
            "weighted": f"weight {self.weight}",
            "failover": f"{self.failover}",
            "geolocation": self.location_text(),
            "latency": f"region {self.region}",
            "simple": "",
        }[self.routing]
        check = f", health check {self.health_check_id}" if self.health_check_id else ""
        return f"{self.routing} {details}".strip() + check

    def location_text(self) -> str:
        if self.continent:
            return f"continent {self.continent}"
        if self.country == "*":
            return "default (*)"
        return f"country {self.country}" + (f"/{self.subdivision}" if self.subdivision else "")

    def describe(self) -> str:
        ttl = f"ttl {self.ttl}, " if self.ttl is not None and not self.alias else ""
        return f"{self.target_text()} ({ttl}{self.routing_text()})"

    def to_json(self) -> dict:
        return {"name": self.name, "type": self.type, "set_identifier": self.set_id,
                "routing": self.routing, "target": self.target_text(), "ttl": None if self.alias else self.ttl,
                "weight": self.weight, "failover": self.failover,
                "location": self.location_text() if self.routing == "geolocation" else None,
                "region": self.region, "health_check_id": self.health_check_id}


@dataclass(frozen=True)
class HealthCheckSettings:
    """What candlefish declares for a health check (the mutable and the immutable parts)."""

    name: str
    type: str
    fqdn: str
    path: str
    port: int
    interval: int
    failure_threshold: int
    search_string: str | None = None

    IMMUTABLE = ("type", "interval")

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True).encode()).hexdigest()[:16]

    def caller_reference(self, environment: str) -> str:
        """Stable for the same settings: a retried create after a crash returns the same check on AWS."""
        return f"candlefish-{environment}-{self.name}-{self.digest()}"

    def needs_replacement(self, other: "HealthCheckSettings") -> bool:
        return any(getattr(self, f) != getattr(other, f) for f in self.IMMUTABLE)

    def describe(self) -> str:
        return (f"{self.type} {self.fqdn}:{self.port}{self.path} every {self.interval}s, "
                f"{self.failure_threshold} failures")


@dataclass(frozen=True)
class HealthCheckState:
    """A health check that exists in the account and carries candlefish's tags."""

    id: str
    environment: str
    settings: HealthCheckSettings
    version: int = 1
