"""Echoing input back in messages: shortened, control characters made visible, credentials in URLs hidden.

Used at the source (a value quoted in a message) and by the CLI's one error handler (the whole line), so a
100 KB argument, a newline inside a name, or a password inside AWS_ENDPOINT_URL never reaches the terminal.
"""

from __future__ import annotations

import re

ECHO_LIMIT = 80            # one quoted value
LINE_LIMIT = 1000          # one error line (head and tail kept: the fix is usually at the end)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/?#@\s]*)@")
_SECRET_QUERY = re.compile(r"(?i)([?&;](?:[\w.-]*(?:password|passwd|pwd|secret|token|signature|credential|"
                           r"api[_-]?key|access[_-]?key)[\w.-]*)=)[^&#\s]*")


def quoted(value: object, limit: int = ECHO_LIMIT) -> str:
    """`value` as a Python-style quoted string (control characters escaped), cut to `limit` characters."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def redact(text: str) -> str:
    """Hide passwords and tokens in URLs: `http://user:***@host`, `?token=***`."""
    text = _URL_USERINFO.sub(_hide_userinfo, text)
    return _SECRET_QUERY.sub(r"\1***", text)


def _hide_userinfo(match: re.Match) -> str:
    scheme, userinfo = match.group(1), match.group(2)
    user = userinfo.split(":", 1)[0] if ":" in userinfo else ""
    return f"{scheme}{user}:***@" if user else f"{scheme}***@"


def one_line(text: str, limit: int = LINE_LIMIT) -> str:
    """A message made safe to print as one line: credentials hidden, control characters escaped, at most
    `limit` characters (its head and its tail, with how much was cut)."""
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], redact(text))
    if len(text) <= limit:
        return text
    tail = limit // 4
    cut = len(text) - limit
    return f"{text[:limit - tail]} …[{cut:,} characters cut]… {text[-tail:]}"
