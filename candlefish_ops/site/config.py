"""The `site:` section of an environment's config (owned by `candlefish site`); every key is optional.

```yaml
site:
  storage_stack: storage        # stack key whose StaticAssetsBucketName output is the bucket
  edge_stack: edge              # stack key whose DistributionId output is the distribution
  precompressed: skip           # .br/.gz siblings of a file: skip (CloudFront compresses) or serve
  parallel: 8                   # concurrent uploads
  multipart_threshold_mb: 8     # files from this size go up in parts (boto3's transfer manager)
  wildcard_at: 10               # changed paths in one folder from which it is invalidated as FOLDER/*
  cache_control:
    immutable: public, max-age=31536000, immutable
    entry: public, max-age=0, s-maxage=300, must-revalidate
    other: public, max-age=3600
  fingerprinted: ["assets/**"]  # globs of content-hashed files besides _next/static/ and hashed names
  entry_points: ["*.json"]      # globs of entry points besides HTML and web manifests
  content_types: {".usdz": model/vnd.usdz+zip}
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from candlefish_ops.config.schema import Node

PRECOMPRESSED_CHOICES = ("skip", "serve")
CACHE_CLASSES = ("immutable", "entry", "other")
DEFAULT_CACHE_CONTROL = {
    "immutable": "public, max-age=31536000, immutable",
    "entry": "public, max-age=0, s-maxage=300, must-revalidate",
    "other": "public, max-age=3600",
}
_KEYS = {"storage_stack", "edge_stack", "precompressed", "parallel", "multipart_threshold_mb", "wildcard_at",
         "cache_control", "fingerprinted", "entry_points", "content_types", "prefix"}
_PREFIX = re.compile(r"^([A-Za-z0-9._-]+/)*$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;\s*[a-z0-9-]+=[\w.-]+)*$", re.I)
_EXTENSION = re.compile(r"^\.[A-Za-z0-9][A-Za-z0-9._-]*$")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]+$")


@dataclass(frozen=True)
class SiteConfig:
    storage_stack: str = "storage"
    edge_stack: str = "edge"
    precompressed: str = "skip"
    parallel: int = 8
    multipart_threshold_mb: int = 8
    wildcard_at: int = 10
    cache_control: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CACHE_CONTROL))
    fingerprinted: tuple[str, ...] = ()
    entry_points: tuple[str, ...] = ()
    content_types: Mapping[str, str] = field(default_factory=dict)
    prefix: str = ""   # where the build goes in the bucket (and under which path CloudFront serves it), e.g. static/


def parse(node: Node | None, stacks: Mapping[str, object]) -> SiteConfig:
    """Validate the section (absent means defaults); stack keys must name stacks of the file."""
    base = SiteConfig()
    if node is None:
        return base
    node.mapping(allowed=_KEYS)
    storage_stack = node.get("storage_stack", str, base.storage_stack)
    edge_stack = node.get("edge_stack", str, base.edge_stack)
    for key, value in (("storage_stack", storage_stack), ("edge_stack", edge_stack)):
        if key in node.value and value not in stacks:
            raise node.error(f"{value!r} is not a stack of this file (stacks: {', '.join(sorted(stacks))})", key)
    precompressed = node.get("precompressed", str, base.precompressed)
    if precompressed not in PRECOMPRESSED_CHOICES:
        raise node.error(f"{precompressed!r}: must be skip or serve", "precompressed")
    prefix = node.get("prefix", str, base.prefix)
    if not _PREFIX.match(prefix) or prefix == "/":
        raise node.error(f"{prefix!r}: a key prefix ending in '/' without a leading '/', e.g. static/", "prefix")
    return SiteConfig(
        storage_stack=storage_stack, edge_stack=edge_stack, precompressed=precompressed, prefix=prefix,
        parallel=int(node.number_in("parallel", 1, 64, base.parallel)),
        # S3's smallest part is 5 MiB (multipart upload limits)
        multipart_threshold_mb=int(node.number_in("multipart_threshold_mb", 5, 5120, base.multipart_threshold_mb)),
        wildcard_at=int(node.number_in("wildcard_at", 2, 3000, base.wildcard_at)),
        cache_control=_cache_control(node),
        fingerprinted=_globs(node, "fingerprinted"), entry_points=_globs(node, "entry_points"),
        content_types=_content_types(node),
    )


def _cache_control(node: Node) -> dict[str, str]:
    values = dict(DEFAULT_CACHE_CONTROL)
    if node.value.get("cache_control") is None:
        return values
    section = node.child("cache_control").mapping(allowed=set(CACHE_CLASSES))
    for name, child in section.items():
        value = child.expect(str).value.strip()
        if not value or not _HEADER_VALUE.match(value):
            raise child.error(f"{value!r} is not a valid Cache-Control value (printable ASCII, such as "
                              "'public, max-age=3600')")
        values[name] = value
    return values


def _globs(node: Node, key: str) -> tuple[str, ...]:
    globs = node.str_list(key)
    for index, pattern in enumerate(globs):
        if not pattern or pattern.startswith("/") or "\\" in pattern:
            raise node.child(key).error(f"{pattern!r}: give a glob relative to the site folder, such as assets/**",
                                        index)
    return globs


def _content_types(node: Node) -> dict[str, str]:
    types: dict[str, str] = {}
    if node.value.get("content_types") is None:
        return types
    for extension, child in node.child("content_types").mapping().items():
        if not _EXTENSION.match(extension):
            raise child.error(f"{extension!r} is not a file extension (write it as .ext)")
        value = child.expect(str).value.strip()
        if not _MEDIA_TYPE.match(value):
            raise child.error(f"{value!r} is not a media type (such as model/gltf-binary)")
        types[extension.lower()] = value
    return types
