"""Read an environment file within bounds: its size, and how far its YAML aliases expand.

An environment file is a few kilobytes. A file over MAX_FILE_BYTES is refused before it is parsed, and
a document whose aliases would expand past MAX_EXPANDED (scalar characters plus nodes, each alias counted
wherever it is used) is refused after composing it and before building any Python value, so a small file
cannot make candlefish build gigabytes of strings.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

from candlefish_ops.errors import ConfigError

MAX_FILE_BYTES = 256 * 1024  # the production environment is about 10 KiB
MAX_EXPANDED = 1_000_000


def read_yaml(file: Path) -> Any:
    """The parsed document of `file` (None when empty); ConfigError for anything unreadable or too big."""
    return _parse(_read_text(file), file)


def check_file(file: Path) -> bool:
    """True if `file` is a readable regular file, False if it does not exist; ConfigError otherwise."""
    try:
        mode = os.stat(file).st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return False
        raise ConfigError(f"{file}: {os_reason(exc)}") from None
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise ConfigError(f"{file}: is {kind}; an environment file must be a YAML file")
    return True


def os_reason(exc: OSError) -> str:
    """What an OSError means for a file the user gave, and what to do."""
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop (the link points back to itself); fix or remove the link"
    if exc.errno == errno.EACCES:
        return "permission denied; make it readable by this user"
    if exc.errno == errno.ENAMETOOLONG:
        return "the path is too long"
    return f"cannot read ({exc.strerror or exc})"


def _read_text(file: Path) -> str:
    try:
        with open(file, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
                raise _too_big(file)
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{file}: {os_reason(exc)}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def _too_big(file: Path) -> ConfigError:
    return ConfigError(f"{file}: larger than {MAX_FILE_BYTES // 1024} KiB, far more than any environment "
                       "needs; check that this is the right file")


def _parse(text: str, file: Path) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, file)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        from candlefish_ops.config.schema import yaml_problem

        raise ConfigError(yaml_problem(file, exc)) from None
    except RecursionError:
        raise ConfigError(f"{file}: YAML nested too deeply") from None
    finally:
        loader.dispose()


def _check_expansion(root, file: Path) -> None:
    """Refuse a document whose aliases expand past MAX_EXPANDED, or that contains itself (iterative DFS,
    each node sized once, so a billion-laughs document costs as little as its text)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done and children:
            if id(node) in open_nodes:
                raise ConfigError(f"{file}: line {node.start_mark.line + 1}: a YAML alias refers to a value "
                                  "that contains it (recursive anchor); write the value out")
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        size = 1 + (len(node.value) if isinstance(node.value, str) else sum(sizes[id(c)] for c in children))
        if size > MAX_EXPANDED:
            raise ConfigError(f"{file}: line {node.start_mark.line + 1}: with its YAML aliases expanded this value "
                              f"is over {MAX_EXPANDED:,} characters; write it out without aliases, or shorter")
        sizes[id(node)] = size
        open_nodes.discard(id(node))


def _children(node) -> list:
    if isinstance(node.value, str):
        return []
    if node.value and isinstance(node.value[0], tuple):  # a mapping: (key, value) pairs
        return [part for pair in node.value for part in pair]
    return list(node.value)
