"""Small typed readers over parsed YAML that raise ConfigError naming the file and the key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from candlefish_ops.errors import ConfigError

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               dict: "a mapping", list: "a list"}


@dataclass(frozen=True)
class Node:
    """A value from a config file with its location (`file`, dotted `path`) for error messages."""

    value: Any
    file: Path
    path: str = ""

    def error(self, message: str, key: str | None = None) -> ConfigError:
        where = self.child_path(key) if key is not None else self.path
        return ConfigError(f"{self.file}: {where or '(top level)'}: {message}")

    def child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else str(key)

    def child(self, key: str | int) -> "Node":
        return Node(self.value[key], self.file, self.child_path(key))

    def expect(self, kind: type) -> "Node":
        ok = isinstance(self.value, kind) and not (kind in (int, float) and isinstance(self.value, bool))
        if kind is float and isinstance(self.value, int) and not isinstance(self.value, bool):
            ok = True
        if not ok:
            got = type(self.value).__name__ if self.value is not None else "nothing"
            raise self.error(f"must be {_TYPE_NAMES.get(kind, kind.__name__)}, got {got}")
        return self

    def mapping(self, allowed: set[str] | None = None, required: set[str] = frozenset()) -> "Node":
        """Check this node is a mapping with string keys, only `allowed` ones and all `required`."""
        self.expect(dict)
        for key in self.value:
            if not isinstance(key, str):
                raise self.error(f"keys must be strings, got {key!r}")
            if allowed is not None and key not in allowed:
                raise self.error(f"unknown key (allowed: {', '.join(sorted(allowed))})", key)
        for key in sorted(required):
            if key not in self.value:
                raise self.error("is required", key)
        return self

    def get(self, key: str, kind: type, default: Any = None, required: bool = False) -> Any:
        if key not in self.value or self.value[key] is None:
            if required:
                raise self.error("is required", key)
            return default
        value = self.child(key).expect(kind).value
        return float(value) if kind is float else value

    def items(self) -> Iterator[tuple[str, "Node"]]:
        for key in self.value:
            yield key, self.child(key)

    def elements(self) -> Iterator["Node"]:
        self.expect(list)
        for index in range(len(self.value)):
            yield self.child(index)

    def str_list(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        if key not in self.value or self.value[key] is None:
            return default
        return tuple(element.expect(str).value for element in self.child(key).elements())

    def str_map(self, key: str) -> dict[str, str]:
        if key not in self.value or self.value[key] is None:
            return {}
        result = {}
        for name, node in self.child(key).mapping().items():
            if isinstance(node.value, (dict, list)) or node.value is None:
                raise node.error("must be a string")
            result[name] = str(node.value)
        return result

    def number_in(self, key: str, low: float, high: float, default: float | None = None) -> float | None:
        value = self.get(key, float, default)
        if value is not None and not low <= value <= high:
            raise self.error(f"must be between {low:g} and {high:g}, got {value:g}", key)
        return value


def yaml_problem(file, exc, what: str = "not valid YAML") -> str:
    """`FILE: line 6, column 1: not valid YAML: could not find expected ':' (while scanning a simple key)`,
    1-based. When the parser notices the problem after the construct that caused it (an unterminated
    key, quote or bracket), the line reported is where that construct starts: where the fix goes."""
    problem, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    during = getattr(exc, "context", None) or ""
    mark = problem
    if context is not None and problem is not None and context.line < problem.line and (
            during.startswith("while scanning") or "flow" in during):
        mark = context
    found = getattr(exc, "problem", None) or str(exc)
    detail = f"{found} ({during})" if during else found
    if mark is None:
        return f"{file}: {what}: {detail}"
    noticed = f"; noticed at line {problem.line + 1}" if mark is not problem else ""
    return f"{file}: line {mark.line + 1}, column {mark.column + 1}: {what}: {detail}{noticed}"
