"""Origin-response function: edge caching headers, Vary hygiene, branded errors, origin timing.

Runs once per cache miss, after the origin answered, and its output is what CloudFront caches.

* Content optimisation: immutable classes (``/static/``, ``/assets/``, fonts...) get a one-year
  ``immutable`` Cache-Control; other successful responses without a policy get the class default and
  every cacheable success gets ``stale-if-error`` so CloudFront can serve the stale copy while the
  origin fails. ``Vary`` is rewritten once, de-duplicated, ``Accept-Encoding`` added for compressible
  types, ``Accept`` for image variants, ``User-Agent`` dropped (the device class is in the cache key).
* Errors: an origin 5xx becomes a branded HTML page (JSON for ``/api/``) with the same status,
  ``Retry-After`` and ``no-store``. A missing ``/processed/`` image variant (S3 answers 403 or 404) is
  handed to the image optimiser when it is bundled with this function; otherwise it is returned as an
  uncached 404 so the next request tries again.
* Metrics: ``X-Cf-Origin-Ms`` (origin latency from origin_request's ``X-Cf-Edge-Start``; turned into
  ``Server-Timing`` by viewer_response) and one JSON log line per event on stdout (CloudWatch).
"""

import html
import json
import os
import sys
import time

try:
    import edge_common as ec
except ImportError:  # repository layout: lambdas/_shared/ holds the shared module
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_shared"))
    import edge_common as ec

_COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml",
                 "image/svg+xml", "application/manifest+json", "font/ttf", "font/otf")
_UNCACHEABLE = ("no-store", "private", "no-cache")


class Settings:
    """Everything the handler needs, compiled once from the config dict."""

    def __init__(self, config):
        self.classes = ec.compile_cache_classes(config)
        self.edge_html = config["cache_edge_html"]
        self.default = config["cache_default"]
        self.stale_if_error = int(config["stale_if_error"])
        self.security = ec.build_security_headers(config)
        self.processed_prefix = "/" + config["images"]["processed_prefix"].strip("/") + "/"
        page = config["error_page"]
        self.retry_after = str(int(page["retry_after"]))
        self.error_html = _branded_page(page["title"], page["message"])
        self.cors_paths = ("/api/", "/images/", "/fonts/", "/processed/")
        self.optimizer = None  # resolved lazily: image_optimizer handler when bundled alongside


def _branded_page(title, message):
    title, message = html.escape(title), html.escape(message)
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{title}</title><style>body{{font-family:system-ui,sans-serif;background:#0b1d2a;"
            "color:#f4f1ea;display:flex;min-height:100vh;align-items:center;justify-content:center;"
            "margin:0}main{max-width:32rem;padding:2rem;text-align:center}h1{color:#f5a623}</style>"
            f"</head><body><main><h1>{title}</h1><p>{message}</p></main></body></html>")


def origin_latency_ms(request_headers, now_ms):
    """Milliseconds since origin_request stamped the request, or None when absent or implausible."""
    stamp = ec.first_value(request_headers, "x-cf-edge-start")
    try:
        elapsed = now_ms - float(stamp)
    except ValueError:
        return None
    return round(elapsed, 1) if 0 <= elapsed <= 60000 else None


def edge_cache_control(uri, current, settings):
    """The Cache-Control to store with a successful response."""
    matched = ec.classify_path(uri, settings.classes)
    if matched is not None and matched[0] in ("immutable", "font"):
        return matched[1]
    if not current:
        current = matched[1] if matched else (settings.edge_html if ec.is_html_path(uri) else settings.default)
    low = current.lower()
    if "stale-if-error" in low or any(token in low for token in _UNCACHEABLE):
        return current
    return f"{current}, stale-if-error={settings.stale_if_error}"


def fix_vary(uri, headers, settings):
    """One clean Vary header for what this response really depends on."""
    content_type = ec.first_value(headers, "content-type").lower()
    add = []
    if content_type.startswith(_COMPRESSIBLE):
        add.append("Accept-Encoding")
    if uri.startswith(settings.processed_prefix):
        add.append("Accept")
    if uri.startswith(settings.cors_paths):
        add.append("Origin")
    ec.merge_vary(headers, add=add, remove=("user-agent",))


def error_page(uri, status, settings):
    """Branded replacement for an origin 5xx (same status, not cached)."""
    extra = {"retry-after": settings.retry_after}
    if uri.startswith("/api/"):
        body = json.dumps({"error": "upstream_unavailable", "status": status})
        return ec.generated_response(status, body, settings.security, "application/json", extra=extra)
    return ec.generated_response(status, settings.error_html, settings.security,
                                 "text/html; charset=utf-8", extra=extra)


def variant_missing(event, context, uri, settings):
    """Delegate a missing image variant to the bundled optimiser, else an uncached 404."""
    if settings.optimizer is None:
        try:
            import image_optimizer_handler as optimizer  # present only in a combined bundle
            settings.optimizer = optimizer.handler
        except ImportError:
            settings.optimizer = False
    if settings.optimizer:
        return settings.optimizer(event, context)
    return ec.generated_response(404, "Not Found", settings.security)


def log_line(cf, uri, status, latency, action):
    """One structured JSON line per event (CloudWatch Logs in the edge region)."""
    config = cf.get("config") if type(cf.get("config")) is dict else {}
    print(json.dumps({"fn": "origin_response", "requestId": str(config.get("requestId", ""))[:128],
                      "uri": uri[:512], "status": status, "originMs": latency, "action": action}))


def handle(event, settings, context=None):
    """Process one origin-response event; returns the (possibly replaced) response."""
    parts = ec.cf_parts(event, want_response=True)
    if parts is None:
        return ec.generated_response(502, "Bad Gateway", settings.security)
    cf, request, response = parts
    request_headers = ec.pick_headers(request.get("headers"), ("x-cf-edge-start",))
    latency = origin_latency_ms(request_headers, time.time() * 1000)
    status = ec.response_status(response)
    result, action = respond(event, context, request["uri"], response, status, settings)
    if latency is not None and type(result.get("headers")) is dict:
        result["headers"]["x-cf-origin-ms"] = ec.header_entry("x-cf-origin-ms", str(latency))
    log_line(cf, request["uri"], status, latency, action)
    return result


def respond(event, context, uri, response, status, settings):
    """``(result, action)``: optimise a variant miss, brand a 5xx, or fix up a normal response."""
    if status in (403, 404) and uri.startswith(settings.processed_prefix):
        return variant_missing(event, context, uri, settings), "optimise"
    if status >= 500:
        return error_page(uri, status, settings), "error-page"
    headers = ec.safe_response_headers(response)
    if 200 <= status < 300 or status in (301, 308):
        headers["cache-control"] = ec.header_entry(
            "cache-control", edge_cache_control(uri, ec.first_value(headers, "cache-control"), settings))
    fix_vary(uri, headers, settings)
    return response, "pass"


SETTINGS = Settings(ec.load_config(__file__))


def handler(event, context=None):
    """Lambda@Edge entry point."""
    try:
        return handle(event, SETTINGS, context)
    except Exception as exc:  # noqa: BLE001 - see edge_common.internal_error
        return ec.internal_error("origin_response", exc, SETTINGS.security)
