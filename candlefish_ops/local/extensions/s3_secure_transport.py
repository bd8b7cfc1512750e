"""S3 bucket policies see the emulator's requests as TLS requests (`aws:SecureTransport` = true).

moto 5.2.5 evaluates a bucket's policy on object calls but only understands `StringEquals` conditions and
takes any other condition as met, so a `Bool` condition on `aws:SecureTransport` matches whatever its value: the standard `DenyInsecureTransport` statement every
candlefish bucket carries (Deny s3:* when aws:SecureTransport is "false") refused every GetObject and
PutObject, although every AWS SDK call to S3 is made over TLS. The emulator only speaks plain HTTP on
127.0.0.1, so its callers stand for TLS clients here: a statement whose `Bool` condition on `aws:SecureTransport`
asks for "false" does not apply, one that asks for "true" applies (that condition met). A Deny on
`aws:SecureTransport: "true"` still denies. Other conditions are left to moto.
"""

from __future__ import annotations

import json
from typing import Any

_KEY = "aws:securetransport"


def applicable(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement with its aws:SecureTransport condition evaluated for a TLS request (None: not applicable)."""
    conditions = statement.get("Condition") or {}
    boolean = conditions.get("Bool") or {}
    keys = [key for key in boolean if key.lower() == _KEY]
    if not keys:
        return statement
    for key in keys:
        expected = boolean[key] if isinstance(boolean[key], list) else [boolean[key]]
        if "true" not in [str(value).lower() for value in expected]:
            return None
    rest = {k: v for k, v in boolean.items() if k not in keys}
    remaining = {op: values for op, values in conditions.items() if op != "Bool"}
    if rest:
        remaining["Bool"] = rest
    return {**{k: v for k, v in statement.items() if k != "Condition"}, **({"Condition": remaining} if remaining else {})}


def evaluated_policy(text: str) -> str:
    document = json.loads(text)
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    document["Statement"] = [s for s in (applicable(statement) for statement in statements) if s is not None]
    return json.dumps(document)


def install() -> None:
    from moto.s3.models import FakeBucket

    if getattr(FakeBucket.get_permission, "_candlefish", False):
        return

    def get_permission(self: Any, action: str, resource: str) -> Any:
        from moto.iam.access_control import IAMPolicy, PermissionResult

        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = evaluated_policy(self.policy.decode())
        if not json.loads(document)["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(document).is_action_permitted(action, resource)

    get_permission._candlefish = True  # type: ignore[attr-defined]
    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
