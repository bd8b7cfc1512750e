"""CloudFront cache, origin request and response headers policies: CloudFormation models and the API.

moto 5.2.5 has neither: `AWS::CloudFront::CachePolicy`, `OriginRequestPolicy` and `ResponseHeadersPolicy`
were skipped ("not emulated"), a distribution's `!Ref` to one was a dangling name, and GetCachePolicy,
ListCachePolicies, GetOriginRequestPolicy, GetResponseHeadersPolicy (and their List / Get...Config
siblings) answered 404. Here:

- the three resource types materialise in moto's CloudFront backend (`Ref` = `GetAtt Id` = the policy id,
  `GetAtt LastModifiedTime`; an update changes the policy in place and keeps its id, as CloudFront does);
- the API reads them back in CloudFront's own REST-XML shapes (moto serialises them from botocore's model,
  so boto3's cloudfront client parses them like AWS's answers);
- AWS's managed policies that templates reference by id exist in every account, with the settings the
  CloudFront developer guide documents ("Use managed cache policies", "Use managed origin request
  policies"). Only the ones candlefish's templates use are modelled (MANAGED_* below).

CreateCachePolicy / UpdateCachePolicy / Delete* through the API are not modelled (CloudFormation is the
only writer in candlefish).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, get_partition, properties_of
from candlefish_ops.local.moto.compat import add, backend, patch

KINDS = ("cache", "origin-request", "response-headers")
_STORE = "_candlefish_policies"

# --- AWS managed policies (ids and settings from the CloudFront developer guide) ----------------------------

def _items(values: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(values), "Items": list(values)} if values else {"Quantity": 0}


MANAGED_CACHE: dict[str, dict[str, Any]] = {
    # Managed-CachingOptimized: TTLs 1 s / 1 day / 1 year, nothing in the key but the normalised encoding.
    "658327ea-f89d-4fab-a63d-7e88639e58f6": {
        "Name": "Managed-CachingOptimized", "Comment": "Policy with caching enabled. Supports Gzip and Brotli compression.",
        "MinTTL": 1, "DefaultTTL": 86400, "MaxTTL": 31536000,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": True, "EnableAcceptEncodingBrotli": True,
            "HeadersConfig": {"HeaderBehavior": "none"}, "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "none"}}},
    # Managed-CachingDisabled: TTLs 0/0/0, nothing in the cache key, compressed objects not cached apart.
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": {
        "Name": "Managed-CachingDisabled", "Comment": "Policy with caching disabled",
        "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 0,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": False, "EnableAcceptEncodingBrotli": False,
            "HeadersConfig": {"HeaderBehavior": "none"}, "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "none"}}},
    # Managed-UseOriginCacheControlHeaders: MinTTL 0, DefaultTTL 0, MaxTTL one year; cache key Host, Origin,
    # X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override, all cookies, no query strings; Gzip + Brotli.
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": {
        "Name": "UseOriginCacheControlHeaders",
        "Comment": "Policy for origins that return Cache-Control headers. Query strings are not included in the cache key.",
        "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 31536000,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": True, "EnableAcceptEncodingBrotli": True,
            "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": _items(
                ["host", "origin", "x-http-method-override", "x-http-method", "x-method-override"])},
            "CookiesConfig": {"CookieBehavior": "all"},
            "QueryStringsConfig": {"QueryStringBehavior": "none"}}},
}

MANAGED_ORIGIN_REQUEST: dict[str, dict[str, Any]] = {
    # Managed-AllViewerExceptHostHeader: every viewer header except Host, all cookies, all query strings.
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": {
        "Name": "Managed-AllViewerExceptHostHeader",
        "Comment": "Policy to forward all parameters in viewer requests except for the Host header",
        "HeadersConfig": {"HeaderBehavior": "allExcept", "Headers": _items(["host"])},
        "CookiesConfig": {"CookieBehavior": "all"},
        "QueryStringsConfig": {"QueryStringBehavior": "all"}},
}

MANAGED: dict[str, dict[str, dict[str, Any]]] = {"cache": MANAGED_CACHE, "origin-request": MANAGED_ORIGIN_REQUEST,
                                                   "response-headers": {}}
_CONFIG_KEY = {"cache": "CachePolicyConfig", "origin-request": "OriginRequestPolicyConfig",
               "response-headers": "ResponseHeadersPolicyConfig"}
_RESULT_KEY = {"cache": "CachePolicy", "origin-request": "OriginRequestPolicy",
               "response-headers": "ResponseHeadersPolicy"}
_MISSING = {"cache": ("NoSuchCachePolicy", "The cache policy does not exist."),
            "origin-request": ("NoSuchOriginRequestPolicy", "The origin request policy does not exist."),
            "response-headers": ("NoSuchResponseHeadersPolicy", "The response headers policy does not exist.")}
_EPOCH = datetime(2020, 7, 1, tzinfo=timezone.utc)


class Policy:
    """One policy: its id, API-shaped config, type (managed / custom) and modification time."""

    def __init__(self, kind: str, policy_id: str, config: dict[str, Any], managed: bool = False) -> None:
        self.kind, self.id, self.config, self.managed = kind, policy_id, config, managed
        self.last_modified = _EPOCH if managed else datetime.now(timezone.utc)
        self.etag = uuid.uuid4().hex[:14].upper()

    def result(self) -> dict[str, Any]:
        return {"Id": self.id, "LastModifiedTime": self.last_modified, _CONFIG_KEY[self.kind]: self.config}


def policies(backend: Any, kind: str) -> dict[str, Policy]:
    """The policies of `kind` in a CloudFront backend (managed ones first, created on first use)."""
    store = getattr(backend, _STORE, None)
    if store is None:
        store = {k: {pid: Policy(k, pid, config, managed=True) for pid, config in MANAGED[k].items()} for k in KINDS}
        setattr(backend, _STORE, store)
    return store[kind]


def _backend(account_id: str, region_name: str) -> Any:

    return backend("cloudfront", account_id, get_partition(region_name))


# --- CloudFormation shape -> CloudFront API shape ----------------------------------------------------------

def to_api(value: Any) -> Any:
    """CloudFormation lists become the API's {Quantity, Items}; a CloudFormation {Items: [...]} gets its Quantity."""
    if isinstance(value, list):
        return _items([to_api(item) for item in value])
    if isinstance(value, dict):
        if set(value) == {"Items"} and isinstance(value["Items"], list):
            return _items([to_api(item) for item in value["Items"]])
        return {key: to_api(item) for key, item in value.items()}
    return value


def _cors(config: dict[str, Any]) -> dict[str, Any]:
    api = dict(config)
    for key in ("AccessControlAllowOrigins", "AccessControlAllowHeaders", "AccessControlAllowMethods",
                "AccessControlExposeHeaders"):
        if key in api:
            value = api[key]
            api[key] = _items(value.get("Items", []) if isinstance(value, dict) else value)
    return api


def config_to_api(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    config = dict(config)
    cors = config.pop("CorsConfig", None)
    api = to_api(config)
    if cors is not None:
        api["CorsConfig"] = _cors(cors)
    if kind == "cache":
        api.setdefault("MinTTL", 0)
        api.setdefault("DefaultTTL", max(86400, api["MinTTL"]))
        api.setdefault("MaxTTL", max(31536000, api["DefaultTTL"]))
    return api


# --- CloudFormation models -----------------------------------------------------------------------------------

class _CfnPolicy(BackendHandle):
    kind = ""
    ref_attribute = "policy_id"
    attributes = {"Id": "policy_id", "LastModifiedTime": "last_modified"}

    def __init__(self, policy: Policy) -> None:
        self.policy_id = policy.id
        self.last_modified = policy.last_modified.isoformat()

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> Any:
        config = config_to_api(cls.kind, properties_of(cloudformation_json)[_CONFIG_KEY[cls.kind]])
        policy = Policy(cls.kind, str(uuid.uuid4()), config)
        policies(_backend(account_id, region_name), cls.kind)[policy.id] = policy
        return cls(policy)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        """UpdateCachePolicy (and siblings) replace the config and keep the id."""
        config = config_to_api(cls.kind, properties_of(cloudformation_json)[_CONFIG_KEY[cls.kind]])
        stored = policies(_backend(account_id, region_name), cls.kind)
        policy = Policy(cls.kind, original_resource.policy_id, config)
        stored[policy.id] = policy
        return cls(policy)

    def delete(self, account_id: str, region_name: str) -> None:
        policies(_backend(account_id, region_name), self.kind).pop(self.policy_id, None)


class CfnCachePolicy(_CfnPolicy, CloudFormationModel):
    """AWS::CloudFront::CachePolicy: Ref = Id."""

    cfn_type = "AWS::CloudFront::CachePolicy"
    kind = "cache"


class CfnOriginRequestPolicy(_CfnPolicy, CloudFormationModel):
    """AWS::CloudFront::OriginRequestPolicy: Ref = Id."""

    cfn_type = "AWS::CloudFront::OriginRequestPolicy"
    kind = "origin-request"


class CfnResponseHeadersPolicy(_CfnPolicy, CloudFormationModel):
    """AWS::CloudFront::ResponseHeadersPolicy: Ref = Id."""

    cfn_type = "AWS::CloudFront::ResponseHeadersPolicy"
    kind = "response-headers"


# --- the API ----------------------------------------------------------------------------------------------------

def _policy(response: Any, kind: str) -> Policy:
    from moto.cloudfront.exceptions import CloudFrontException

    found = policies(response.backend, kind).get(response._get_param("Id"))
    if found is None:
        raise CloudFrontException(*_MISSING[kind])
    return found


def _getter(kind: str):
    def get(self: Any) -> Any:
        from moto.core.responses import ActionResult

        policy = _policy(self, kind)
        return ActionResult({_RESULT_KEY[kind]: policy.result(), "ETag": policy.etag})

    return get


def _config_getter(kind: str):
    def get_config(self: Any) -> Any:
        from moto.core.responses import ActionResult

        policy = _policy(self, kind)
        return ActionResult({_CONFIG_KEY[kind]: policy.config, "ETag": policy.etag})

    return get_config


def _lister(kind: str):
    list_key = f"{_RESULT_KEY[kind]}List"

    def list_policies(self: Any) -> Any:
        from moto.core.responses import ActionResult

        wanted = self._get_param("Type")
        found = [p for p in policies(self.backend, kind).values()
                 if not wanted or wanted == ("managed" if p.managed else "custom")]
        items = [{"Type": "managed" if p.managed else "custom", _RESULT_KEY[kind]: p.result()} for p in found]
        result = {"MaxItems": self._get_int_param("MaxItems") or 100, "Quantity": len(items)}
        if items:
            result["Items"] = items
        return ActionResult({list_key: result})

    return list_policies


_PATHS = {"cache": "cache-policy", "origin-request": "origin-request-policy",
          "response-headers": "response-headers-policy"}
_OPERATIONS = {"cache": "cache_policy", "origin-request": "origin_request_policy",
               "response-headers": "response_headers_policy"}
_PLURAL = {"cache": "cache_policies", "origin-request": "origin_request_policies",
           "response-headers": "response_headers_policies"}


def install() -> None:
    """Route the policy paths to moto's CloudFront responder and give it the operations."""
    from moto.cloudfront import urls
    from moto.cloudfront.responses import CloudFrontResponse

    for kind in KINDS:
        path = _PATHS[kind]
        urls.url_paths.setdefault("{0}/2020-05-31/" + path + "$", CloudFrontResponse.dispatch)
        urls.url_paths.setdefault("{0}/2020-05-31/" + path + "/(?P<policy_id>[^/]+)$", CloudFrontResponse.dispatch)
        urls.url_paths.setdefault("{0}/2020-05-31/" + path + "/(?P<policy_id>[^/]+)/config$",
                                  CloudFrontResponse.dispatch)
        operation = _OPERATIONS[kind]
        add(CloudFrontResponse, f"get_{operation}", _getter(kind))
        add(CloudFrontResponse, f"get_{operation}_config", _config_getter(kind))
        add(CloudFrontResponse, f"list_{_PLURAL[kind]}", _lister(kind))
