"""Which class a file of the build is in, and the headers it is served with. Pure.

Classes:
- `immutable`: content-hashed (under `_next/static/`, a hashed name such as `app.3f9a2c1e.js` or Vite's
  `index-BXk3s9Qa.js`, or a `fingerprinted` glob of the config). A new content gets a new name, so it is
  cached a year (`immutable`), uploaded before anything refers to it, and never invalidated.
- `entry`: HTML, web manifests, service workers and the config's `entry_points`: fixed names that name the
  assets. Uploaded last, short cache and revalidated, invalidated when they change.
- `other`: any other fixed name (`favicon.ico`, `robots.txt`, `images/logo.png`): uploaded with the assets,
  invalidated when it changes (CloudFront would serve the old bytes until its TTL ends).

Content-Type: Python's `mimetypes` built-in table (never the machine's /etc/mime.types, so every machine
agrees) completed by `EXTRA_TYPES` for what it lacks, then the config's `content_types`.
"""

from __future__ import annotations

import fnmatch
import mimetypes
import re
from dataclasses import dataclass
from typing import Mapping

from candlefish_ops.site.config import SiteConfig

# Types Python 3.11's built-in table lacks or names by an older registration (IANA media types registry,
# https://www.iana.org/assignments/media-types/). Keep sorted; add here, not in code paths.
EXTRA_TYPES: Mapping[str, str] = {
    ".avif": "image/avif",
    ".cjs": "text/javascript",
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
    ".ico": "image/vnd.microsoft.icon",
    ".jsonld": "application/ld+json",
    ".ktx2": "image/ktx2",
    ".map": "application/json",
    ".md": "text/markdown",
    ".mjs": "text/javascript",          # RFC 9239: text/javascript, not application/javascript
    ".js": "text/javascript",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".usdz": "model/vnd.usdz+zip",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".xml": "application/xml",
}
DEFAULT_TYPE = "application/octet-stream"
_CHARSET_TYPES = ("text/", "application/json", "application/manifest+json", "application/ld+json",
                  "application/xml", "image/svg+xml")
ENCODINGS = {".br": "br", ".gz": "gzip"}

_BUILTIN = mimetypes.MimeTypes(filenames=())  # Python's own table only: the same answer on every machine
# a hex run of 8-64 with a letter and a digit (webpack/CRA `main.3f2a9c1b.css`; a date is not a hash), or
# Rollup/Vite's 8-character base64url hash after a dash (`index-BXk3s9Qa.js`: upper, lower and a digit)
_HEX_HASH = re.compile(r"(?:^|[.\-_~])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{8,64}(?=[.\-_~])")
_MIXED_HASH = re.compile(r"[.\-_~](?=[A-Za-z0-9_-]{0,7}\d)(?=[A-Za-z0-9_-]{0,7}[A-Z])(?=[A-Za-z0-9_-]{0,7}[a-z])"
                         r"[A-Za-z0-9_-]{8}\.")
_ENTRY_NAMES = {"manifest.json", "asset-manifest.json", "sw.js", "service-worker.js", "site.webmanifest"}
_ENTRY_SUFFIXES = (".html", ".htm", ".webmanifest")


@dataclass(frozen=True, order=True)
class Headers:
    content_type: str
    cache_control: str
    content_encoding: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"content_type": self.content_type, "cache_control": self.cache_control,
                "content_encoding": self.content_encoding}


def precompressed_of(key: str, keys: set[str]) -> str | None:
    """The key `key` is a pre-compressed sibling of (`app.js` for `app.js.br`), or None."""
    for suffix in ENCODINGS:
        if key.endswith(suffix) and key[: -len(suffix)] in keys:
            return key[: -len(suffix)]
    return None


def is_fingerprinted(key: str, config: SiteConfig) -> bool:
    if key.startswith("_next/static/") or "/_next/static/" in key:
        return True
    if any(fnmatch.fnmatchcase(key, pattern) for pattern in config.fingerprinted):
        return True
    name = key.rsplit("/", 1)[-1]
    return bool(_HEX_HASH.search(name) or _MIXED_HASH.search(name))


def is_entry_point(key: str, config: SiteConfig) -> bool:
    name = key.rsplit("/", 1)[-1]
    return (name.lower().endswith(_ENTRY_SUFFIXES) or name in _ENTRY_NAMES
            or any(fnmatch.fnmatchcase(key, pattern) for pattern in config.entry_points))


def classify(key: str, config: SiteConfig) -> str:
    """`entry` wins over a hashed-looking name: an HTML page is always re-validated."""
    if is_entry_point(key, config):
        return "entry"
    return "immutable" if is_fingerprinted(key, config) else "other"


def content_type(key: str, config: SiteConfig) -> str:
    name = key.rsplit("/", 1)[-1]
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    found = (config.content_types.get(extension) or EXTRA_TYPES.get(extension)
             or _BUILTIN.types_map[True].get(extension) or DEFAULT_TYPE)
    if found.startswith(_CHARSET_TYPES) and "charset" not in found:
        found += "; charset=utf-8"
    return found


def headers_for(key: str, config: SiteConfig, encoded_from: str | None = None) -> tuple[str, Headers]:
    """(class, headers) of `key`; a pre-compressed sibling served as such takes its original's type and
    class and says its Content-Encoding."""
    source = encoded_from or key
    kind = classify(source, config)
    encoding = ENCODINGS[key[len(source):]] if encoded_from else ""
    return kind, Headers(content_type(source, config), config.cache_control[kind], encoding)
