"""Lambda in CloudFormation: make AWS::Lambda::Version behave as on AWS.

moto publishes the version but its model has no physical id, so `Ref` yields the logical id ("V") instead
of the version ARN that Lambda@Edge associations need; it has no Fn::GetAtt, no update and no delete.
`install()` adds them: Ref = GetAtt FunctionArn = the qualified version ARN, GetAtt Version = the number;
an update publishes again (versions are immutable, so AWS replaces them); delete removes the version.
Also for AWS::Lambda::Function: moto's create ignores Architectures, TracingConfig, KmsKeyArn,
EphemeralStorage and Tags (get_function then shows x86_64 and PassThrough tracing), and its update crashes
on inline `Code.ZipFile` (it expects a base64 zip there, while its create zips the inline source); the
create is wrapped to apply those properties, the update zips inline code and applies them too.
PublishVersion (API and AWS::Lambda::Version) honours CodeSha256 as AWS does: a value that is not the
function's current code refuses to publish (moto accepts anything), so a version can never carry other
code than the package the release named.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

from candlefish_ops.local.moto.compat import add, backend, patch

_ATTRIBUTES = {"FunctionArn": "version_arn", "Version": "version"}


def _backend(account_id: str, region_name: str) -> Any:

    return backend("lambda", account_id, region_name)


def check_code_sha256(backend: Any, function_name: str, code_sha256: str | None) -> None:
    """AWS's guard: publish only if $LATEST's code has this CodeSha256."""
    from moto.awslambda.exceptions import InvalidParameterValueException

    if not code_sha256:
        return
    current = backend.get_function(function_name).code_sha_256
    if current != code_sha256:
        raise InvalidParameterValueException(
            f"CodeSHA256 ({code_sha256}) is different from current CodeSHA256 in $LATEST ({current}). "
            "Please try again with the CodeSHA256 in $LATEST.")


def _guarded_version_create(original):
    def create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        check_code_sha256(_backend(account_id, region_name), props["FunctionName"], props.get("CodeSha256"))
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    create._candlefish = True  # type: ignore[attr-defined]
    return create


def _guarded_publish_response(original):
    def publish_version(self: Any) -> Any:
        from urllib.parse import unquote

        check_code_sha256(self.backend, unquote(self.path.split("/")[-2]), self._get_param("CodeSha256"))
        return original(self)

    publish_version._candlefish = True  # type: ignore[attr-defined]
    return publish_version


def _after_create(version: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                  region_name: str, **kwargs: Any) -> Any:
    function_name = cloudformation_json["Properties"]["FunctionName"]
    published = _backend(account_id, region_name).get_function(function_name, str(version.version))
    version.version = str(version.version)
    version.version_arn = published.function_arn
    version.function_name = published.function_name
    return version


def _physical_resource_id(self: Any) -> str:
    return self.version_arn


def _has_cfn_attr(cls: type, attr: str) -> bool:
    return attr in _ATTRIBUTES


def _get_cfn_attribute(self: Any, attribute_name: str) -> Any:
    if attribute_name not in _ATTRIBUTES:
        raise UnformattedGetAttTemplateException()
    return getattr(self, _ATTRIBUTES[attribute_name])


def _update(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
            account_id: str, region_name: str) -> Any:
    return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


def _delete(self: Any, account_id: str, region_name: str) -> None:
    from moto.awslambda.exceptions import UnknownFunctionException

    try:
        _backend(account_id, region_name).delete_function(self.function_name, self.version)
    except (UnknownFunctionException, KeyError, ValueError):
        pass  # the function (and with it every version) is already gone


def apply_function_properties(function: Any, props: dict[str, Any]) -> None:
    """The function properties moto's CloudFormation model leaves at their defaults."""
    function.architectures = list(props.get("Architectures") or ["x86_64"])
    function.tracing_config = dict(props.get("TracingConfig") or {"Mode": "PassThrough"})
    function.kms_key_arn = props.get("KmsKeyArn")
    function.ephemeral_storage = int((props.get("EphemeralStorage") or {}).get("Size", 512))
    function.tags = {tag["Key"]: tag["Value"] for tag in props.get("Tags", [])}


def _after_function_create(function: Any, resource_name: str, cloudformation_json: dict[str, Any],
                           account_id: str, region_name: str, **kwargs: Any) -> Any:
    apply_function_properties(function, cloudformation_json.get("Properties") or {})
    return function


def _update_function(cls: type, original_resource: Any, new_resource_name: str,
                     cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
    import base64

    props = cloudformation_json["Properties"]
    code = dict(props["Code"])
    if "ZipFile" in code:
        code["ZipFile"] = base64.b64encode(cls._create_zipfile_from_plaintext_code(code["ZipFile"])).decode()
    original_resource.update_configuration(props)
    original_resource.update_function_code(code)
    apply_function_properties(original_resource, props)
    return original_resource


def install() -> None:
    from moto.awslambda.models import LambdaFunction, LambdaVersion
    from moto.awslambda.responses import LambdaResponse

    from ._cfn import wrap_classmethod

    original = LambdaVersion.__dict__["create_from_cloudformation_json"].__func__
    if not getattr(original, "_candlefish", False):
        patch(LambdaVersion, "create_from_cloudformation_json", classmethod(_guarded_version_create(original)))
    if not getattr(LambdaResponse.publish_version, "_candlefish", False):
        patch(LambdaResponse, "publish_version", _guarded_publish_response(LambdaResponse.publish_version))
    wrap_classmethod(LambdaVersion, "create_from_cloudformation_json", _after_create)
    add(LambdaVersion, "physical_resource_id", property(_physical_resource_id))
    patch(LambdaVersion, "has_cfn_attr", classmethod(_has_cfn_attr))
    add(LambdaVersion, "get_cfn_attribute", _get_cfn_attribute)
    patch(LambdaVersion, "update_from_cloudformation_json", classmethod(_update))
    add(LambdaVersion, "delete", _delete)
    wrap_classmethod(LambdaFunction, "create_from_cloudformation_json", _after_function_create)
    patch(LambdaFunction, "update_from_cloudformation_json", classmethod(_update_function))
