"""CloudFront monitoring subscriptions (a distribution's additional CloudWatch metrics) in the emulator.

moto 5.2.5 has neither the API (CreateMonitoringSubscription, GetMonitoringSubscription,
DeleteMonitoringSubscription: POST/GET/DELETE /2020-05-31/distributions/{Id}/monitoring-subscription)
nor the CloudFormation resource AWS::CloudFront::MonitoringSubscription. Here both exist, as AWS
documents them (CloudFront API Reference, "CreateMonitoringSubscription" and its siblings; CloudFormation
Template Reference, "AWS::CloudFront::MonitoringSubscription"):
- the subscription belongs to one distribution: NoSuchDistribution (404) for an unknown one,
  MonitoringSubscriptionAlreadyExists (409) for a second create, NoSuchMonitoringSubscription (404)
  when reading or deleting one that does not exist;
- RealtimeMetricsSubscriptionStatus is Enabled or Disabled;
- the resource's Ref is the distribution id; changing DistributionId replaces it, changing the status
  updates it in place.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, get_partition, properties_of
from candlefish_ops.local.moto.compat import add, backend

_PATH = "{0}/2020-05-31/distributions/(?P<distribution_id>[^/]+)/monitoring-subscription/?$"
_STATUSES = ("Enabled", "Disabled")


def _backend(account_id: str, region_name: str) -> Any:
    return backend("cloudfront", account_id, get_partition(region_name))


def _subscriptions(backend: Any) -> dict[str, str]:
    """Distribution id -> RealtimeMetricsSubscriptionStatus, kept on moto's CloudFront backend."""
    if not hasattr(backend, "candlefish_monitoring_subscriptions"):
        backend.candlefish_monitoring_subscriptions = {}
    return backend.candlefish_monitoring_subscriptions


def _error(code: str, message: str) -> Exception:
    """A CloudFront error; its HTTP status comes from the error shape in botocore's model."""
    from moto.cloudfront.exceptions import CloudFrontException

    return CloudFrontException(code, message)


def _distribution(backend: Any, distribution_id: str) -> None:
    if distribution_id not in backend.distributions:
        raise _error("NoSuchDistribution", "The specified distribution does not exist.")


def _status_of(subscription: dict[str, Any]) -> str:
    status = ((subscription or {}).get("RealtimeMetricsSubscriptionConfig") or {}).get(
        "RealtimeMetricsSubscriptionStatus")
    if status not in _STATUSES:
        raise _error("InvalidArgument", f"RealtimeMetricsSubscriptionStatus must be one of {', '.join(_STATUSES)}, "
                     f"not {status!r}.")
    return status


def create_subscription(backend: Any, distribution_id: str, subscription: dict[str, Any]) -> str:
    _distribution(backend, distribution_id)
    status = _status_of(subscription)
    if distribution_id in _subscriptions(backend):
        raise _error("MonitoringSubscriptionAlreadyExists", "A monitoring subscription already exists for the "
                     "specified distribution.")
    _subscriptions(backend)[distribution_id] = status
    return status


def get_subscription(backend: Any, distribution_id: str) -> str:
    _distribution(backend, distribution_id)
    status = _subscriptions(backend).get(distribution_id)
    if status is None:
        raise _error("NoSuchMonitoringSubscription", "A monitoring subscription does not exist for the specified "
                     "distribution.")
    return status


def delete_subscription(backend: Any, distribution_id: str) -> None:
    get_subscription(backend, distribution_id)
    del _subscriptions(backend)[distribution_id]


def _answer(status: str) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"MonitoringSubscription": {
        "RealtimeMetricsSubscriptionConfig": {"RealtimeMetricsSubscriptionStatus": status}}})


def _create_monitoring_subscription(self: Any) -> Any:
    return _answer(create_subscription(self.backend, self._get_param("DistributionId"),
                                       self._get_param("MonitoringSubscription", {})))


def _get_monitoring_subscription(self: Any) -> Any:
    return _answer(get_subscription(self.backend, self._get_param("DistributionId")))


def _delete_monitoring_subscription(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    delete_subscription(self.backend, self._get_param("DistributionId"))
    return EmptyResult()


class CfnMonitoringSubscription(BackendHandle, CloudFormationModel):
    """AWS::CloudFront::MonitoringSubscription: Ref = the distribution id."""

    cfn_type = "AWS::CloudFront::MonitoringSubscription"
    ref_attribute = "distribution_id"

    def __init__(self, distribution_id: str) -> None:
        self.distribution_id = distribution_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnMonitoringSubscription:
        props = properties_of(cloudformation_json)
        create_subscription(_backend(account_id, region_name), props["DistributionId"],
                            props.get("MonitoringSubscription") or {})
        return cls(props["DistributionId"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CfnMonitoringSubscription, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> CfnMonitoringSubscription:
        props = properties_of(cloudformation_json)
        if props["DistributionId"] != original_resource.distribution_id:  # "Update requires: Replacement"
            return super().update_from_cloudformation_json(original_resource, new_resource_name,
                                                           cloudformation_json, account_id, region_name)
        backend = _backend(account_id, region_name)
        _subscriptions(backend)[original_resource.distribution_id] = _status_of(
            props.get("MonitoringSubscription") or {})
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _subscriptions(_backend(account_id, region_name)).pop(self.distribution_id, None)


def install() -> None:
    """Route the three operations to CloudFront's responses; the model registers itself by subclassing."""
    from moto.cloudfront import urls
    from moto.cloudfront.responses import CloudFrontResponse

    urls.url_paths.setdefault(_PATH, CloudFrontResponse.dispatch)
    for name, handler in (("create_monitoring_subscription", _create_monitoring_subscription),
                          ("get_monitoring_subscription", _get_monitoring_subscription),
                          ("delete_monitoring_subscription", _delete_monitoring_subscription)):
        add(CloudFrontResponse, name, handler)  # moto 5.2.5 has none of the three
