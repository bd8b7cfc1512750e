"""CloudFront invalidations report their status as AWS spells it.

moto 5.2.5 creates every invalidation with Status "COMPLETED"; AWS answers "InProgress" then "Completed",
and botocore's `invalidation_completed` waiter matches "Completed" exactly, so against moto it polled for
its full 10 minutes. Invalidations still complete at once in the emulator.
"""

from __future__ import annotations

from candlefish_ops.local.moto.compat import patch


def install() -> None:
    from moto.cloudfront.models import Invalidation

    original = Invalidation.__init__
    if getattr(original, "_candlefish", False):
        return

    def __init__(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        self.status = "Completed"

    __init__._candlefish = True  # type: ignore[attr-defined]
    patch(Invalidation, "__init__", __init__)
