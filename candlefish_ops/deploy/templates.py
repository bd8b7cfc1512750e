"""Read a CloudFormation template file once: its body, parameters, outputs and resource types."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from candlefish_ops.errors import ConfigError

# Templates larger than this must be passed to CloudFormation by S3 URL.
INLINE_TEMPLATE_LIMIT = 51_200
URL_TEMPLATE_LIMIT = 1_000_000
SUMMARY_FORMAT = 1  # of the cached summaries: change it when TemplateInfo's summary changes


@dataclass(frozen=True)
class TemplateInfo:
    path: Path
    body: str
    required_parameters: frozenset[str]
    optional_parameters: frozenset[str]
    outputs: frozenset[str]
    resource_types: frozenset[str]
    defaults: tuple[tuple[str, str], ...] = ()  # parameter -> Default, as CloudFormation reports it

    @property
    def size(self) -> int:
        return len(self.body.encode("utf-8"))

    @property
    def needs_upload(self) -> bool:
        return self.size > INLINE_TEMPLATE_LIMIT

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()

    @property
    def parameters(self) -> frozenset[str]:
        return self.required_parameters | self.optional_parameters


@lru_cache(maxsize=64)
def load_template(path: Path) -> TemplateInfo:
    """Parse `path` (YAML with CloudFormation short tags, or JSON) and summarise it. The summary is kept in
    the user cache by the body's digest, so an unchanged template is not parsed again by the next command."""
    try:
        body = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read template ({exc.strerror or exc})") from exc
    if len(body.encode("utf-8")) > URL_TEMPLATE_LIMIT:
        raise ConfigError(f"{path}: template is over CloudFormation's 1 MB limit; split the stack")
    summary = _cached_summary(body) or _summarise(body, path)
    return TemplateInfo(
        path=path, body=body,
        required_parameters=frozenset(summary["required"]), optional_parameters=frozenset(summary["optional"]),
        outputs=frozenset(summary["outputs"]), resource_types=frozenset(summary["types"]),
        defaults=tuple((key, value) for key, value in summary["defaults"]),
    )


def _summarise(body: str, path: Path) -> dict:
    document = _parse(body, path)
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise ConfigError(f"{path}: not a CloudFormation template (no Resources mapping)")
    parameters = document.get("Parameters") or {}
    summary = {
        "format": SUMMARY_FORMAT,
        "required": sorted(k for k, v in parameters.items() if "Default" not in (v or {})),
        "optional": sorted(k for k, v in parameters.items() if "Default" in (v or {})),
        "outputs": sorted((document.get("Outputs") or {}).keys()),
        "types": sorted({str(r.get("Type")) for r in document["Resources"].values() if isinstance(r, dict)}),
        "defaults": sorted([k, _as_reported(v["Default"])] for k, v in parameters.items() if "Default" in (v or {})),
    }
    from candlefish_ops.user_cache import write_atomically

    write_atomically(_summary_path(body), json.dumps(summary))
    return summary


def _cached_summary(body: str) -> dict | None:
    from candlefish_ops.user_cache import read_private

    try:
        summary = json.loads(read_private(_summary_path(body)) or b"null")
    except ValueError:
        return None
    return summary if isinstance(summary, dict) and summary.get("format") == SUMMARY_FORMAT else None


def _summary_path(body: str) -> Path:
    from candlefish_ops.user_cache import cache_dir

    return cache_dir() / "templates" / f"{hashlib.sha256(body.encode('utf-8')).hexdigest()}.json"


def _as_reported(value) -> str:
    """A parameter default the way DescribeStacks shows the value (lists comma-joined)."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def template_document(template: TemplateInfo):
    """The parsed template (short tags as {"Ref": ...}, {"GetAtt": ...}); a fresh copy for each caller."""
    return _parse(template.body, template.path)


def _parse(body: str, path: Path):
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available: ~10x faster
        """SafeLoader that accepts CloudFormation's short-form tags (!Ref, !Sub, ...)."""

    Loader.add_multi_constructor("!", _tagged)
    try:
        return yaml.load(body, Loader=Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        from candlefish_ops.config.schema import yaml_problem

        raise ConfigError(yaml_problem(path, exc, "template is not valid YAML/JSON")) from exc


def _tagged(loader, tag_suffix, node):
    import yaml

    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {tag_suffix: value}
