"""Route 53: hosted zones, record sets (paginated), atomic change batches with INSYNC polling, health checks
(stable caller references, tags) and DNSSEC status. Throttling is retried with backoff, never fatal."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable, Iterable

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from candlefish_ops.aws.base import client, error_code, translate
from candlefish_ops.aws.retry import Backoff, poll, retry
from candlefish_ops.aws.route53_values import AliasTarget, HealthCheckSettings, HealthCheckState, RecordSet, fqdn
from candlefish_ops.errors import AwsError, ConflictError

THROTTLE_CODES = {"Throttling", "ThrottlingException", "PriorRequestNotComplete", "RequestLimitExceeded"}
THROTTLE_BACKOFF = Backoff(first=0.5, factor=2, cap=10.0)
INSYNC_POLL = Backoff(first=1.0, factor=2, cap=10.0)
TAG_MANAGED_BY = "ManagedBy"
TAG_ENVIRONMENT = "Environment"
TAG_NAME = "candlefish:health-check"
_TAG_BATCH = 10                      # ListTagsForResources takes at most 10 ids


@dataclass(frozen=True)
class Zone:
    id: str                          # without the /hostedzone/ prefix
    name: str                        # FQDN with trailing dot
    private: bool
    record_count: int = 0


@dataclass(frozen=True)
class HealthCheck:
    """A health check as its checkers see it (any owner): what `report health` judges."""

    id: str
    target: str          # FQDN or IP, with the resource path
    kind: str            # HTTPS, HTTP, TCP, CALCULATED, ...
    observations: int
    healthy_observations: int
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def healthy(self) -> bool:
        """Route 53 considers an endpoint healthy when more than 18 % of its checkers report it healthy."""
        return self.observations > 0 and self.healthy_observations / self.observations > 0.18


class InterruptedWait(Exception):
    """Ctrl-C while polling get_change (the change itself is already submitted and atomic)."""

    def __init__(self, change_id: str) -> None:
        super().__init__(change_id)
        self.change_id = change_id


class Route53:
    """Route 53 (a global service: its endpoint is us-east-1)."""

    def __init__(self, session: boto3.Session, sleep: Callable[[float], None] = time.sleep,
                 throttle_retries: int = 8) -> None:
        self._client = client(session, "route53", "us-east-1")
        self._sleep = sleep
        self._throttle_retries = throttle_retries

    def _call(self, action: str, operation: str, **request):
        """One API call; throttling (about 5 requests/s per account) backs off and retries, on top of
        botocore's own attempts (a burst of dns commands outlasts those)."""
        try:
            return retry(lambda: getattr(self._client, operation)(**request), retryable=_throttled,
                         attempts=self._throttle_retries + 1, backoff=THROTTLE_BACKOFF, sleep=self._sleep)
        except (ClientError, BotoCoreError) as error:
            raise translate(error, action) from error

    # zones ---------------------------------------------------------------------------------------
    def find_zones(self, name: str) -> list[Zone]:
        """Every hosted zone called `name` (public and private)."""
        answer = self._call(f"looking up the hosted zone {name}", "list_hosted_zones_by_name",
                            DNSName=fqdn(name), MaxItems="100")
        return [_zone(z) for z in answer.get("HostedZones", []) if fqdn(z["Name"]) == fqdn(name)]

    def get_zone(self, zone_id: str) -> Zone:
        answer = self._call(f"reading hosted zone {zone_id}", "get_hosted_zone", Id=zone_id)
        return _zone(answer["HostedZone"])

    # records -------------------------------------------------------------------------------------
    def list_records(self, zone_id: str) -> tuple[RecordSet, ...]:
        """Every record set of the zone (all pages)."""
        records, request = [], {"HostedZoneId": zone_id, "MaxItems": "300"}
        while True:
            answer = self._call(f"listing records of zone {zone_id}", "list_resource_record_sets", **request)
            records.extend(record_from_api(r) for r in answer.get("ResourceRecordSets", []))
            if not answer.get("IsTruncated"):
                return tuple(records)
            request["StartRecordName"] = answer["NextRecordName"]
            request["StartRecordType"] = answer["NextRecordType"]
            if answer.get("NextRecordIdentifier"):
                request["StartRecordIdentifier"] = answer["NextRecordIdentifier"]
            else:
                request.pop("StartRecordIdentifier", None)

    def list_records_named(self, zone_id: str, name: str) -> tuple[RecordSet, ...]:
        """The record sets of one name only (starts the listing there: cheap in a large zone)."""
        name = fqdn(name)
        records, request = [], {"HostedZoneId": zone_id, "StartRecordName": name, "MaxItems": "100"}
        while True:
            answer = self._call(f"listing records {name}", "list_resource_record_sets", **request)
            page = [record_from_api(r) for r in answer.get("ResourceRecordSets", [])]
            records.extend(r for r in page if r.name == name)
            if not answer.get("IsTruncated") or any(r.name != name for r in page):
                return tuple(records)
            request.update(StartRecordName=answer["NextRecordName"], StartRecordType=answer["NextRecordType"])
            if answer.get("NextRecordIdentifier"):
                request["StartRecordIdentifier"] = answer["NextRecordIdentifier"]

    def change_records(self, zone_id: str, changes: Iterable[tuple[str, RecordSet]], comment: str) -> str:
        """Submit one atomic change batch; returns the change id. A batch Route 53 rejects because the zone
        changed under us raises ConflictError (code InvalidChangeBatch)."""
        batch = {"Comment": comment[:256],
                 "Changes": [{"Action": action, "ResourceRecordSet": record_to_api(record)}
                             for action, record in changes]}
        try:
            answer = self._call(f"changing records of zone {zone_id}", "change_resource_record_sets",
                                HostedZoneId=zone_id, ChangeBatch=batch)
        except AwsError as error:
            if error.code == "InvalidChangeBatch":
                raise ConflictError(str(error), error.code) from error
            raise
        return answer["ChangeInfo"]["Id"].rsplit("/", 1)[-1]

    def change_status(self, change_id: str) -> str:
        answer = self._call(f"reading change {change_id}", "get_change", Id=change_id)
        return answer["ChangeInfo"]["Status"]

    def wait_insync(self, change_id: str, timeout: float, progress: Callable[[str, float], None] | None = None,
                    clock: Callable[[], float] = time.monotonic) -> float:
        """Poll get_change until INSYNC; returns the seconds waited. Ctrl-C raises InterruptedWait."""
        start = clock()
        try:
            poll(lambda: self.change_status(change_id), lambda status: status == "INSYNC", timeout=timeout,
                 backoff=INSYNC_POLL, sleep=self._sleep, clock=clock, seen=progress,
                 expired=lambda status, _waited: AwsError(
                     f"change {change_id} is still {status} after {timeout:.0f}s; it is atomic and will complete: "
                     f"check with `aws route53 get-change --id {change_id}`"))
        except KeyboardInterrupt:
            raise InterruptedWait(change_id) from None
        return clock() - start

    # health checks -------------------------------------------------------------------------------
    def list_health_checks(self, environment: str) -> tuple[HealthCheckState, ...]:
        """The health checks candlefish created for `environment` (found by their tags)."""
        return tuple(_health_check_state(check, tags) for check, tags in self._health_checks_and_tags()
                     if tags.get(TAG_MANAGED_BY) == "candlefish" and tags.get(TAG_ENVIRONMENT) == environment
                     and TAG_NAME in tags)

    def observed_health_checks(self, wanted: Callable[[str, tuple[tuple[str, str], ...]], bool]) -> list[HealthCheck]:
        """The health checks `wanted(target, tags)` selects (any owner), with their checkers' latest
        observations (asked only for those)."""
        chosen = [(check, tuple(tags.items())) for check, tags in self._health_checks_and_tags()
                  if wanted(_target(check.get("HealthCheckConfig", {})), tuple(tags.items()))]
        return [self._observed(check, tags) for check, tags in chosen]

    def _health_checks_and_tags(self) -> list[tuple[dict, dict[str, str]]]:
        """Every health check of the account (all pages) with its tags."""
        checks, request = [], {}
        while True:
            answer = self._call("listing health checks", "list_health_checks", **request)
            checks.extend(answer.get("HealthChecks", []))
            if not answer.get("IsTruncated"):
                break
            request["Marker"] = answer["NextMarker"]
        tags = self._tags([c["Id"] for c in checks])
        return [(check, tags.get(check["Id"], {})) for check in checks]

    def _tags(self, ids: list[str]) -> dict[str, dict[str, str]]:
        result = {}
        for start in range(0, len(ids), _TAG_BATCH):
            answer = self._call("reading health-check tags", "list_tags_for_resources", ResourceType="healthcheck",
                                ResourceIds=ids[start:start + _TAG_BATCH])
            for tag_set in answer.get("ResourceTagSets", []):
                result[tag_set["ResourceId"]] = {t["Key"]: t.get("Value", "") for t in tag_set.get("Tags", [])}
        return result

    def _observed(self, check: dict, tags: tuple[tuple[str, str], ...]) -> HealthCheck:
        config = check.get("HealthCheckConfig", {})
        answer = self._call(f"reading health check {check['Id']} status", "get_health_check_status",
                            HealthCheckId=check["Id"])
        observations = answer.get("HealthCheckObservations", [])
        healthy = sum(1 for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success"))
        return HealthCheck(check["Id"], _target(config), config.get("Type", ""), len(observations), healthy, tags)

    def create_health_check(self, settings: HealthCheckSettings, environment: str, project: str) -> str:
        """Create (idempotent on AWS for the same caller reference and settings) and tag; returns the id."""
        reference = settings.caller_reference(environment)
        try:
            answer = self._call(f"creating health check {settings.name}", "create_health_check",
                                CallerReference=reference, HealthCheckConfig=_health_check_config(settings))
        except AwsError as error:
            if error.code != "HealthCheckAlreadyExists":   # reference used by a deleted check: take a new one
                raise
            answer = self._call(f"creating health check {settings.name}", "create_health_check",
                                CallerReference=f"{reference}-{uuid.uuid4().hex[:8]}",
                                HealthCheckConfig=_health_check_config(settings))
        check_id = answer["HealthCheck"]["Id"]
        tags = {TAG_MANAGED_BY: "candlefish", TAG_ENVIRONMENT: environment, TAG_NAME: settings.name,
                "Name": f"{project}-{environment}-{settings.name}"}
        self._call(f"tagging health check {settings.name}", "change_tags_for_resource", ResourceType="healthcheck",
                   ResourceId=check_id, AddTags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return check_id

    def update_health_check(self, state: HealthCheckState, settings: HealthCheckSettings) -> None:
        request = {"HealthCheckId": state.id, "HealthCheckVersion": state.version,
                   "FullyQualifiedDomainName": settings.fqdn, "ResourcePath": settings.path,
                   "Port": settings.port, "FailureThreshold": settings.failure_threshold,
                   "EnableSNI": settings.type.startswith("HTTPS")}
        if settings.search_string:
            request["SearchString"] = settings.search_string
        self._call(f"updating health check {settings.name}", "update_health_check", **request)

    def delete_health_check(self, check_id: str) -> None:
        self._call(f"deleting health check {check_id}", "delete_health_check", HealthCheckId=check_id)

    def health_check_status(self, check_id: str) -> str:
        """A summary of the checkers' last observations: healthy, unhealthy (n/m), or unknown."""
        try:
            answer = self._call(f"reading health check {check_id} status", "get_health_check_status",
                                HealthCheckId=check_id)
        except AwsError as error:
            return f"unknown ({error.code or 'error'})"
        reports = [o.get("StatusReport", {}).get("Status", "") for o in answer.get("HealthCheckObservations", [])]
        if not reports:
            return "unknown (no observations yet)"
        failing = sum(1 for r in reports if not r.startswith("Success"))
        return "healthy" if failing == 0 else f"unhealthy ({failing}/{len(reports)} checkers failing)"

    # DNSSEC --------------------------------------------------------------------------------------
    def dnssec_status(self, zone_id: str) -> str:
        """SIGNING / NOT_SIGNING / ... or `unknown (...)` when the service (or the emulator) cannot say."""
        try:
            answer = self._call(f"reading DNSSEC status of zone {zone_id}", "get_dnssec", HostedZoneId=zone_id)
        except AwsError as error:
            return f"unknown ({error.code or 'error'})"
        except NotImplementedError:
            return "unknown (not implemented)"
        return answer.get("Status", {}).get("ServeSignature", "unknown")


def record_to_api(record: RecordSet) -> dict:
    """The record set as Route 53's ResourceRecordSet."""
    wire: dict = {"Name": record.name, "Type": record.type}
    if record.set_id is not None:
        wire["SetIdentifier"] = record.set_id
    optional = {"Weight": record.weight, "Failover": record.failover, "Region": record.region,
                "HealthCheckId": record.health_check_id}
    wire.update({k: v for k, v in optional.items() if v is not None})
    geo = {"ContinentCode": record.continent, "CountryCode": record.country,
           "SubdivisionCode": record.subdivision}
    if record.continent or record.country:
        wire["GeoLocation"] = {k: v for k, v in geo.items() if v}
    if record.alias:
        wire["AliasTarget"] = {"HostedZoneId": record.alias.hosted_zone_id, "DNSName": record.alias.dns_name,
                                 "EvaluateTargetHealth": record.alias.evaluate_target_health}
    else:
        wire["TTL"] = record.ttl
        wire["ResourceRecords"] = [{"Value": v} for v in record.values]
    return wire


def record_from_api(data: dict) -> RecordSet:
    geo = data.get("GeoLocation") or {}
    alias = data.get("AliasTarget")
    return RecordSet(
        name=fqdn(data["Name"].replace("\\052", "*")), type=data["Type"], set_id=data.get("SetIdentifier"),
        ttl=data.get("TTL"), values=tuple(r["Value"] for r in data.get("ResourceRecords", [])),
        alias=AliasTarget(alias["DNSName"], alias["HostedZoneId"], bool(alias.get("EvaluateTargetHealth")))
        if alias else None,
        health_check_id=data.get("HealthCheckId"), weight=data.get("Weight"), failover=data.get("Failover"),
        continent=geo.get("ContinentCode"), country=geo.get("CountryCode"),
        subdivision=geo.get("SubdivisionCode"), region=data.get("Region"))


def _throttled(error: Exception) -> bool:
    return isinstance(error, ClientError) and error_code(error) in THROTTLE_CODES


def _zone(data: dict) -> Zone:
    return Zone(data["Id"].rsplit("/", 1)[-1], fqdn(data["Name"]), bool(data.get("Config", {}).get("PrivateZone")),
                int(data.get("ResourceRecordSetCount", 0)))


def _health_check_config(settings: HealthCheckSettings) -> dict:
    config = {"Type": settings.type, "FullyQualifiedDomainName": settings.fqdn, "ResourcePath": settings.path,
              "Port": settings.port, "RequestInterval": settings.interval,
              "FailureThreshold": settings.failure_threshold, "EnableSNI": settings.type.startswith("HTTPS")}
    if settings.search_string:
        config["SearchString"] = settings.search_string
    return config


def _health_check_state(data: dict, tags: dict[str, str]) -> HealthCheckState:
    config = data["HealthCheckConfig"]
    settings = HealthCheckSettings(
        name=tags[TAG_NAME], type=config["Type"], fqdn=config.get("FullyQualifiedDomainName", ""),
        path=config.get("ResourcePath", "/"), port=int(config.get("Port", 443)),
        interval=int(config.get("RequestInterval", 30)), failure_threshold=int(config.get("FailureThreshold", 3)),
        search_string=config.get("SearchString"))
    return HealthCheckState(data["Id"], tags[TAG_ENVIRONMENT], settings, int(data.get("HealthCheckVersion", 1)))


def _target(config: dict) -> str:
    """What a health check probes: FQDN or IP, then the resource path."""
    return (config.get("FullyQualifiedDomainName") or config.get("IPAddress") or "") + (config.get("ResourcePath") or "")
