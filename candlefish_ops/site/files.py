"""Read a build folder: every file's key, size, SHA-256, class and headers, after refusing what S3 or
CloudFront would serve wrongly. Reads the local disk only (no AWS); everything is checked before anything
is uploaded.

Refused (one line naming the file and the fix): no `index.html` at the top; a symbolic link that leads out
of the folder; anything but regular files and folders; a name that is not UTF-8, not in Unicode NFC (a
browser asks for the NFC spelling, so S3 would answer 404), longer than S3's 1,024-byte key, with a control
character, or with a character S3's naming guidelines say to avoid or that a URL would cut (`? #`: query,
fragment); the folder `_candlefish/` (candlefish's own records in the bucket).
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from candlefish_ops.site.config import SiteConfig
from candlefish_ops.errors import ValidationError
from candlefish_ops.site.headers import Headers, headers_for, precompressed_of

ENTRY_POINT = "index.html"
RESERVED_PREFIX = "_candlefish/"
MAX_KEY_BYTES = 1024
# S3 object key naming guidelines, "characters to avoid" (tilde excepted: webpack's `vendors~main.js` is
# common and CloudFront and S3 handle it), plus `?` and `#`, which end a URL's path.
_AVOID = set('\\{}^%`[]"<>#|?')


@dataclass(frozen=True)
class LocalFile:
    key: str            # the S3 key and, with a leading /, the CloudFront path
    path: str           # where the bytes are on disk
    size: int
    sha256: str         # hex
    kind: str           # immutable | entry | other
    headers: Headers
    etag: str = ""      # set on a rollback's restored files: the ETag recorded for these bytes


@dataclass(frozen=True)
class Build:
    root: str
    files: tuple[LocalFile, ...]
    skipped: tuple[str, ...] = ()   # pre-compressed siblings left out (precompressed: skip)

    @property
    def size(self) -> int:
        return sum(item.size for item in self.files)


def key_problem(key: str) -> str | None:
    """Why S3 or CloudFront would mangle `key`, or None."""
    try:
        encoded = key.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8; rename it"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in key):
        return "contains a control character; rename it"
    bad = sorted({ch for ch in key if ch in _AVOID})
    if bad:
        return (f"contains {' '.join(bad)}, which S3 or a URL would not keep as written; rename it with letters, "
                "digits and - _ . ~")
    if unicodedata.normalize("NFC", key) != key:
        return "is not in Unicode NFC (browsers request the NFC form, so it would be a 404); rename it"
    if len(encoded) > MAX_KEY_BYTES:
        return f"is {len(encoded)} bytes long, over S3's {MAX_KEY_BYTES}-byte key limit; shorten it"
    if key.startswith(RESERVED_PREFIX):
        return f"is under {RESERVED_PREFIX}, where candlefish keeps its release records; rename the folder"
    return None


def read_build(folder: Path, config: SiteConfig, hash_threads: int = 4) -> Build:
    """Every file of `folder` with its class and headers; raises ValidationError for the first problem
    (and says how many more there are)."""
    root = Path(folder)
    if not root.is_dir():
        raise ValidationError(f"{folder}: not a folder; give the build output folder (the one holding index.html)")
    real_root = os.path.realpath(root)
    found, problems = _walk(root, real_root)
    if not (root / ENTRY_POINT).is_file():
        problems.insert(0, f"{folder}: no {ENTRY_POINT} at the top of the folder; give the build output folder "
                           "(a site without an entry point would publish nothing anyone can open)")
    for key in found:
        problem = key_problem(config.prefix + key)
        if problem:
            problems.append(f"{os.path.join(folder, key)}: the name {problem}")
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ValidationError(f"{problems[0]}{more}; nothing was uploaded")
    keys = set(found)
    chosen, skipped = [], []
    for key in sorted(found):
        original = precompressed_of(key, keys)
        if original is not None and config.precompressed == "skip":
            skipped.append(key)
        else:
            chosen.append((key, original))
    with ThreadPoolExecutor(max_workers=hash_threads) as pool:  # hashlib releases the GIL on large buffers
        digests = list(pool.map(lambda item: _sha256(found[item[0]]), chosen))
    files = []
    for (key, original), (size, digest) in zip(chosen, digests):
        kind, headers = headers_for(key, config, original)  # classes match the build's own paths
        files.append(LocalFile(config.prefix + key, found[key], size, digest, kind, headers))
    return Build(str(root), tuple(files), tuple(skipped))


def _walk(root: Path, real_root: str) -> tuple[dict[str, str], list[str]]:
    found: dict[str, str] = {}
    problems: list[str] = []
    seen_dirs: set[str] = set()
    for directory, dirnames, filenames in os.walk(root, followlinks=True):
        real_dir = os.path.realpath(directory)
        if real_dir in seen_dirs:      # a link back to a folder already read: do not loop
            dirnames[:] = []
            continue
        seen_dirs.add(real_dir)
        for name in sorted(dirnames) + sorted(filenames):
            path = os.path.join(directory, name)
            key = os.path.relpath(path, root).replace(os.sep, "/")
            if os.path.islink(path):
                target = os.path.realpath(path)
                if os.path.commonpath([real_root, target]) != real_root:
                    problems.append(f"{path}: a symbolic link to {target}, outside the folder; copy the file in "
                                    "or remove the link")
                    if name in dirnames:
                        dirnames.remove(name)
                    continue
                if not os.path.exists(target):
                    problems.append(f"{path}: a broken symbolic link; remove it")
                    continue
            if name in filenames:
                if not os.path.isfile(path):
                    problems.append(f"{path}: not a regular file (socket, pipe or device); remove it")
                    continue
                found[key] = path
    return found, problems


def _sha256(path: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def expected_etag(path: str, part: int) -> str:
    """The ETag S3 gives these bytes as uploaded here: the MD5 of the bytes for a single PUT (SSE-S3 or no
    encryption), the MD5 of the parts' MD5s and `-N` for an upload in parts of `part` bytes. Only a cache
    key for the next run: a different one (SSE-KMS) costs that run one HeadObject for the object, no more."""
    parts, md5, size, in_part = [], hashlib.md5(usedforsecurity=False), 0, 0
    with open(path, "rb") as handle:
        while chunk := handle.read(min(1 << 20, part - in_part)):
            md5.update(chunk)
            size += len(chunk)
            in_part += len(chunk)
            if in_part == part:
                parts.append(md5.digest())
                md5, in_part = hashlib.md5(usedforsecurity=False), 0
    if in_part or not parts:
        parts.append(md5.digest())
    if size < part:
        return parts[0].hex()
    return f"{hashlib.md5(b''.join(parts), usedforsecurity=False).hexdigest()}-{len(parts)}"
