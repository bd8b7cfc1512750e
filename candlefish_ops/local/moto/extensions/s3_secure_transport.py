"""S3 bucket policies: `aws:SecureTransport` is true for requests to the emulator.

Every bucket of the storage stack denies `s3:*` when `aws:SecureTransport` is `false` (AWS's recommended
TLS-only policy). moto 5.2.5 does not know the `Bool` condition operator and ignores conditions it does not
know, so that Deny applied to every request: every PutObject and GetObject on those buckets answered 403,
though any AWS SDK talks to S3 over TLS (the emulator's plain HTTP on 127.0.0.1 stands in for AWS's HTTPS
endpoint). `install()` wraps the bucket's permission check: a statement whose `Bool aws:SecureTransport`
condition does not hold for a TLS request (`"false"`) does not apply; one that does (`"true"`) applies with
that condition satisfied. Statements without that key are evaluated by moto as before.
"""

from __future__ import annotations

import json
from typing import Any

from candlefish_ops.local.moto.compat import patch

KEY = "aws:securetransport"
REQUEST_IS_SECURE = "true"


def _holds(expected: Any) -> bool:
    values = expected if isinstance(expected, list) else [expected]
    return any(str(value).lower() == REQUEST_IS_SECURE for value in values)


def applicable_statements(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The statements that apply to a TLS request, with the SecureTransport condition (satisfied) removed."""
    kept = []
    for statement in statements:
        condition = dict(statement.get("Condition") or {})
        boolean = {key: value for key, value in (condition.get("Bool") or {}).items()}
        secure = [key for key in boolean if key.lower() == KEY]
        if not secure:
            kept.append(statement)
            continue
        if not all(_holds(boolean[key]) for key in secure):
            continue  # e.g. Deny when SecureTransport is false: not this request
        rest = {key: value for key, value in boolean.items() if key not in secure}
        if rest:
            condition["Bool"] = rest
        else:
            condition.pop("Bool", None)
        kept.append({**{k: v for k, v in statement.items() if k != "Condition"},
                     **({"Condition": condition} if condition else {})})
    return kept


def install() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    original = FakeBucket.get_permission
    if getattr(original, "_candlefish", False):
        return

    def get_permission(self, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        statements = document.get("Statement", [])
        statements = applicable_statements(statements if isinstance(statements, list) else [statements])
        if not statements:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": statements})).is_action_permitted(action, resource)

    get_permission._candlefish = True  # type: ignore[attr-defined]
    patch(FakeBucket, "get_permission", get_permission)
