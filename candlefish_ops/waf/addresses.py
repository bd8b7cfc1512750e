"""Addresses and CIDR ranges for WAF IP sets: strict parsing with the standard library (`ipaddress`), the
rules for what may be blocked, and the set arithmetic (duplicates, entries covered by wider ranges).

WAF (and so the emulator) would accept garbage; everything is checked here before any call.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Iterable, Sequence, Union

from candlefish_ops.errors import ValidationError

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

# Never blockable (blocking them means nothing or breaks everything).
_FORBIDDEN = [(ipaddress.ip_network(net), what) for net, what in (
    ("0.0.0.0/8", "the unspecified/'this network' range 0.0.0.0/8"),
    ("127.0.0.0/8", "the loopback range 127.0.0.0/8"),
    ("::/128", "the unspecified address ::"),
    ("::1/128", "the loopback address ::1"),
)]
# Blockable only deliberately (--allow-private / waf.allow_private): they never reach CloudFront from outside.
_PRIVATE = [(ipaddress.ip_network(net), what) for net, what in (
    ("10.0.0.0/8", "the private range 10.0.0.0/8"),
    ("172.16.0.0/12", "the private range 172.16.0.0/12"),
    ("192.168.0.0/16", "the private range 192.168.0.0/16"),
    ("100.64.0.0/10", "the carrier-grade NAT range 100.64.0.0/10"),
    ("169.254.0.0/16", "the link-local range 169.254.0.0/16"),
    ("fc00::/7", "the unique-local range fc00::/7"),
    ("fe80::/10", "the link-local range fe80::/10"),
)]


@dataclass(frozen=True)
class Request:
    """One entry as the user gave it (`where` says where: an argument number or a file line); an import file's
    rows may carry their own reason and expiry."""

    text: str
    where: str = ""
    reason: str | None = None
    expires: str | None = None


def version_of(network: Network) -> str:
    return "v4" if network.version == 4 else "v6"


def parse_network(text: str) -> Network:
    """A CIDR network from an address or CIDR; ValueError with the reason (and the likely fix)."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty entry")
    if "%" in cleaned:
        raise ValueError("IPv6 zone indexes (%...) have no meaning at the edge; remove it")
    try:
        network = ipaddress.ip_network(cleaned, strict=True)
    except ValueError as error:
        if "host bits set" in str(error):
            meant = ipaddress.ip_network(cleaned, strict=False)
            raise ValueError(f"has host bits set; did you mean {meant}?") from None
        raise ValueError("is not an IPv4 or IPv6 address or CIDR range") from None
    if network.version == 6 and network.network_address.ipv4_mapped is not None:
        raise ValueError(f"is an IPv4-mapped IPv6 address; use {network.network_address.ipv4_mapped} instead")
    if network.prefixlen == 0:
        raise ValueError("/0 would match every address (and WAF refuses it)")
    return network


def blocking_problem(network: Network, allow_private: bool) -> str | None:
    """Why this range must not be blocked, or None."""
    for special, what in _FORBIDDEN:
        if network.version == special.version and network.overlaps(special):
            return f"overlaps {what}, which must never be blocked"
    if not allow_private:
        for special, what in _PRIVATE:
            if network.version == special.version and network.overlaps(special):
                return f"overlaps {what}; pass --allow-private to block it deliberately"
    return None


def allowing_problem(network: Network) -> str | None:
    for special, what in _FORBIDDEN:
        if network.version == special.version and network.overlaps(special):
            return f"overlaps {what}, which cannot reach the edge"
    return None


def parse_batch(requests: Sequence[Request], purpose: str, allow_private: bool = False) -> list[Network]:
    """Parse and check the whole batch; one bad entry rejects it, with every bad entry listed.

    `purpose` is "block", "allow" or "remove" (removal only needs well-formed entries)."""
    networks, problems = [], []
    for request in requests:
        try:
            network = parse_network(request.text)
        except ValueError as error:
            problems.append(_problem(request, str(error)))
            continue
        problem = (blocking_problem(network, allow_private) if purpose == "block"
                   else allowing_problem(network) if purpose == "allow" else None)
        if problem:
            problems.append(_problem(request, problem))
        networks.append(network)
    if problems:
        raise ValidationError(f"{len(problems)} of {len(requests)} entries rejected, nothing was changed: "
                              + "; ".join(problems))
    if not requests:
        raise ValidationError("no addresses given: pass at least one IP address or CIDR range")
    return networks


def _problem(request: Request, message: str) -> str:
    where = f"{request.where}: " if request.where else ""
    return f"{where}{request.text.strip()!r} {message}"


class NetworkIndex:
    """The entries of one IP set, answering "is this range already covered?" in a few set lookups."""

    def __init__(self, entries: Iterable[str | Network] = ()) -> None:
        self._entries: set[Network] = set()
        self._prefixes: set[tuple[int, int]] = set()
        for entry in entries:
            self.add(entry if not isinstance(entry, str) else _lenient(entry))

    def add(self, network: Network | None) -> None:
        if network is not None:
            self._entries.add(network)
            self._prefixes.add((network.version, network.prefixlen))

    def __contains__(self, network: Network) -> bool:
        return network in self._entries

    def covering(self, network: Network) -> Network | None:
        """A strictly wider entry that contains `network`, if any."""
        for version, prefix in sorted(self._prefixes):
            if version == network.version and prefix < network.prefixlen:
                wider = network.supernet(new_prefix=prefix)
                if wider in self._entries:
                    return wider
        return None

    def covered_by(self, network: Network) -> list[Network]:
        """Entries inside `network` (narrower or equal)."""
        return sorted((entry for entry in self._entries
                       if entry.version == network.version and entry.subnet_of(network)), key=str)


def _lenient(text: str) -> Network | None:
    """An entry already in WAF (normally valid; anything unparseable is ignored for coverage checks)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
