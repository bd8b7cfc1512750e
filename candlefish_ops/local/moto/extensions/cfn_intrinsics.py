"""Template features moto's CloudFormation parser lacks or gets wrong: Fn::Cidr, dynamic references, !GetAtt.

moto leaves `Fn::Cidr` unevaluated (a template that selects subnet CIDRs from it then crashes CreateStack)
and passes `{{resolve:secretsmanager:...}}` / `{{resolve:ssm:...}}` through as literal text.
`install()` wraps moto's `clean_json` (the function that evaluates every intrinsic) to evaluate both:
Fn::Cidr as AWS does (the first `count` subnets with `cidrBits` host bits), dynamic references from the
emulator's own Secrets Manager and SSM Parameter Store (a missing secret, key or parameter fails the stack,
as on AWS). `Fn::GetAtt` of a not-emulated resource yields nothing, as moto's `Ref` of one does (the
property holding it is left out) instead of failing CreateStack.
It also fixes moto's YAML short form of GetAtt: `!GetAtt Res.Attr.Sub` splits at the first dot only (moto
split at every dot) and `!GetAtt [Res, Attr]` yields strings (moto kept YAML nodes, breaking CreateStack).
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from candlefish_ops.local.moto.compat import backend, patch, resource_json_map

_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^}]*)\}\}")


def cidr(ip_block: str, count: int, cidr_bits: int) -> list[str]:
    """Fn::Cidr: `count` consecutive subnets of `ip_block`, each with `cidr_bits` host bits."""
    network = ipaddress.ip_network(ip_block, strict=False)
    prefix = network.max_prefixlen - int(cidr_bits)
    subnets = network.subnets(new_prefix=prefix)
    return [str(next(subnets)) for _ in range(int(count))]


def _secret_value(account_id: str, region_name: str, reference: str) -> str:

    # secret-id:SecretString:json-key:version-stage:version-id (the id may be an ARN, itself with colons)
    match = re.match(r"(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+|[^:]+)(?::(.*))?$", reference)
    secret_id, rest = match.group(1), (match.group(2) or "")
    parts = rest.split(":") if rest else []
    json_key = parts[1] if len(parts) > 1 and parts[1] else None
    stage = parts[2] if len(parts) > 2 and parts[2] else None
    version_id = parts[3] if len(parts) > 3 and parts[3] else None
    secrets = backend("secretsmanager", account_id, region_name)
    secret = secrets.get_secret_value(secret_id, version_id, stage)
    text = secret["SecretString"]
    return json.loads(text)[json_key] if json_key else text


def _parameter_value(account_id: str, region_name: str, reference: str) -> str:

    name, _, version = reference.partition(":")
    selector = f"{name}:{version}" if version else name
    parameter = backend("ssm", account_id, region_name).get_parameter(selector)
    if parameter is None:
        raise ValueError(f"SSM parameter {name} does not exist")
    return parameter.value


def resolve_dynamic_references(text: str, account_id: str, region_name: str) -> str:
    def resolve(match: re.Match[str]) -> str:
        service, reference = match.group(1), match.group(2)
        if "${" in reference:
            return match.group(0)  # inside an Fn::Sub not yet substituted: resolved after substitution
        if service == "secretsmanager":
            return str(_secret_value(account_id, region_name, reference))
        return _parameter_value(account_id, region_name, reference)

    return _DYNAMIC_REFERENCE.sub(resolve, text)


def _attribute_of_not_emulated(resource_json: Any, resources_map: Any) -> bool:
    """Fn::GetAtt of a resource moto skips: like its Ref, it yields nothing (moto crashed CreateStack)."""
    from moto.cloudformation.parsing import get_model_map

    if not isinstance(resource_json, dict) or "Fn::GetAtt" not in resource_json:
        return False
    target = resource_json_map(resources_map).get(resource_json["Fn::GetAtt"][0])
    resource_type = (target or {}).get("Type", "")
    return bool(target) and not resource_type.startswith("Custom::") and resource_type not in get_model_map()


def _wrap(original: Any) -> Any:
    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if _attribute_of_not_emulated(resource_json, resources_map):
            return None
        if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
            ip_block, count, bits = (clean_json(v, resources_map) for v in resource_json["Fn::Cidr"])
            return cidr(ip_block, int(count), int(bits))
        result = original(resource_json, resources_map)
        if isinstance(result, str) and "{{resolve:" in result:
            result = resolve_dynamic_references(result, resources_map._account_id, resources_map._region_name)
        return result

    clean_json._candlefish_original = original  # type: ignore[attr-defined]
    return clean_json


def yaml_tag_constructor(loader: Any, tag: str, node: Any) -> Any:
    """CloudFormation's YAML short-form intrinsic `!Name value` as `{"Fn::Name": value}` (`!Ref` as Ref)."""
    import yaml

    key = "Ref" if tag == "!Ref" else f"Fn::{tag[1:]}"
    if isinstance(node, yaml.SequenceNode):
        value: Any = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        value = node.value
        if tag == "!GetAtt":
            value = value.split(".", 1)
    return {key: value}


def install() -> None:
    from moto.cloudformation import models, parsing, responses

    if not hasattr(parsing.clean_json, "_candlefish_original"):
        patch(parsing, "clean_json", _wrap(parsing.clean_json))
    patch(models, "yaml_tag_constructor", yaml_tag_constructor)
    patch(responses, "yaml_tag_constructor", yaml_tag_constructor)
