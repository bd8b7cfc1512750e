"""Viewer-request function: bot gate, device detection, A/B assignment, internal-header hygiene.

Runs on every request before the cache, so it is plain substring tests on a truncated, lower-cased
user agent (no regular expressions) and precomputed settings. It sets, for the cache key and the
origin: ``X-Device-Type`` (mobile / tablet / desktop / bot), ``X-Ab-Variant`` and, for ``/images/*``,
``X-Image-Accept`` (the negotiated image format, so the cache key carries one of three values
instead of the raw ``Accept``). Client-supplied copies of those internal headers are dropped first.

CORS preflights (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) are answered here,
before the cache, from the ``cors`` config block; every other request pays one ``method`` comparison:

* allowed origin (case-insensitive, the configured spelling is echoed; ``*`` only without credentials)
  and allowed method: ``204`` with ``Access-Control-Allow-Origin``/``-Methods``/``-Max-Age``,
  ``-Credentials`` when configured, ``-Headers`` listing only the requested headers that are in
  ``cors.allow_headers`` (the configured names, lower-cased; never client text);
* anything else (other origin or method, a repeated ``Origin`` or ``Access-Control-Request-Method``,
  an over-long or non-ASCII ``Access-Control-Request-Headers``): ``403`` without any
  ``Access-Control-*`` header. The browser fails the preflight either way; a 403 says why in its
  console ("does not have HTTP ok status") and shows up in the 4xx metrics and logs, where a 204
  without grants would look like success;
* both carry ``Cache-Control: no-store`` (the browser's preflight cache follows
  ``Access-Control-Max-Age``, not ``Cache-Control``; ``no-store`` keeps any shared cache on the way
  from storing an answer that depends on the Origin), ``Vary`` on the three request headers the
  answer depends on, and the security headers.
"""

import os
import sys

try:
    import edge_common as ec
except ImportError:  # repository layout: lambdas/_shared/ holds the shared module
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_shared"))
    import edge_common as ec

_TABLET = ("ipad", "tablet", "kindle", "silk/", "playbook", "nexus 7", "nexus 9", "sm-t")
_MOBILE = ("mobi", "iphone", "ipod", "android", "windows phone", "opera mini", "blackberry")
# Browsers on desktop operating systems: one startswith() settles most traffic.
_DESKTOP = ("mozilla/5.0 (windows nt", "mozilla/5.0 (macintosh;", "mozilla/5.0 (x11;")

# CORS preflight defaults (used when the cors block omits the key; edge_config.json lists them).
_DEFAULT_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_DEFAULT_HEADERS = ("accept", "accept-language", "authorization", "content-language", "content-type",
                    "x-requested-with")
_DEFAULT_MAX_AGE = 600
_MAX_AGE_LIMIT = 86400  # Firefox's cap (Chromium caps at 7200)
_FORBIDDEN_METHODS = ("CONNECT", "TRACE", "TRACK")  # browsers refuse to send them
_PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
_MAX_REQUEST_HEADERS = 2048  # characters of Access-Control-Request-Headers; longer is refused
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")  # lower-case header-name chars
_ORIGIN_HOST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-:[]")


class Settings:
    """Everything the handler needs, compiled once from the config dict."""

    def __init__(self, config):
        bots = config["bots"]
        self.markers = _lower(bots["bot_markers"])
        blocked = _lower(bots["blocked_agents"])
        # Blocked agents that contain a bot marker are only looked for once a marker matched.
        self.blocked_botlike = tuple(a for a in blocked if any(m in a for m in self.markers))
        self.blocked_other = tuple(a for a in blocked if a not in self.blocked_botlike)
        self.blocked_prefixes = _lower(bots["blocked_prefixes"])
        self.good = _lower(bots["good_crawlers"])
        self.ua_limit = int(bots.get("max_user_agent_scan", 512))
        self.internal = tuple(config["internal_headers"])
        self.ab = ec.ABSettings(config["ab"])
        self.security = ec.build_security_headers(config)
        self.image_preference = tuple(config["images"]["format_preference"])
        self.image_widths = tuple(sorted(int(w) for w in config["images"]["widths"]))
        quality = config["images"]["quality"]
        self.image_quality_grid = (int(quality["min"]), int(quality["max"]), int(quality["step"]))
        self.device_entries = {d: ec.header_entry("x-device-type", d)
                               for d in ("mobile", "tablet", "desktop", "bot")}
        self.variant_entries = {v: ec.header_entry("x-ab-variant", v) for v in self.ab.variants}
        self.image_entries = {f: ec.header_entry("x-image-accept", f or "default")
                              for f in ("",) + self.image_preference}
        self.bot_class = {c: ec.header_entry("x-bot-class", c) for c in ("good", "other")}
        self.bad_request = ec.canned_response(400, "Bad Request", self.security)
        self.forbidden = ec.canned_response(403, "Forbidden", self.security)
        self.preflight = Preflight(config["cors"], self.security, self.internal)


class Preflight:
    """CORS preflight answers compiled once from the ``cors`` config block, which is validated here."""

    def __init__(self, cors, security, internal):
        if type(cors) is not dict:
            raise ec.ConfigError("cors: must be an object")
        origins = _allowed_origins(cors.get("allowed_origins"))
        credentials = _allow_credentials(cors, origins)
        methods = _allowed_methods(cors.get("allow_methods", list(_DEFAULT_METHODS)))
        self.methods = frozenset(methods)
        self.headers = _allowed_headers(cors.get("allow_headers", list(_DEFAULT_HEADERS)), internal)
        max_age = _max_age(cors.get("max_age", _DEFAULT_MAX_AGE))
        granted = dict(security)
        granted["cache-control"] = ec.header_entry("cache-control", "no-store")
        granted["vary"] = ec.header_entry("vary", _PREFLIGHT_VARY)
        granted["access-control-allow-methods"] = ec.header_entry("access-control-allow-methods",
                                                                  ", ".join(methods))
        granted["access-control-max-age"] = ec.header_entry("access-control-max-age", str(max_age))
        if credentials:
            granted["access-control-allow-credentials"] = ec.header_entry(
                "access-control-allow-credentials", "true")
        self.grants = {o.lower(): _with_origin(granted, o) for o in origins if o != "*"}
        self.wildcard = _with_origin(granted, "*") if "*" in origins else None
        self.refused = ec.canned_response(403, "Forbidden", security, extra={"vary": _PREFLIGHT_VARY})
        self.answers = {}  # (grant, raw Access-Control-Request-Headers) -> granted headers, see below


def _with_origin(granted, origin):
    headers = dict(granted)
    headers["access-control-allow-origin"] = ec.header_entry("access-control-allow-origin", origin)
    return headers


def _allowed_origins(origins):
    """The configured origins, each ``*`` or a serialized origin as browsers send it."""
    if type(origins) is not list:
        raise ec.ConfigError("cors.allowed_origins: must be a list of origins like https://app.example.com")
    for origin in origins:
        if origin != "*" and not _is_origin(origin):
            raise ec.ConfigError(f"cors.allowed_origins: {origin!r} is not an origin as browsers send it: "
                                 "lower-case scheme://host[:port], no path or trailing slash "
                                 "(e.g. https://app.example.com), or '*'")
    return origins


def _is_origin(origin):
    if type(origin) is not str:
        return False
    for scheme in ("https://", "http://"):
        if origin.startswith(scheme):
            host = origin[len(scheme):]
            return bool(host) and set(host) <= _ORIGIN_HOST and host[0] not in ".-:"
    return False


def _allow_credentials(cors, origins):
    credentials = cors.get("allow_credentials", False)
    if type(credentials) is not bool:
        raise ec.ConfigError("cors.allow_credentials: must be true or false")
    if "*" in origins and credentials:
        raise ec.ConfigError("cors: '*' cannot be combined with allow_credentials (browsers reject it)")
    return credentials


def _max_age(max_age):
    if type(max_age) is not int or not 0 <= max_age <= _MAX_AGE_LIMIT:
        raise ec.ConfigError(f"cors.max_age: {max_age!r} must be whole seconds from 0 to {_MAX_AGE_LIMIT} "
                             "(browsers cap it: Firefox at 86400, Chromium at 7200)")
    return max_age


def _allowed_methods(methods):
    """The configured methods (de-duplicated, order kept): upper-case names browsers may send."""
    if type(methods) is not list or not methods:
        raise ec.ConfigError("cors.allow_methods: must be a non-empty list of methods like [\"GET\", \"PUT\"]")
    for method in methods:
        if type(method) is not str or not method.isascii() or not method.isalpha() or not method.isupper():
            raise ec.ConfigError(f"cors.allow_methods: {method!r} must be an upper-case HTTP method like PUT")
        if method in _FORBIDDEN_METHODS:
            raise ec.ConfigError(f"cors.allow_methods: {method} is a forbidden method (browsers never send it)")
    return tuple(dict.fromkeys(methods))


def _allowed_headers(names, internal):
    """The configured request header names, lower-cased and de-duplicated (order kept)."""
    if type(names) is not list:
        raise ec.ConfigError("cors.allow_headers: must be a list of header names like [\"content-type\"]")
    lowered = []
    for name in names:
        low = name.lower() if type(name) is str and name.isascii() else ""
        if not low or not set(low) <= _TOKEN or low == "*":
            raise ec.ConfigError(f"cors.allow_headers: {name!r} must be a header name like content-type "
                                 "('*' is not supported: with credentials browsers read it literally)")
        if low in internal:
            raise ec.ConfigError(f"cors.allow_headers: {name!r} is an internal header (the edge strips "
                                 "client copies)")
        lowered.append(low)
    return tuple(dict.fromkeys(lowered))


def _lower(items):
    return tuple(str(item).lower() for item in items)


def classify_agent(ua, settings):
    """``(device, verdict)`` for a lower-cased user agent; verdict is "blocked", "good", "other" or ""."""
    if not ua or ua.startswith(settings.blocked_prefixes):
        return "bot", "blocked"
    for token in settings.blocked_other:
        if token in ua:
            return "bot", "blocked"
    for marker in settings.markers:
        if marker in ua:
            for token in settings.blocked_botlike:
                if token in ua:
                    return "bot", "blocked"
            for token in settings.good:
                if token in ua:
                    return "bot", "good"
            return "bot", "other"
    if ua.startswith(_DESKTOP) and "mobi" not in ua:
        return "desktop", ""
    for token in _TABLET:
        if token in ua:
            return "tablet", ""
    if "android" in ua and "mobile" not in ua:
        return "tablet", ""
    for token in _MOBILE:
        if token in ua:
            return "mobile", ""
    return "desktop", ""


def answer_preflight(headers, preflight):
    """The generated answer to a CORS preflight, or None when the OPTIONS request is not one."""
    origins = headers.get("origin")
    methods = headers.get("access-control-request-method")
    if not origins or not methods:
        return None
    if len(origins) != 1 or len(methods) != 1:  # one value each (Fetch): anything else is not a browser
        return preflight.refused()
    origin = origins[0]["value"]
    grant = preflight.grants.get(origin.lower()) if origin.isascii() else None
    if grant is None:
        grant = preflight.wildcard
    if grant is None or methods[0]["value"].strip(" \t") not in preflight.methods:
        return preflight.refused()
    granted = _granted_headers(grant, headers.get("access-control-request-headers"), preflight)
    if granted is None:
        return preflight.refused()
    return {"status": "204", "statusDescription": "No Content", "headers": dict(granted)}


_ANSWERS_KEPT = 256


def _granted_headers(grant, requested, preflight):
    """The 204's headers for ``grant`` and the requested headers, or None when those are malformed.

    Browsers repeat the same few ``Access-Control-Request-Headers`` values, so answers are kept per
    (grant, raw value); the cache is emptied when it reaches ``_ANSWERS_KEPT`` entries, so hostile
    values cannot grow it. Only values built from the configuration are stored.
    """
    key = (id(grant), requested[0]["value"] if requested and len(requested) == 1 else None)
    granted = preflight.answers.get(key) if key[1] is not None else None
    if granted is not None:
        return granted
    allowed = allowed_request_headers(requested, preflight.headers)
    if allowed is None:
        return None
    granted = dict(grant)
    if allowed:
        granted["access-control-allow-headers"] = ec.header_entry("access-control-allow-headers", allowed)
    if key[1] is not None:
        if len(preflight.answers) >= _ANSWERS_KEPT:
            preflight.answers.clear()
        preflight.answers[key] = granted
    return granted


def allowed_request_headers(entries, allowed):
    """The configured names of the requested headers that are allowed ("" for none), None if malformed.

    ``Access-Control-Request-Headers`` is a comma-separated list (repeated headers combine); only
    configured names are returned, in configured order, so no client text reaches the response.
    """
    if not entries:
        return ""
    requested = ",".join(entry["value"] for entry in entries)
    if len(requested) > _MAX_REQUEST_HEADERS or not requested.isascii():
        return None
    names = {name.strip(" \t").lower() for name in requested.split(",")}
    return ", ".join(name for name in allowed if name in names)


def handle(event, settings):
    """Process one viewer-request event; returns the request or a generated 204 (preflight)/400/403."""
    parts = ec.cf_parts(event)
    if parts is None:
        return settings.bad_request()
    request = parts[1]
    headers = request.get("headers")
    if not ec.headers_are_safe(headers) or not request["uri"].startswith("/"):
        return settings.bad_request()
    for name in settings.internal:
        if name in headers:
            del headers[name]
    ua = ec.first_value(headers, "user-agent")[:settings.ua_limit].strip().lower()
    device, verdict = classify_agent(ua, settings)
    if verdict:
        if verdict == "blocked":
            return settings.forbidden()
        headers["x-bot-class"] = settings.bot_class[verdict]
    if request.get("method") == "OPTIONS":
        answer = answer_preflight(headers, settings.preflight)
        if answer is not None:
            return answer
    headers["x-device-type"] = settings.device_entries[device]
    variant = ec.ab_from_cookie(headers, settings.ab) or ec.ab_from_hash(
        ec.ab_seed(request, headers, settings.ua_limit), settings.ab)
    headers["x-ab-variant"] = settings.variant_entries[variant]
    if request["uri"].startswith("/images/"):
        fmt = ec.negotiate_image_format(ec.first_value(headers, "accept"), settings.image_preference)
        headers["x-image-accept"] = settings.image_entries[fmt]
        querystring = request.get("querystring")
        request["querystring"] = ec.canonical_image_query(querystring if type(querystring) is str else "",
                                                          settings.image_widths, settings.image_quality_grid)
    return request


SETTINGS = Settings(ec.load_config(__file__))


def handler(event, context=None):
    """Lambda@Edge entry point."""
    try:
        return handle(event, SETTINGS)
    except Exception as exc:  # noqa: BLE001 - see edge_common.internal_error
        return ec.internal_error("viewer_request", exc, SETTINGS.security)
