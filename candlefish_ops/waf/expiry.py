"""`--expires`: a duration (`30m`, `24h`, `7d`, `2w`) from now, or an ISO date/time (UTC unless it says)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from candlefish_ops.errors import ValidationError

_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_EXPIRY = timedelta(days=3650)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_expires(text: str | None, now: datetime) -> datetime | None:
    """The moment an entry expires; ValidationError for anything unclear or already past."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip().lower()
    match = _DURATION.match(cleaned)
    if match:
        amount = int(match.group(1))
        if amount == 0:
            raise ValidationError(f"--expires {text!r}: a duration must be more than zero")
        delta = timedelta(**{_UNITS[match.group(2)]: amount})
        if delta > MAX_EXPIRY:
            raise ValidationError(f"--expires {text!r}: more than 10 years; leave --expires out for no expiry")
        return now + delta
    try:
        moment = parse_iso(text)
    except ValueError:
        raise ValidationError(f"--expires {text!r}: use a duration like 30m, 24h, 7d, 2w or an ISO date like "
                              "2026-12-31 or 2026-12-31T18:00:00Z") from None
    if moment <= now:
        raise ValidationError(f"--expires {text!r} is in the past ({iso(moment)}; now {iso(now)})")
    return moment
