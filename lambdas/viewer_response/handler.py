"""Viewer-response function: security headers, performance hints, Cache-Control, CORS, A/B cookie.

Runs on every response (cache hits included), so everything is precomputed from the config at import
and the per-event work is a handful of dict operations. A viewer-response function cannot change the
status code; responses whose headers are malformed keep their status, the bad headers are dropped.

* Security headers (HSTS with preload, CSP, nosniff, frame options, Referrer/Permissions policies,
  COOP/CORP) replace whatever the origin sent.
* ``Server-Timing``: the origin latency recorded by origin_response (``X-Cf-Origin-Ms``, internal,
  removed here) is published as ``origin;dur=...``; HTML documents get the configured preload links.
* ``Cache-Control`` by path class (browser policy; the edge TTL is set in origin_response).
* CORS only for configured origins: the exact origin is echoed, never ``*`` with credentials, and
  ``Vary: Origin`` is always present because the answer depends on the Origin header.
* ``Set-Cookie`` for the A/B variant when the viewer does not carry a valid cookie yet.
"""

import os
import sys

try:
    import edge_common as ec
except ImportError:  # repository layout: lambdas/_shared/ holds the shared module
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_shared"))
    import edge_common as ec

# Origin-supplied headers that would undermine the policy applied here (or leak internals).
_DROP = ("access-control-allow-origin", "access-control-allow-credentials", "x-powered-by",
         "x-cf-origin-ms", "x-amz-meta-original-key")


# The only request headers this function reads.
_READ = ("origin", "cookie", "x-ab-variant", "user-agent")


class Settings:
    """Everything the handler needs, compiled once from the config dict."""

    def __init__(self, config):
        cors = config["cors"]
        origins = [str(o).lower() for o in cors["allowed_origins"]]
        self.credentials = bool(cors.get("allow_credentials"))
        if "*" in origins and self.credentials:
            raise ec.ConfigError("cors: '*' cannot be combined with allow_credentials (browsers reject it)")
        self.wildcard = "*" in origins
        self.cors_static = {}
        if self.credentials:
            self.cors_static["access-control-allow-credentials"] = ec.header_entry(
                "access-control-allow-credentials", "true")
        if cors.get("expose_headers"):
            self.cors_static["access-control-expose-headers"] = ec.header_entry(
                "access-control-expose-headers", cors["expose_headers"])
        self.security = ec.build_security_headers(config)
        self.classes = ec.compile_cache_classes(config)
        self.class_prefixes = tuple(prefix for prefixes, _, _ in self.classes for prefix in prefixes)
        self.cache_html = ec.header_entry("cache-control", config["cache_html"])
        self.cache_default = ec.header_entry("cache-control", config["cache_default"])
        self.cache_class = {cc: ec.header_entry("cache-control", cc) for _, _, cc in self.classes}
        self.cache_error = ec.header_entry("cache-control", "no-store")
        self.cache_not_found = ec.header_entry("cache-control", "public, max-age=60")
        links = ", ".join(config.get("preload_links", ()))
        self.link_entry = ec.header_entry("link", links) if links else None
        # keyed by the lower-cased origin, valued with the configured spelling: never echo client text
        self.origin_entries = {str(o).lower(): ec.header_entry("access-control-allow-origin", o)
                               for o in cors["allowed_origins"] if o != "*"}
        self.ab = ec.ABSettings(config["ab"])
        self.ua_limit = int(config["bots"].get("max_user_agent_scan", 512))
        tail = f"; Path=/; Max-Age={self.ab.max_age}; Secure; HttpOnly; SameSite=Lax"
        self.cookie_entries = {v: {"key": "Set-Cookie", "value": self.ab.cookie + "=" + v + tail}
                               for v in self.ab.variants}
        self.wildcard_entry = ec.header_entry("access-control-allow-origin", "*")
        self.vary_origin = ec.header_entry("vary", "Origin")


def cache_control_for(uri, status, content_type, settings):
    """The browser Cache-Control entry for a response."""
    if status >= 500:
        return settings.cache_error
    if status >= 400:
        return settings.cache_not_found
    if uri.startswith(settings.class_prefixes):  # one C-level test settles pages, the common case
        return settings.cache_class[ec.classify_path(uri, settings.classes)[1]]
    if content_type.startswith("text/html") or ec.is_html_path(uri):
        return settings.cache_html
    return settings.cache_default


def apply_cors(request_headers, headers, settings):
    """Echo an allowed Origin (with credentials if configured); always ``Vary: Origin``."""
    origin = ec.first_value(request_headers, "origin")
    entry = settings.origin_entries.get(origin.lower()) if origin and origin.isascii() else None
    if entry is not None:
        headers["access-control-allow-origin"] = entry
        headers.update(settings.cors_static)
    elif settings.wildcard:
        headers["access-control-allow-origin"] = settings.wildcard_entry
        return
    vary = headers.get("vary")
    if not vary:
        headers["vary"] = settings.vary_origin
    elif len(vary) == 1 and "origin" not in vary[0]["value"].lower() and "*" not in vary[0]["value"]:
        headers["vary"] = ec.header_entry("vary", vary[0]["value"] + ", Origin")  # the common case
    else:
        ec.merge_vary(headers, add=("Origin",))


def apply_timing_and_links(headers, origin_ms, content_type, settings):
    """Publish the origin latency as Server-Timing and add preload links to HTML documents."""
    if origin_ms and len(origin_ms) <= 12 and origin_ms.replace(".", "", 1).isdigit():
        timing = "origin;dur=" + origin_ms
        existing = ec.first_value(headers, "server-timing")
        headers["server-timing"] = ec.header_entry(
            "server-timing", existing + ", " + timing if existing else timing)
    if settings.link_entry and content_type.startswith("text/html"):
        headers["link"] = settings.link_entry


def ab_cookie(request, request_headers, settings):
    """A Set-Cookie entry when the viewer has no valid A/B cookie yet, else None."""
    if ec.ab_from_cookie(request_headers, settings.ab):
        return None
    variant = ec.first_value(request_headers, "x-ab-variant")
    if variant not in settings.ab.variants:
        variant = ec.ab_from_hash(ec.ab_seed(request, request_headers, settings.ua_limit), settings.ab)
    return settings.cookie_entries[variant]


def handle(event, settings):
    """Process one viewer-response event; always returns a response (status untouched)."""
    parts = ec.cf_parts(event, want_response=True)
    if parts is None:
        return ec.generated_response(502, "Bad Gateway", settings.security)
    _, request, response = parts
    headers = ec.safe_response_headers(response)
    request_headers = ec.pick_headers(request.get("headers"), _READ)
    origin_ms = ec.first_value(headers, "x-cf-origin-ms")
    for name in _DROP:
        if name in headers:
            del headers[name]
    status = ec.response_status(response)
    content_type = ec.first_value(headers, "content-type")
    headers.update(settings.security)
    headers["cache-control"] = cache_control_for(request["uri"], status, content_type, settings)
    apply_timing_and_links(headers, origin_ms, content_type, settings)
    apply_cors(request_headers, headers, settings)
    set_cookies = headers.get("set-cookie")
    if set_cookies:  # the edge owns the A/B cookie: the origin may not set or clear it
        set_cookies = [c for c in set_cookies if not c["value"].lstrip().startswith(settings.ab.cookie_eq)]
    cookie = ab_cookie(request, request_headers, settings)
    if cookie is not None:
        set_cookies = (set_cookies or []) + [cookie]
    if set_cookies:
        headers["set-cookie"] = set_cookies
    else:
        headers.pop("set-cookie", None)
    return response


SETTINGS = Settings(ec.load_config(__file__))


def handler(event, context=None):
    """Lambda@Edge entry point."""
    try:
        return handle(event, SETTINGS)
    except Exception as exc:  # noqa: BLE001 - see edge_common.internal_error
        return ec.internal_error("viewer_response", exc, SETTINGS.security)
