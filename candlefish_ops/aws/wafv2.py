"""WAFv2 IP sets: find by name and scope, read with the LockToken, replace the address list.

`UpdateIPSet` replaces the whole list and needs the LockToken of the last `GetIPSet`; a stale token raises
`LockConflict` (a ConflictError) so the caller can re-read and re-apply its change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

import boto3
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code, translate
from candlefish_ops.aws.retry import Backoff, retry
from candlefish_ops.errors import ConflictError, NotFoundError

# between lock conflicts: full jitter over 0.2 s, 0.4 s, 0.8 s, ... (as many writers as may race stay apart)
LOCK_BACKOFF = Backoff(first=0.2, factor=2, cap=30.0, jitter=True)


class LockConflict(ConflictError):
    """Another writer changed the IP set since we read it (WAFOptimisticLockException)."""


@dataclass(frozen=True)
class IpSetRef:
    name: str
    id: str
    arn: str
    scope: str


def ref_from_arn(arn: str) -> IpSetRef | None:
    """The IP set an ARN names (`arn:aws:wafv2:REGION:ACCOUNT:global|regional/ipset/NAME/ID`), or None."""
    parts = arn.split(":", 5)
    resource = parts[5].split("/") if len(parts) == 6 and parts[2] == "wafv2" else []
    if len(resource) != 4 or resource[0] not in ("global", "regional") or resource[1] != "ipset":
        return None
    return IpSetRef(resource[2], resource[3], arn, "CLOUDFRONT" if resource[0] == "global" else "REGIONAL")


@dataclass(frozen=True)
class IpSetState:
    ref: IpSetRef
    ip_version: str  # IPV4 | IPV6
    addresses: frozenset[str]
    lock_token: str


class WafV2:
    """IP sets of one scope in one region."""

    def __init__(self, session: boto3.Session, region: str, scope: str = "CLOUDFRONT",
                 sleep: Callable[[float], None] = time.sleep, page_size: int = 100) -> None:
        self.region = region
        self.scope = scope
        self.page_size = page_size
        self._client = client(session, "wafv2", region)
        self._sleep = sleep

    def find_ip_sets(self, names: list[str]) -> dict[str, IpSetRef]:
        """The IP sets with these names (paginated `ListIPSets`); NotFoundError names any missing."""
        found = self.existing_ip_sets(names)
        missing = [name for name in names if name not in found]
        if missing:
            raise NotFoundError(f"IP set(s) {', '.join(missing)} not found ({self.scope}, {self.region}): deploy "
                                "the security stack or set waf.ip_sets in the config")
        return found

    def create_ip_set(self, name: str, ip_version: str, description: str, tags: dict[str, str]) -> IpSetRef:
        """A new, empty IP set (the caller owns its addresses from then on)."""
        with aws_errors(f"creating IP set {name} ({self.scope}, {self.region})"):
            summary = self._client.create_ip_set(
                Name=name, Scope=self.scope, IPAddressVersion=ip_version, Addresses=[], Description=description,
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Summary"]
        return IpSetRef(summary["Name"], summary["Id"], summary["ARN"], self.scope)

    def existing_ip_sets(self, names: list[str]) -> dict[str, IpSetRef]:
        """Those of the named IP sets that exist (paginated `ListIPSets`)."""
        found: dict[str, IpSetRef] = {}
        request = {"Scope": self.scope, "Limit": self.page_size}
        with aws_errors(f"listing {self.scope} IP sets in {self.region}"):
            while True:
                answer = self._client.list_ip_sets(**request)
                for summary in answer.get("IPSets", []):
                    if summary["Name"] in names:
                        found[summary["Name"]] = IpSetRef(summary["Name"], summary["Id"], summary["ARN"], self.scope)
                marker = answer.get("NextMarker")
                if not marker or not answer.get("IPSets") or len(found) == len(set(names)):
                    break
                request["NextMarker"] = marker
        return found

    def get_ip_set(self, ref: IpSetRef) -> IpSetState:
        with aws_errors(f"reading IP set {ref.name}"):
            answer = self._client.get_ip_set(Name=ref.name, Scope=ref.scope, Id=ref.id)
        ip_set = answer["IPSet"]
        return IpSetState(ref, ip_set["IPAddressVersion"], frozenset(ip_set.get("Addresses", [])),
                          answer["LockToken"])

    def update_ip_set(self, state: IpSetState, addresses: list[str]) -> str:
        """Replace the addresses of the set read as `state`; returns the next LockToken."""
        ref = state.ref
        try:
            answer = self._client.update_ip_set(Name=ref.name, Scope=ref.scope, Id=ref.id,
                                                Addresses=addresses, LockToken=state.lock_token)
        except ClientError as error:
            if error_code(error) == "WAFOptimisticLockException":
                raise LockConflict(f"IP set {ref.name} changed while we were writing it",
                                   "WAFOptimisticLockException") from error
            raise translate(error, f"updating IP set {ref.name}") from error
        return answer.get("NextLockToken", "")

    def read_modify_write(self, state: IpSetState, apply: Callable[[IpSetState], list[str] | None],
                          retries: int = 5) -> tuple[IpSetState, int]:
        """Write `apply(state)` (None: nothing to write); on a lock conflict re-read and re-apply the same
        change, at most `retries` times, sleeping a jittered, growing delay between attempts.

        Returns the state as written (addresses and the next LockToken) and the number of conflicts met."""
        current, conflicts = state, 0

        def attempt() -> IpSetState:
            addresses = apply(current)
            if addresses is None:
                return current
            token = self.update_ip_set(current, addresses)
            return replace(current, addresses=frozenset(addresses), lock_token=token)

        def reread(_error: Exception, failures: int) -> None:
            nonlocal current, conflicts
            current, conflicts = self.get_ip_set(current.ref), failures

        written = retry(attempt, retryable=lambda error: isinstance(error, LockConflict), attempts=retries + 1,
                        backoff=LOCK_BACKOFF, sleep=self._sleep, before_retry=reread,
                        exhausted=lambda _error, failures: LockConflict(
                            f"IP set {state.ref.name} kept changing under us ({failures} lock conflicts); nothing "
                            "of this batch was written to it: rerun the command", "WAFOptimisticLockException"))
        return written, conflicts


def check_capacity(session: boto3.Session, region: str, scope: str, rules: list[dict]) -> int:
    """The WCU that `rules` need in a web ACL of `scope` (WAF's `CheckCapacity`)."""
    with aws_errors(f"computing the WAF capacity of {len(rules)} rule(s) ({scope}, {region})"):
        return int(client(session, "wafv2", region).check_capacity(Scope=scope, Rules=rules)["Capacity"])
