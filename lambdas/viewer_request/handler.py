"""Viewer-request function: bot gate, device detection, A/B assignment, internal-header hygiene.

Runs on every request before the cache, so it is plain substring tests on a truncated, lower-cased
user agent (no regular expressions) and precomputed settings. It sets, for the cache key and the
origin: ``X-Device-Type`` (mobile / tablet / desktop / bot), ``X-Ab-Variant`` and, for ``/images/*``,
``X-Image-Accept`` (the negotiated image format, so the cache key carries one of three values
instead of the raw ``Accept``). Client-supplied copies of those internal headers are dropped first.
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
        self.device_entries = {d: ec.header_entry("x-device-type", d)
                               for d in ("mobile", "tablet", "desktop", "bot")}
        self.variant_entries = {v: ec.header_entry("x-ab-variant", v) for v in self.ab.variants}
        self.image_entries = {f: ec.header_entry("x-image-accept", f or "default")
                              for f in ("",) + self.image_preference}
        self.bot_class = {c: ec.header_entry("x-bot-class", c) for c in ("good", "other")}
        self.bad_request = ec.canned_response(400, "Bad Request", self.security)
        self.forbidden = ec.canned_response(403, "Forbidden", self.security)


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


def handle(event, settings):
    """Process one viewer-request event; returns the request or a generated 400/403 response."""
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
    headers["x-device-type"] = settings.device_entries[device]
    variant = ec.ab_from_cookie(headers, settings.ab) or ec.ab_from_hash(
        ec.ab_seed(request, headers, settings.ua_limit), settings.ab)
    headers["x-ab-variant"] = settings.variant_entries[variant]
    if request["uri"].startswith("/images/"):
        fmt = ec.negotiate_image_format(ec.first_value(headers, "accept"), settings.image_preference)
        headers["x-image-accept"] = settings.image_entries[fmt]
    return request


SETTINGS = Settings(ec.load_config(__file__))


def handler(event, context=None):
    """Lambda@Edge entry point."""
    try:
        return handle(event, SETTINGS)
    except Exception as exc:  # noqa: BLE001 - see edge_common.internal_error
        return ec.internal_error("viewer_request", exc, SETTINGS.security)
