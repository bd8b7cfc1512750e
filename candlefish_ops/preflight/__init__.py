"""`candlefish preflight ENV`: checks that AWS would fail (or bill) a deploy for, run before its first change.

Each check gives PASS, WARN or FAIL with what to do. The checks are pure functions over what the service
module reads from AWS (`candlefish_ops/preflight/service.py`); `deploy` runs them before its first change
set and `deploy --plan` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    target: str          # what was checked, e.g. "security (us-east-1) WebAcl"
    status: str          # PASS | WARN | FAIL
    detail: str
    fix: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"check": self.name, "target": self.target, "status": self.status, "detail": self.detail,
                "fix": self.fix, **({"data": dict(self.data)} if self.data else {})}


@dataclass(frozen=True)
class PreflightReport:
    environment: str
    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.status == FAIL)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {"environment": self.environment, "ok": self.ok, "checks": [c.to_dict() for c in self.checks]}
