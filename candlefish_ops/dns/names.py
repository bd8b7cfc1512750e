"""What Route 53 accepts as a record name, a host name, a TXT string, a health-check path (pure checks).

Names: labels of 1-63 letters, digits, hyphens or underscores, `*` only as the whole leftmost label, at
most 253 characters written (255 on the wire); internationalised names written as punycode (`xn--...`).
TXT: each character-string at most 255 characters, printable ASCII (`\\DDD` escapes for anything else).
Health checks: path and search string at most 255 characters, no control characters.
Each function returns why the value would be refused (for a message), or None.
"""

from __future__ import annotations

import re

from candlefish_ops.echo import quoted

MAX_LABEL = 63
MAX_NAME = 253
MAX_STRING = 255            # a TXT character-string, a health-check path, a search string
_LABEL = re.compile(r"[A-Za-z0-9_-]+")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_QUOTED_STRING = re.compile(r'"((?:\\\d{3}|\\.|[^"\\])*)"')
_ESCAPE = re.compile(r"\\\d{3}|\\.")
_WHITESPACE = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a line break"}


def name_problem(name: str, wildcard: bool = True) -> str | None:
    """Why Route 53 would refuse `name` (relative or absolute, "@" for the apex), or None."""
    if name == "@":
        return None
    problem = _characters_problem(name)
    if problem:
        return problem
    text = name[:-1] if name.endswith(".") else name
    if not text:
        return "is empty; give a name (or @ for the zone apex)"
    if len(text) > MAX_NAME:
        return f"{quoted(name)} is {len(text)} characters; a name has at most {MAX_NAME}"
    for index, label in enumerate(text.split(".")):
        problem = _label_problem(label, name, wildcard and index == 0)
        if problem:
            return problem
    return None


def host_problem(name: str) -> str | None:
    """A host name (health-check fqdn, CNAME value): a name without wildcard, not the apex keyword."""
    if name == "@":
        return "@ is not a host name; write the full name"
    return name_problem(name, wildcard=False)


def _characters_problem(name: str) -> str | None:
    for char in name:
        if char in _WHITESPACE:
            return f"{quoted(name)} contains {_WHITESPACE[char]}; remove it"
        if not char.isprintable():
            return f"{quoted(name)} contains a control character {char!r}; remove it"
    if not name.isascii():
        return _idn_problem(name)
    return None


def _idn_problem(name: str) -> str:
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return (f"{quoted(name)} is not ASCII and not a valid internationalised name; write names with letters, "
                "digits and hyphens, IDNs as punycode (xn--...)")
    return f"{quoted(name)} is not ASCII; Route 53 takes internationalised names as punycode: write {ascii_name}"


def _label_problem(label: str, name: str, wildcard_allowed: bool) -> str | None:
    if not label:
        return f"{quoted(name)} has an empty label (a leading dot or two dots in a row); remove it"
    if len(label) > MAX_LABEL:
        return f"{quoted(name)}: label {label[:12]!r}… is {len(label)} characters; a label has at most {MAX_LABEL}"
    if label == "*" and wildcard_allowed:
        return None
    if "*" in label:
        return f"{quoted(name)}: Route 53 allows * only as the whole leftmost label (*.example.com)"
    if not _LABEL.fullmatch(label):
        bad = next(char for char in label if not (char.isalnum() or char in "_-"))
        return (f"{quoted(name)}: {bad!r} is not allowed in a name; use letters, digits, hyphens and "
                "underscores")
    return None


def txt_problem(value: str) -> str | None:
    """Why a TXT value is refused: strings over 255 characters, unquoted text over 255, non-printables."""
    if not _PRINTABLE.fullmatch(value):
        bad = next(char for char in value if not _PRINTABLE.fullmatch(char))
        return (f"TXT value {quoted(value, 40)} contains {bad!r}; use printable ASCII, with \\DDD (octal) "
                "escapes for other bytes")
    strings = _character_strings(value)
    if strings is None:
        return f"TXT value {quoted(value, 40)} has an unbalanced quote; write \"...\" strings, \\\" inside"
    for text in strings:
        if len(text) > MAX_STRING:
            return (f"TXT value {quoted(value, 40)}: a string of {len(text)} characters; at most {MAX_STRING} "
                    'per string: split it as "..." "..."')
    return None


def _character_strings(value: str) -> list[str] | None:
    """The character-strings of a TXT value (unescaped lengths count), or None if a quote is unbalanced."""
    if not value.startswith('"'):
        return [value]
    strings, index = [], 0
    while index < len(value):
        if value[index] == " ":
            index += 1
            continue
        if value[index] != '"':
            return None
        match = _QUOTED_STRING.match(value, index)
        if match is None:
            return None
        strings.append(_ESCAPE.sub("x", match.group(1)))
        index = match.end()
    return strings


def path_problem(path: str) -> str | None:
    """Why a health-check ResourcePath is refused (it must also start with /, checked by the caller)."""
    return _field_problem("path", path, "percent-encode it (%20, %0D%0A)")


def search_string_problem(text: str) -> str | None:
    return _field_problem("search_string", text, "remove it")


def _field_problem(field: str, text: str, fix: str) -> str | None:
    if len(text) > MAX_STRING:
        return f"{field} {quoted(text, 40)} is {len(text)} characters; at most {MAX_STRING}"
    if not _PRINTABLE.fullmatch(text):
        bad = next(char for char in text if not _PRINTABLE.fullmatch(char))
        kind = "a control character" if not bad.isprintable() else "a non-ASCII character"
        return f"{field} {quoted(text, 40)} contains {kind} {bad!r}; {fix}"
    if field == "path" and " " in text:
        return f"{field} {quoted(text, 40)} contains a space; {fix}"
    return None
