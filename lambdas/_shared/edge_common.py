"""Helpers shared by the candlefish Lambda@Edge functions.

Standard library only (os, zlib, and the C half of json): the viewer functions import this module on every cold start,
so it must stay small and cheap. The packager copies this file into the root of every function's
bundle next to ``handler.py`` (see ``lambdas/README.md``); in the repository the handlers find it in
``lambdas/_shared/``.

CloudFront event shape (all triggers): ``event["Records"][0]["cf"]`` holds ``config``, ``request``
and, for response triggers, ``response``. Headers are a dict keyed by the lower-case name whose values
are lists of ``{"key": "Original-Case", "value": "..."}``.
"""

import os
import zlib

CONFIG_FILE = "edge_config.json"
_CONFIG_CACHE = {}

_STATUS_TEXT = {
    "200": "OK", "204": "No Content", "301": "Moved Permanently", "302": "Found",
    "400": "Bad Request", "403": "Forbidden", "404": "Not Found", "405": "Method Not Allowed",
    "415": "Unsupported Media Type", "500": "Internal Server Error", "502": "Bad Gateway",
    "503": "Service Unavailable", "504": "Gateway Timeout",
}


class ConfigError(ValueError):
    """The bundled edge configuration is missing or invalid."""


def load_config(handler_file):
    """Load the JSON config bundled next to ``handler_file`` (bundle) or one level up (repository)."""
    here = os.path.dirname(os.path.abspath(handler_file))
    for folder in (here, os.path.dirname(here)):
        path = os.path.join(folder, CONFIG_FILE)
        if path in _CONFIG_CACHE:
            return _CONFIG_CACHE[path]
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            try:
                config = parse_json(text)
            except ValueError as exc:
                raise ConfigError(f"{path}: not valid JSON ({exc})") from None
            if type(config) is not dict:
                raise ConfigError(f"{path}: the top level must be a JSON object")
            _CONFIG_CACHE[path] = config
            return config
    raise ConfigError(f"{CONFIG_FILE} not found next to {handler_file} or in its parent folder")


class _ScannerContext:
    """The attributes CPython's C JSON scanner reads (what json.JSONDecoder would pass)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo = None

    @staticmethod
    def parse_constant(name):
        raise ValueError(f"{name} is not allowed in the edge config")


def parse_json(text):
    """``json.loads`` for the bundled config, via CPython's C scanner when available.

    ``import json`` pulls in ``re``, ``enum`` and ``functools``: most of a viewer function's cold-start
    import in a bare interpreter. The C scanner (``_json``, what ``json`` itself uses) parses the same
    grammar without them; ``json`` is the fallback on interpreters without it.
    """
    try:
        from _json import make_scanner
    except ImportError:
        make_scanner = None
    if make_scanner is None:
        import json
        return json.loads(text)
    body = text.strip(" \t\n\r")
    try:
        value, end = make_scanner(_ScannerContext)(body, 0)
    except StopIteration:
        raise ValueError("no JSON value at the start") from None
    if end != len(body):
        raise ValueError(f"extra data at character {end}")
    return value


def canonical_name(name):
    """``x-ab-variant`` -> ``X-Ab-Variant`` (the ``key`` CloudFront expects next to a header)."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


_CANONICAL = {}


def header_entry(name, value):
    """One CloudFront header list for ``name`` (lower case) carrying ``value``."""
    key = _CANONICAL.get(name)
    if key is None:
        key = _CANONICAL[name] = canonical_name(name)
    return [{"key": key, "value": value}]


def first_value(headers, name):
    """First value of header ``name`` or "" (headers must already be validated)."""
    entries = headers.get(name)
    if entries:
        return entries[0]["value"]
    return ""


def headers_are_safe(headers):
    """True when ``headers`` has the CloudFront shape and no name, key or value holds CR, LF or NUL.

    One joined string and three C-level scans: checking each value in Python cost 3x as much, and
    this runs on every request. ``join`` doubles as the type check (non-str raises TypeError).
    """
    try:
        parts = []
        add = parts.append
        for entries in headers.values():
            for entry in entries:
                add(entry["value"])
                add(entry["key"])
        text = "".join(parts) + "".join(headers)
    except (TypeError, KeyError, AttributeError):
        return False
    return not ("\n" in text or "\r" in text or "\0" in text)


def drop_unsafe_headers(headers):
    """Remove malformed headers in place (used on origin responses, whose status must be kept)."""
    for name in [n for n in headers if not headers_are_safe({n: headers[n]})]:
        del headers[name]


def pick_headers(headers, names):
    """Only the well-formed entries of ``names`` from ``headers`` (a request's headers that are read,
    never echoed, need no full CR/LF scan: every value taken from them is checked against an
    allow-list before it reaches a response)."""
    picked = {}
    if type(headers) is not dict:
        return picked
    for name in names:
        entries = headers.get(name)
        if type(entries) is not list or not entries:
            continue
        if len(entries) == 1:  # the usual shape: no list building
            entry = entries[0]
            if type(entry) is dict and type(entry.get("value")) is str:
                picked[name] = entries
            continue
        good = [e for e in entries if type(e) is dict and type(e.get("value")) is str]
        if good:
            picked[name] = good
    return picked


def safe_response_headers(response):
    """The response's header dict, created when missing and with malformed headers dropped."""
    headers = response.get("headers")
    if type(headers) is not dict:
        headers = response["headers"] = {}
    elif not headers_are_safe(headers):
        drop_unsafe_headers(headers)
    return headers


def cf_parts(event, want_response=False):
    """Return ``(cf, request[, response])`` from an event, or None when the shape is wrong."""
    try:
        cf = event["Records"][0]["cf"]
        request = cf["request"]
        if type(request) is not dict or type(request.get("uri")) is not str:
            return None
        if want_response:
            response = cf["response"]
            if type(response) is not dict:
                return None
            return cf, request, response
        return cf, request
    except (KeyError, IndexError, TypeError):
        return None


def response_status(response):
    """The response status as an int; a malformed one (CloudFront never sends it) becomes 502."""
    status = response.get("status")
    if type(status) is str and len(status) == 3 and status.isdigit():
        return int(status)
    response["status"], response["statusDescription"] = "502", "Bad Gateway"
    return 502


def build_security_headers(config):
    """Precomputed security headers: ``{name: [{"key", "value"}]}``. Callers must not mutate them."""
    return {name: header_entry(name, value) for name, value in config["security_headers"].items()}


def generated_response(status, body, security, content_type="text/plain; charset=utf-8",
                       cache_control="no-store", extra=None):
    """A CloudFront generated response (``body`` text) carrying the security headers."""
    headers = dict(security)
    headers["content-type"] = header_entry("content-type", content_type)
    headers["cache-control"] = header_entry("cache-control", cache_control)
    for name, value in (extra or {}).items():
        headers[name] = header_entry(name, value)
    return {
        "status": str(status),
        "statusDescription": _STATUS_TEXT.get(str(status), "Error"),
        "headers": headers,
        "body": body,
        "bodyEncoding": "text",
    }


def internal_error(function, exc, security):
    """Last-resort answer when a handler raised: one JSON log line and an uncached 500.

    CloudFront would turn the exception into a 502 LambdaExecutionError without any trace of why;
    the tests treat any 500 as a failure, so this guard never hides a bug from them.
    """
    import json  # error path only: the viewer functions keep json out of their cold start
    print(json.dumps({"fn": function, "event": "internal-error", "error": type(exc).__name__,
                      "message": str(exc)[:300]}))
    return generated_response(500, "Internal Server Error", security)


def canned_response(status, body, security, extra=None):
    """A zero-argument factory for a fixed generated response (headers built once, dict copied)."""
    template = generated_response(status, body, security, extra=extra)
    headers = template["headers"]

    def make():
        response = dict(template)
        response["headers"] = dict(headers)
        return response
    return make


class ABSettings:
    """A/B assignment settings compiled once from the ``ab`` config block."""

    __slots__ = ("cookie_eq", "cookie", "variants", "thresholds", "total", "max_age")

    def __init__(self, ab):
        weights = [(str(name), int(weight)) for name, weight in ab["variants"].items()]
        if any(w < 0 for _, w in weights) or sum(w for _, w in weights) <= 0:
            raise ConfigError("ab.variants: weights must be >= 0 and not all zero")
        for name, _ in weights:
            if not name or not name.isalnum() or not name.isascii():
                raise ConfigError(f"ab.variants: variant name {name!r} must be ASCII letters/digits")
        self.cookie = ab["cookie"]
        self.cookie_eq = self.cookie + "="
        self.variants = frozenset(name for name, w in weights if w > 0)
        running, thresholds = 0, []
        for name, weight in weights:
            if weight:
                running += weight
                thresholds.append((running, name))
        self.thresholds = tuple(thresholds)
        self.total = running
        self.max_age = int(ab.get("cookie_max_age", 2592000))


def ab_from_cookie(headers, ab):
    """The variant named by a valid A/B cookie, or "" when absent, malformed or retired."""
    entries = headers.get("cookie")
    if not entries:
        return ""
    needle = ab.cookie_eq
    for entry in entries:
        text = entry["value"]
        start = text.find(needle)
        while start != -1:
            if start == 0 or text[start - 1] in " ;":
                begin = start + len(needle)
                end = text.find(";", begin)
                value = (text[begin:] if end == -1 else text[begin:end]).strip()
                return value if value in ab.variants else ""
            start = text.find(needle, start + 1)
    return ""


def ab_from_hash(seed, ab):
    """Stable weighted assignment from a seed string (client IP + user agent)."""
    point = zlib.crc32(seed.encode("utf-8", "surrogatepass")) % ab.total
    for threshold, name in ab.thresholds:
        if point < threshold:
            return name
    return ab.thresholds[-1][1]


def ab_seed(request, headers, limit=512):
    """Seed for the stable hash: client IP and the (truncated) user agent."""
    ip = request.get("clientIp")
    return (ip if type(ip) is str else "") + "|" + first_value(headers, "user-agent")[:limit]


def snap_width(raw, widths):
    """Smallest allowed width >= the request; absurd or missing values give the largest width."""
    if raw is None or not raw.isdigit() or len(raw) > 5:
        return widths[-1]
    wanted = int(raw)
    for width in widths:
        if width >= wanted:
            return width
    return widths[-1]


def canonical_image_query(querystring, widths, quality_grid):
    """``w=<width>[&q=<quality>]``: the first ``w``/``width`` snapped up to the allowed widths, the first
    ``q``/``quality`` clamped onto the ``(min, max, step)`` grid, nothing else. viewer_request writes it
    so that CloudFront's ``/images/*`` cache key (query strings ``w`` and ``q``) has one entry per variant."""
    raw_width = raw_quality = None
    for piece in querystring[:4096].split("&"):
        name, _, value = piece.partition("=")
        name = name.lower()
        if raw_width is None and name in ("w", "width"):
            raw_width = value
        elif raw_quality is None and name in ("q", "quality"):
            raw_quality = value
    query = f"w={snap_width(raw_width, widths)}"
    if raw_quality is not None and raw_quality.isdigit() and len(raw_quality) <= 3:
        q_min, q_max, step = quality_grid
        quality = min(max(int(raw_quality), q_min), q_max)
        query += f"&q={q_min + (quality - q_min) // step * step}"
    return query


def negotiate_image_format(accept, preference):
    """Best modern image format the client explicitly accepts (q > 0), or "" for the fallback.

    ``image/*`` and ``*/*`` do not count: old browsers send them without decoding WebP/AVIF.
    Runs on every image request at the viewer, so it looks for the few media types it cares about
    instead of parsing the whole header.
    """
    if not accept:
        return ""
    accept = accept[:2048].lower()
    for fmt in preference:
        if _accepted(accept, "image/" + fmt):
            return fmt
    return ""


def _accepted(accept, media):
    """True when ``media`` is listed in the (lower-case) Accept with q > 0 (first listing wins)."""
    start = accept.find(media)
    while start != -1:
        end = start + len(media)
        if (start == 0 or accept[start - 1] in ", ") and accept[end:end + 1] in ("", ",", ";", " "):
            comma = accept.find(",", end)
            params = accept[end:] if comma == -1 else accept[end:comma]
            return ";" not in params or _quality_factor(params) > 0
        start = accept.find(media, end)
    return False


def _quality_factor(params):
    """The q parameter of one Accept entry; malformed values count as 0 (not acceptable)."""
    quality = 1.0
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip() != "q":
            continue
        value = value.strip()
        if not value or len(value) > 5 or not value.replace(".", "", 1).isdigit():
            return 0.0
        quality = float(value)
    return quality if quality <= 1.0 else 0.0


def classify_path(uri, classes):
    """Name and Cache-Control of the first cache class whose prefix matches ``uri``, else None."""
    for prefixes, name, cache_control in classes:
        if uri.startswith(prefixes):
            return name, cache_control
    return None


def compile_cache_classes(config):
    """Cache classes as ``(prefix tuple, name, cache_control)`` for ``classify_path``."""
    return tuple((tuple(c["prefixes"]), c["name"], c["cache_control"]) for c in config["cache_classes"])


def is_html_path(uri):
    """True for document-like paths: ``/``, ``*.html`` or a last segment without an extension."""
    last = uri.rsplit("/", 1)[-1]
    return not last or last.endswith((".html", ".htm")) or "." not in last


def merge_vary(headers, add=(), remove=()):
    """Rewrite ``Vary`` as one de-duplicated header, adding and removing tokens (case-insensitive)."""
    entries = headers.get("vary")
    if not entries and not remove:
        if add:
            headers["vary"] = header_entry("vary", ", ".join(add))
        return
    tokens, seen = [], set()
    for entry in entries or ():
        for token in entry["value"].split(","):
            token = token.strip()
            low = token.lower()
            if token and low not in seen and low not in remove:
                seen.add(low)
                tokens.append(token)
    for token in add:
        if token.lower() not in seen:
            seen.add(token.lower())
            tokens.append(token)
    if "*" in seen:
        tokens = ["*"]
    if tokens:
        headers["vary"] = header_entry("vary", ", ".join(tokens))
    else:
        headers.pop("vary", None)
