"""Lambda@Edge replicas: a version CloudFront uses, or used until recently, cannot be deleted.

AWS replicates an associated version to CloudFront's regions; DeleteFunction on it fails with
InvalidParameterValueException ("... because it is a replicated function") while the association exists
and for hours after it is removed, until CloudFront has deleted the replicas ("Deleting Lambda@Edge
functions and replicas", CloudFront developer guide). moto deletes anything. Here a version stays
replicated while any distribution associates it and for CANDLEFISH_EMULATOR_REPLICA_SECONDS (default
3600) after the last association went away, so `candlefish edge prune` meets the refusal it must handle.
"""

from __future__ import annotations

import os
import time
from typing import Any

from candlefish_ops.local.moto.compat import backend, patch

_DETACHED_AT = "_candlefish_detached_at"


def _cloudfront(account_id: str, region_name: str) -> Any:
    from moto.utilities.utils import get_partition

    return backend("cloudfront", account_id, get_partition(region_name))


def associated_arns(backend: Any) -> set[str]:
    arns: set[str] = set()
    for distribution in backend.distributions.values():
        config = distribution.distribution_config
        behaviours = [config.DefaultCacheBehavior, *((config.CacheBehaviors or {}).get("Items") or [])]
        for behaviour in behaviours:
            for item in (getattr(behaviour, "lambda_function_associations", None) or {}).get("Items") or []:
                arns.add(item["LambdaFunctionARN"])
    return arns


def _tracking(method):
    """Note when an ARN stops being associated by any distribution of this backend."""

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = associated_arns(self)
        result = method(self, *args, **kwargs)
        detached = getattr(self, _DETACHED_AT, None)
        if detached is None:
            detached = {}
            setattr(self, _DETACHED_AT, detached)
        now = time.time()
        for arn in before - associated_arns(self):
            detached[arn] = now
        return result

    wrapper._candlefish = True  # type: ignore[attr-defined]
    return wrapper


def _replica_seconds() -> float:
    return float(os.environ.get("CANDLEFISH_EMULATOR_REPLICA_SECONDS", "3600"))


def _refusing_replicated(method):
    def delete_function(self: Any, function_name: str, qualifier: str | None = None) -> None:
        from moto.awslambda.exceptions import InvalidParameterValueException

        if qualifier and qualifier != "$LATEST":
            arn = self.get_function(function_name, qualifier).function_arn
            cloudfront = _cloudfront(self.account_id, self.region_name)
            detached = getattr(cloudfront, _DETACHED_AT, {}).get(arn)
            if arn in associated_arns(cloudfront) or (detached and time.time() - detached < _replica_seconds()):
                raise InvalidParameterValueException(
                    f"Lambda was unable to delete {arn} because it is a replicated function. Please see our "
                    "documentation for Deleting Lambda@Edge Functions and Replicas.")
        return method(self, function_name, qualifier)

    delete_function._candlefish = True  # type: ignore[attr-defined]
    return delete_function


def install() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.cloudfront.models import CloudFrontBackend

    for name in ("update_distribution", "delete_distribution"):
        if not getattr(getattr(CloudFrontBackend, name), "_candlefish", False):
            patch(CloudFrontBackend, name, _tracking(getattr(CloudFrontBackend, name)))
    if not getattr(LambdaBackend.delete_function, "_candlefish", False):
        patch(LambdaBackend, "delete_function", _refusing_replicated(LambdaBackend.delete_function))
