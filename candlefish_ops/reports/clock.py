"""The one place "today" comes from: the system clock, or CANDLEFISH_TODAY=YYYY-MM-DD (tests, reruns of a
past day's report). The emulator's seed hook reads it here too, so its data matches the report's requests."""

from __future__ import annotations

import os
from datetime import date, datetime, timezone

from candlefish_ops.errors import ValidationError

TODAY_ENV = "CANDLEFISH_TODAY"


def today() -> date:
    """Today in UTC (Cost Explorer's days are UTC days)."""
    text = os.environ.get(TODAY_ENV, "").strip()
    if not text:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{TODAY_ENV}={text!r} is not a date: use YYYY-MM-DD or unset it") from None
