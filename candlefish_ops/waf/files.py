"""Import and export files of IP set entries.

Import reads either a plain list (one address or CIDR a line; `#` starts a comment, blank lines ignored) or a
CSV file whose header names an address column (`address`, `ip`, `cidr` or `network`) and optionally `reason`
and `expires` (or `expires_at`) columns. Export writes that CSV, so an export can be imported back.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, Sequence

from candlefish_ops.errors import ValidationError
from candlefish_ops.waf.addresses import Request
from candlefish_ops.waf.ledger import LedgerEntry

ADDRESS_COLUMNS = ("address", "ip", "cidr", "network")
EXPORT_COLUMNS = ("address", "reason", "expires_at", "added_by", "added_at", "origin")


def read_import_file(path: Path) -> list[Request]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(f"{path}: cannot read ({error})") from None
    return parse_import_text(text, str(path))


def parse_import_text(text: str, label: str) -> list[Request]:
    lines = text.splitlines()
    header_index = _first_content_line(lines)
    if header_index is not None and _is_csv_header(lines[header_index]):
        return _parse_csv(lines, header_index, label)
    return _parse_plain(lines, label)


def _first_content_line(lines: Sequence[str]) -> int | None:
    for index, line in enumerate(lines):
        if line.split("#", 1)[0].strip():
            return index
    return None


def _is_csv_header(line: str) -> bool:
    cells = [cell.strip().lower() for cell in next(csv.reader([line]))]
    return len(cells) > 1 or cells[0] in ADDRESS_COLUMNS


def _parse_plain(lines: Sequence[str], label: str) -> list[Request]:
    requests = []
    for number, line in enumerate(lines, start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            requests.append(Request(content, f"{label} line {number}"))
    return requests


def _parse_csv(lines: Sequence[str], header_index: int, label: str) -> list[Request]:
    rows = list(csv.reader(lines[header_index:]))
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((name for name in ADDRESS_COLUMNS if name in header), None)
    if column is None:
        raise ValidationError(f"{label}: the CSV header {rows[0]} has no address column "
                              f"(name one of: {', '.join(ADDRESS_COLUMNS)})")
    expires_column = next((name for name in ("expires", "expires_at") if name in header), None)
    requests = []
    for offset, row in enumerate(rows[1:], start=header_index + 2):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        values = dict(zip(header, (cell.strip() for cell in row)))
        requests.append(Request(values.get(column, ""), f"{label} line {offset}",
                                reason=values.get("reason") or None,
                                expires=values.get(expires_column) or None if expires_column else None))
    return requests


def export_csv(entries: Iterable[LedgerEntry]) -> str:
    """The entries as CSV; cells that a spreadsheet would run as a formula are neutralised (`ui.csv_text`)."""
    from candlefish_ops.ui import csv_text

    return csv_text(EXPORT_COLUMNS, ([entry.address, entry.reason, entry.expires_at or "", entry.added_by,
                                      entry.added_at, entry.origin] for entry in entries))
