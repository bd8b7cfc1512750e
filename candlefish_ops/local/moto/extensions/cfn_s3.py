"""S3 in CloudFormation: the AWS::S3::Bucket properties moto ignores, and AWS::S3::BucketPolicy.

moto's own bucket model applies only BucketEncryption and Tags. `install()` wraps its create and replaces
its update so that VersioningConfiguration, LifecycleConfiguration, PublicAccessBlockConfiguration,
OwnershipControls, LoggingConfiguration, ReplicationConfiguration and CorsConfiguration land in the S3
backend too (get_bucket_versioning, get_bucket_lifecycle_configuration, get_public_access_block, ...).
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, get_partition, properties_of, wrap_classmethod
from candlefish_ops.local.moto.compat import backend, patch


def _backend(account_id: str, region_name: str) -> Any:

    return backend("s3", account_id, get_partition(region_name))


# --- lifecycle: CloudFormation rule -> the rule dict moto's set_lifecycle parses (the XML shape) -----------

def _lifecycle_filter(rule: dict[str, Any]) -> dict[str, Any]:
    tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule.get("TagFilters", [])]
    prefix = rule.get("Prefix", "")
    if not tags:
        return {"Prefix": prefix}
    if len(tags) == 1 and not prefix:
        return {"Tag": tags[0]}
    return {"And": {"Prefix": prefix, "Tag": tags}}


def _expiration(rule: dict[str, Any]) -> dict[str, Any] | None:
    expiration = {key: rule[source] for key, source in (("Days", "ExpirationInDays"), ("Date", "ExpirationDate"),
                                                         ("ExpiredObjectDeleteMarker", "ExpiredObjectDeleteMarker"))
                  if source in rule}
    return expiration or None


def _transitions(rule: dict[str, Any]) -> list[dict[str, Any]]:
    listed = list(rule.get("Transitions", [])) + ([rule["Transition"]] if "Transition" in rule else [])
    return [{key: t[source] for key, source in (("Days", "TransitionInDays"), ("Date", "TransitionDate"),
                                                 ("StorageClass", "StorageClass")) if source in t}
            for t in listed]


def _noncurrent_transitions(rule: dict[str, Any]) -> list[dict[str, Any]]:
    listed = list(rule.get("NoncurrentVersionTransitions", []))
    if "NoncurrentVersionTransition" in rule:
        listed.append(rule["NoncurrentVersionTransition"])
    return [{key: t[source] for key, source in (("NoncurrentDays", "TransitionInDays"), ("StorageClass", "StorageClass"),
                                                 ("NewerNoncurrentVersions", "NewerNoncurrentVersions")) if source in t}
            for t in listed]


def lifecycle_rule_to_api(rule: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {"Status": rule["Status"], "Filter": _lifecycle_filter(rule)}
    if "Id" in rule:
        api["ID"] = rule["Id"]
    if (expiration := _expiration(rule)) is not None:
        api["Expiration"] = expiration
    if transitions := _transitions(rule):
        api["Transition"] = transitions
    if noncurrent := _noncurrent_transitions(rule):
        api["NoncurrentVersionTransition"] = noncurrent
    if "NoncurrentVersionExpiration" in rule:
        api["NoncurrentVersionExpiration"] = dict(rule["NoncurrentVersionExpiration"])
    elif "NoncurrentVersionExpirationInDays" in rule:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = dict(rule["AbortIncompleteMultipartUpload"])
    return api


# --- the other bucket configurations -------------------------------------------------------------------------

def _replication_to_api(config: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in config["Rules"]:
        api_rule = {key: rule[key] for key in ("Priority", "Status", "Destination", "Filter",
                                               "DeleteMarkerReplication") if key in rule}
        if "Id" in rule:
            api_rule["ID"] = rule["Id"]
        rules.append(api_rule)
    return {"Role": config["Role"], "Rule": rules}


def _cors_to_api(config: dict[str, Any]) -> list[dict[str, Any]]:
    rules = []
    for rule in config["CorsRules"]:
        api = {"AllowedMethod": list(rule["AllowedMethods"]), "AllowedOrigin": list(rule["AllowedOrigins"])}
        for key, source in (("AllowedHeader", "AllowedHeaders"), ("ExposeHeader", "ExposedHeaders")):
            if source in rule:
                api[key] = list(rule[source])
        if "MaxAge" in rule:
            api["MaxAgeSeconds"] = str(rule["MaxAge"])
        if "Id" in rule:
            api["ID"] = rule["Id"]
        rules.append(api)
    return rules


def _set_logging(backend: Any, name: str, config: dict[str, Any] | None) -> None:
    """Point access logs at the target bucket (which must exist in the same region).

    Set directly: moto's put_bucket_logging permission check crashes on any target-bucket policy statement
    whose Principal is "*" (e.g. a TLS-only deny).
    """
    bucket = backend.get_bucket(name)
    if not config:
        bucket.logging = {}
        return
    target = config.get("DestinationBucketName", name)
    backend.get_bucket(target)  # NoSuchBucket, as AWS, when the target is missing
    bucket.logging = {"TargetBucket": target, "TargetPrefix": config.get("LogFilePrefix", "")}


def apply_bucket_properties(backend: Any, name: str, props: dict[str, Any], updating: bool = False) -> None:
    """Apply the configurations moto's model ignores; on update, also remove the ones no longer declared."""
    bucket = backend.get_bucket(name)
    if "VersioningConfiguration" in props:
        backend.put_bucket_versioning(name, props["VersioningConfiguration"]["Status"])
    if "LifecycleConfiguration" in props:
        rules = [lifecycle_rule_to_api(rule) for rule in props["LifecycleConfiguration"].get("Rules", [])]
        backend.put_bucket_lifecycle_configuration(name, rules)
    elif updating:
        backend.delete_bucket_lifecycle(name)
    if "PublicAccessBlockConfiguration" in props:
        backend.put_public_access_block(name, dict(props["PublicAccessBlockConfiguration"]))
    elif updating:
        bucket.public_access_block = None
    if "OwnershipControls" in props:
        backend.put_bucket_ownership_controls(name, props["OwnershipControls"]["Rules"][0]["ObjectOwnership"])
    elif updating:
        bucket.ownership_rule = None
    if "LoggingConfiguration" in props or updating:
        _set_logging(backend, name, props.get("LoggingConfiguration"))
    if "CorsConfiguration" in props:
        backend.put_bucket_cors(name, _cors_to_api(props["CorsConfiguration"]))
    elif updating:
        bucket.delete_cors()
    _apply_replication(backend, bucket, props, updating)


def _apply_replication(backend: Any, bucket: Any, props: dict[str, Any], updating: bool) -> None:
    if "ReplicationConfiguration" in props:
        if not bucket.is_versioned:
            from moto.s3.exceptions import VersioningNotEnabledForReplication

            raise VersioningNotEnabledForReplication(bucket_name=bucket.name)
        backend.put_bucket_replication(bucket.name, _replication_to_api(props["ReplicationConfiguration"]))
    elif updating:
        bucket.replication = None


def _after_bucket_create(bucket: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                         region_name: str, **kwargs: Any) -> Any:
    apply_bucket_properties(_backend(account_id, region_name), bucket.name, properties_of(cloudformation_json))
    return bucket


def _update_bucket(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                   account_id: str, region_name: str) -> Any:
    """moto's update, minus its crash on Tags without BucketName, plus the ignored configurations."""
    from moto.s3.cloud_formation import cfn_to_api_encryption
    from moto.utilities.tagging_service import TaggingService

    props = properties_of(cloudformation_json)
    if "BucketName" in props and props["BucketName"] != original_resource.name:
        new = cls.create_from_cloudformation_json(props["BucketName"], cloudformation_json, account_id, region_name)
        _backend(account_id, region_name).delete_bucket(original_resource.name)
        return new
    backend = _backend(account_id, region_name)
    name = original_resource.name
    if "BucketEncryption" in props:
        backend.put_bucket_encryption(bucket_name=name, encryption=cfn_to_api_encryption(props["BucketEncryption"]))
    backend.put_bucket_tagging(name, TaggingService().flatten_tag_list(props.get("Tags", [])))
    apply_bucket_properties(backend, name, props, updating=True)
    return original_resource


class CfnBucketPolicy(BackendHandle, CloudFormationModel):
    """AWS::S3::BucketPolicy: the policy document becomes the bucket's policy (get_bucket_policy)."""

    cfn_type = "AWS::S3::BucketPolicy"
    ref_attribute = "bucket_name"

    def __init__(self, bucket_name: str) -> None:
        self.bucket_name = bucket_name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnBucketPolicy:
        props = properties_of(cloudformation_json)
        document = props["PolicyDocument"]
        text = document if isinstance(document, str) else json.dumps(document)
        _backend(account_id, region_name).put_bucket_policy(props["Bucket"], text.encode())
        return cls(props["Bucket"])

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.bucket_name in backend.buckets:
            backend.delete_bucket_policy(self.bucket_name)


def install() -> None:
    from moto.s3.models import FakeBucket

    wrap_classmethod(FakeBucket, "create_from_cloudformation_json", _after_bucket_create)
    if not getattr(FakeBucket.update_from_cloudformation_json, "_candlefish", False):
        update = classmethod(_update_bucket)
        update.__func__._candlefish = True  # type: ignore[attr-defined]
        patch(FakeBucket, "update_from_cloudformation_json", update)
