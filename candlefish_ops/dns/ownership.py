"""Which records candlefish manages: the ownership marker.

Ownership rule: candlefish writes, in the same atomic change batch as the records, a TXT record
`_candlefish-<env>.<zone>` whose values list the keys (name, type, set identifier) of every record set it
manages for that environment. A record set is managed when it is declared in config now, or listed in the
marker (then it was declared before and may be deleted). Nothing else in the zone is ever changed; a
declared record that already exists unmanaged is adopted only when identical, or with `--adopt`.
"""

from __future__ import annotations

from candlefish_ops.dns.model import RecordKey, RecordSet, fqdn

MARKER_TTL = 300
_HEADER = "candlefish-managed v1 env={env}; do not edit: lists the record sets candlefish manages"
_PREFIX = "rec "
_CHUNK = 255


def marker_name(environment: str, zone: str) -> str:
    return fqdn(f"_candlefish-{environment}.{zone}")


def relative(name: str, zone: str) -> str:
    zone = fqdn(zone)
    if name == zone:
        return "@"
    return name[: -len(zone) - 1] if name.endswith("." + zone) else name


def absolute(name: str, zone: str) -> str:
    return fqdn(zone) if name == "@" else fqdn(f"{name}.{zone}") if not name.endswith(".") else name


def marker_record(environment: str, zone: str, keys) -> RecordSet:
    entries = sorted(f"{relative(k.name, zone)}|{k.type}|{k.set_id or ''}" for k in keys)
    values = [_txt(_HEADER.format(env=environment))] + [_txt(_PREFIX + entry) for entry in entries]
    return RecordSet(marker_name(environment, zone), "TXT", ttl=MARKER_TTL, values=tuple(values))


def owned_keys(marker: RecordSet | None, zone: str) -> frozenset[RecordKey]:
    """The keys the marker lists (none when there is no marker yet)."""
    if marker is None:
        return frozenset()
    keys = set()
    for value in marker.values:
        text = _untxt(value)
        if text.startswith(_PREFIX):
            name, record_type, set_id = text[len(_PREFIX):].split("|", 2)
            keys.add(RecordKey(absolute(name, zone), record_type, set_id or None))
    return frozenset(keys)


def _txt(text: str) -> str:
    """A TXT value: quoted character-strings of at most 255 characters each."""
    chunks = [text[i:i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
    return " ".join('"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"' for chunk in chunks)


def _untxt(value: str) -> str:
    parts, current, quoted, escaped = [], [], False, False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            if quoted:
                parts.append("".join(current))
                current = []
            quoted = not quoted
        elif quoted:
            current.append(char)
    return "".join(parts)
