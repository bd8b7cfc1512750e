"""Render a template's resource properties as CloudFormation would before the deploy. Pure.

Parameters (typed, defaults applied), conditions, Fn::If / Equals / Not / And / Or / Join / Sub and
`AWS::NoValue` are evaluated; a resource's Ref or attribute (only known once the stack exists) renders as
`<LogicalId>`.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

_NO_VALUE = object()


class Unrenderable(ValueError):
    """The template uses something this renderer cannot evaluate before the deploy."""


def render_properties(document: Mapping[str, Any], logical_id: str, parameters: Mapping[str, str]) -> dict:
    context = _Context(document, _parameter_values(document, parameters))
    return context.render((document["Resources"][logical_id] or {}).get("Properties") or {})


def evaluate(document: Mapping[str, Any], node: Any, parameters: Mapping[str, str]) -> Any:
    """Any template fragment (e.g. a parameter reference) with `parameters`."""
    return _Context(document, _parameter_values(document, parameters)).render(node)


def _parameter_values(document: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in (document.get("Parameters") or {}).items():
        spec = spec or {}
        if name in given:
            raw = given[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            continue
        kind = str(spec.get("Type", "String"))
        if kind == "Number":
            number = float(raw)
            values[name] = int(number) if number.is_integer() else number
        elif kind == "CommaDelimitedList" or kind.startswith("List<"):
            values[name] = [part.strip() for part in str(raw).split(",")]
        else:
            values[name] = str(raw)
    return values


class _Context:
    def __init__(self, document: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        self.document = document
        self.parameters = parameters
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            definition = (self.document.get("Conditions") or {}).get(name)
            if definition is None:
                raise Unrenderable(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.render(definition))
        return self._conditions[name]

    def render(self, node: Any) -> Any:
        if isinstance(node, list):
            rendered = [self.render(item) for item in node]
            return [item for item in rendered if item is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, value), = node.items()
            function = key[5:] if key.startswith("Fn::") else key
            if function in _FUNCTIONS:
                return getattr(self, f"_fn_{function}")(value)
        rendered = {key: self.render(value) for key, value in node.items()}
        return {key: value for key, value in rendered.items() if value is not _NO_VALUE}

    def _fn_Ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name.startswith("AWS::"):
            return {"AWS::Partition": "aws"}.get(name, f"<{name}>")
        resource = (self.document.get("Resources") or {}).get(name)
        if resource is not None:
            return _Unknown(name)
        raise Unrenderable(f"Ref {name}: no such parameter or resource")

    def _fn_GetAtt(self, value: Any) -> Any:
        target = value[0] if isinstance(value, list) else str(value).split(".", 1)[0]
        return _Unknown(target)

    def _fn_If(self, value: list) -> Any:
        name, when_true, when_false = value
        return self.render(when_true if self.condition(name) else when_false)

    def _fn_Condition(self, name: str) -> bool:
        return self.condition(name)

    def _fn_Equals(self, value: list) -> bool:
        left, right = (self.render(item) for item in value)
        return left == right

    def _fn_Not(self, value: list) -> bool:
        return not self.render(value[0])

    def _fn_And(self, value: list) -> bool:
        return all(self.render(item) for item in value)

    def _fn_Or(self, value: list) -> bool:
        return any(self.render(item) for item in value)

    def _fn_Join(self, value: list) -> str:
        separator, items = value
        return str(separator).join(str(item) for item in self.render(items))

    def _fn_Sub(self, value: Any) -> str:
        text, variables = (value[0], self.render(value[1])) if isinstance(value, list) else (value, {})

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            resolved = self._fn_Ref(name) if "." not in name else _Unknown(name.split(".", 1)[0])
            return str(resolved)

        return re.sub(r"\$\{([^}!][^}]*)\}", substitute, text)


# Intrinsic functions, long (Fn::X) or short (!X, parsed as {"X": ...}) form.
_FUNCTIONS = {"Ref", "GetAtt", "If", "Sub", "Join", "Equals", "Not", "And", "Or", "Condition"}


class _Unknown(str):
    """A value only known once the stack exists (a resource's Ref or attribute)."""

    def __new__(cls, resource: str) -> "_Unknown":
        return super().__new__(cls, f"<{resource}>")


