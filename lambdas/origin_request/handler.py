"""Origin-request function: URL normalisation, content routing, image variant keys, API geo-routing.

Runs on cache misses only, before CloudFront contacts the origin.

* URL normalisation: percent-decoding (once, strict UTF-8; double encoding and control characters
  are refused), duplicate slashes collapsed, ``.``/``..`` resolved (climbing above the root is a 400),
  trailing slash -> ``index.html``, lower-case paths under configured prefixes and lower-case file
  extensions, tracking parameters (``utm_*``, ``fbclid``, ...) removed from the query string.
* Content routing: device-specific HTML (``/m/...`` for mobile and tablet) and path prefixes mapped to
  other custom origins.
* ``/images/*`` (origin unchanged: the behaviour's OAC-protected bucket): the requested width is snapped to the allowed list, the quality clamped and
  quantised, the format negotiated from ``Accept`` (or the ``X-Image-Accept`` header viewer_request
  put in the cache key) and the URI rewritten to the variant key
  ``/processed/<original path>.w<width>q<quality>.<format>`` in the optimized-images bucket.
* ``/api/*``: routed to the US, EU or AP API origin from ``CloudFront-Viewer-Country``.

The request carries two internal headers to the origin-response side: ``X-Cf-Edge-Start`` (epoch
milliseconds, for the origin timing) and, for images, ``X-Cf-Viewer-Uri`` (where to redirect when a
variant is too large to return inline).
"""

import os
import sys
import time
from urllib.parse import quote, unquote_to_bytes

try:
    import edge_common as ec
except ImportError:  # repository layout: lambdas/_shared/ holds the shared module
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_shared"))
    import edge_common as ec

_SAFE_PATH_CHARS = "/-._~!$&'()*+,;=:@"
_FORMAT_EXT = {"avif": "avif", "webp": "webp", "jpeg": "jpeg", "png": "png"}


class BadRequest(Exception):
    """The request cannot be normalised safely; answered with a 400."""


class Settings:
    """Everything the handler needs, compiled once from the config dict."""

    def __init__(self, config):
        routing, images = config["routing"], config["images"]
        self.max_uri = int(routing["max_uri_length"])
        self.lowercase_prefixes = tuple(routing["lowercase_prefixes"])
        self.device_prefixes = dict(routing["device_prefixes"])
        self.tracking = frozenset(p.lower() for p in routing["tracking_params"])
        self.tracking_prefixes = tuple(p.lower() for p in routing["tracking_prefixes"])
        self.routes = tuple((r["prefix"], r["origin"]) for r in routing["routes"])
        self.api_origins = dict(routing["api_origins"])
        self.api_default = routing["api_default_region"]
        self.country_region = {c.upper(): region for region, countries in routing["country_regions"].items()
                               for c in countries}
        self.widths = tuple(sorted(int(w) for w in images["widths"]))
        quality = images["quality"]
        self.q_min, self.q_max, self.q_step = int(quality["min"]), int(quality["max"]), int(quality["step"])
        self.q_default = dict(quality["default"])
        self.preference = tuple(images["format_preference"])
        self.source_ext = frozenset(e.lower() for e in images["source_extensions"])
        self.processed_prefix = "/" + images["processed_prefix"].strip("/") + "/"
        self.security = ec.build_security_headers(config)


# --------------------------------------------------------------------------- URL normalisation


def normalise_path(uri, settings):
    """Decoded, dot-resolved, case-normalised path (a str starting with "/"), or BadRequest."""
    if not uri.startswith("/") or len(uri) > settings.max_uri:
        raise BadRequest("uri")
    if not uri.isascii():
        try:
            uri.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: no byte sequence could have produced them
            raise BadRequest("uri is not encodable") from None
    path = uri
    if "%" in path:
        try:
            path = unquote_to_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("uri is not UTF-8") from None
        if _has_percent_escape(path):
            raise BadRequest("double percent-encoding")
    if not path.isprintable() or "\\" in path:
        raise BadRequest("control character or backslash in uri")
    path = _resolve_segments(path)
    if path.endswith("/") and not path.startswith("/api/"):  # API paths are the API's own
        path += "index.html"
    return _apply_case_rules(path, settings)


def _has_percent_escape(text):
    index = text.find("%")
    while index != -1:
        pair = text[index + 1:index + 3]
        if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
            return True
        index = text.find("%", index + 1)
    return False


def _resolve_segments(path):
    """Collapse ``//``, drop ``.``, resolve ``..``; a ``..`` above the root is refused."""
    if "//" not in path and "/." not in path:
        return path
    out = []
    segments = path.split("/")[1:]
    for segment in segments:
        if segment == "..":
            if not out:
                raise BadRequest("path escapes the root")
            out.pop()
        elif segment and segment != ".":
            out.append(segment)
    trailing = segments[-1] in ("", ".", "..") and out
    return "/" + "/".join(out) + ("/" if trailing else "")


def _apply_case_rules(path, settings):
    lowered = path.lower()
    if lowered.startswith(settings.lowercase_prefixes):
        return lowered
    head, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext != ext.lower():
        return head + "." + ext.lower()
    return path


def clean_query(querystring, settings):
    """Query string without tracking parameters or empty pieces; order otherwise kept."""
    if not querystring:
        return ""
    kept = []
    for piece in querystring[:4096].split("&"):
        if not piece:
            continue
        name = piece.split("=", 1)[0].lower()
        if name in settings.tracking or name.startswith(settings.tracking_prefixes):
            continue
        kept.append(piece)
    return "&".join(kept)


def query_first(querystring, names):
    """First value of the first parameter in ``names`` (raw text), or None."""
    for piece in querystring.split("&"):
        name, _, value = piece.partition("=")
        if name.lower() in names:
            return value
    return None


# --------------------------------------------------------------------------- images


snap_width = ec.snap_width


def clamp_quality(raw, fmt, settings):
    """Quality clamped to [min, max] and rounded to the step, so the cache key space stays bounded."""
    default = int(settings.q_default.get(fmt, 80))
    if fmt == "png":
        return 0
    if raw is None or not raw.isdigit() or len(raw) > 3:
        return default
    quality = min(max(int(raw), settings.q_min), settings.q_max)
    return settings.q_min + (quality - settings.q_min) // settings.q_step * settings.q_step


def image_variant(path, querystring, headers, settings):
    """``(variant uri, viewer uri)`` for an ``/images/...`` raster request, or None to pass it through."""
    name = path[len("/images/"):]
    ext = name.rpartition(".")[2].lower()
    if not name or ext not in settings.source_ext:
        return None
    fmt = ec.first_value(headers, "x-image-accept")
    if fmt not in settings.preference:
        fmt = ec.negotiate_image_format(ec.first_value(headers, "accept"), settings.preference)
    if not fmt:
        fmt = "png" if ext in ("png", "gif") else "jpeg"
    width = snap_width(query_first(querystring, ("w", "width")), settings.widths)
    quality = clamp_quality(query_first(querystring, ("q", "quality")), fmt, settings)
    variant = f"{settings.processed_prefix}{name}.w{width}q{quality}.{_FORMAT_EXT[fmt]}"
    return variant, f"{path}?w={width}" + (f"&q={quality}" if quality else "")


def set_custom_origin(request, domain, path=""):
    """Point the request at an HTTPS custom origin and fix the Host header."""
    request["origin"] = {"custom": {
        "domainName": domain, "port": 443, "protocol": "https", "path": path,
        "sslProtocols": ["TLSv1.2"], "readTimeout": 30, "keepaliveTimeout": 5, "customHeaders": {},
    }}
    request["headers"]["host"] = ec.header_entry("host", domain)


# --------------------------------------------------------------------------- routing


def device_of(headers):
    """Device class from viewer_request's header, else CloudFront's own device headers."""
    device = ec.first_value(headers, "x-device-type")
    if device in ("mobile", "tablet", "desktop", "bot"):
        return device
    if ec.first_value(headers, "cloudfront-is-tablet-viewer") == "true":
        return "tablet"
    if ec.first_value(headers, "cloudfront-is-mobile-viewer") == "true":
        return "mobile"
    return "desktop"


def route(request, path, query, settings):
    """Apply images / API / path / device routing; returns the final path."""
    headers = request["headers"]
    if path.startswith("/images/"):
        # The origin stays the behaviour's own (the optimised-images bucket behind OAC): CloudFront does
        # not support switching an OAC-protected S3 origin from Lambda@Edge. A request that names no
        # raster variant keeps its path there, and the optimiser answers 404 for it.
        variant = image_variant(path, query, headers, settings)
        if variant is None:
            return path
        headers["x-cf-viewer-uri"] = ec.header_entry("x-cf-viewer-uri", quote(variant[1], _SAFE_PATH_CHARS + "?"))
        return variant[0]
    if path.startswith("/api/"):
        country = ec.first_value(headers, "cloudfront-viewer-country").strip().upper()[:2]
        region = settings.country_region.get(country, settings.api_default)
        set_custom_origin(request, settings.api_origins[region])
        return path
    for prefix, origin in settings.routes:
        if path.startswith(prefix):
            set_custom_origin(request, origin["domain"], origin.get("path", ""))
            return path
    device_prefix = settings.device_prefixes.get(device_of(headers))
    if device_prefix and ec.is_html_path(path) and not path.startswith(device_prefix + "/"):
        return device_prefix + path
    return path


def handle(event, settings):
    """Process one origin-request event; returns the request or a generated 400."""
    parts = ec.cf_parts(event)
    if parts is None:
        return ec.generated_response(400, "Bad Request", settings.security)
    request = parts[1]
    headers = request.get("headers")
    querystring = request.get("querystring", "")
    if not ec.headers_are_safe(headers) or type(querystring) is not str:
        return ec.generated_response(400, "Bad Request", settings.security)
    try:
        path = normalise_path(request["uri"], settings)
    except BadRequest:
        return ec.generated_response(400, "Bad Request", settings.security)
    if path.startswith(settings.processed_prefix):  # internal variant keys are not public URLs
        return ec.generated_response(404, "Not Found", settings.security, cache_control="public, max-age=60")
    query = clean_query(querystring, settings)
    if not query.isprintable():
        return ec.generated_response(400, "Bad Request", settings.security)
    routed = route(request, path, query, settings)
    if path.startswith("/images/"):
        query = ""  # the variant key carries width/quality/format; S3 must not see sub-resources
    request["uri"] = quote(routed, _SAFE_PATH_CHARS)
    request["querystring"] = query
    headers["x-cf-edge-start"] = ec.header_entry("x-cf-edge-start", f"{time.time() * 1000:.1f}")
    return request


SETTINGS = Settings(ec.load_config(__file__))


def handler(event, context=None):
    """Lambda@Edge entry point."""
    try:
        return handle(event, SETTINGS)
    except Exception as exc:  # noqa: BLE001 - see edge_common.internal_error
        return ec.internal_error("origin_request", exc, SETTINGS.security)
