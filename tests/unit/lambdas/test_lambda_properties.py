"""Property-based tests: generated (often hostile) CloudFront events thrown at every handler.

Invariants checked on every result: the handler does not raise; it returns either a request CloudFront
can forward or a valid response; no header name, key or value carries CR, LF or NUL (no header
injection); generated responses and every viewer response carry the security headers; internal headers
on forwarded requests hold only values the functions themselves produce; CORS grants only from the
configuration (preflights answered by viewer_request, origins echoed by viewer_response).
"""

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_events import LAMBDAS, SECURITY_HEADERS, assert_valid_headers, assert_valid_request, assert_valid_response

HOSTILE = ["", " ", "\r\n", "\n", "\r", "\0", "..", "%2e%2e", "%252e", "%", "%zz", "%ff", "%00", "%0d%0a",
           "\ud800", "\u2028", "漢字", "/", "//", "\\", "?", "#", ";", "=", "&", "cf_ab=", "cf_ab=b",
           "image/avif;q=0", "image/webp;q=nan", "q=1e999", "w=", "w=99999999999", "q=-1", "*", "null",
           "https://app.candlefish.ai", "googlebot", "sqlmap", "x" * 300, "PUT", "put", "TRACE", "OPTIONS",
           "content-type", "Content-Type, X-Evil", "authorization,x-requested-with"]
NAMES = ["host", "user-agent", "accept", "cookie", "origin", "referer", "x-device-type", "x-ab-variant",
         "x-image-accept", "x-bot-class", "x-cf-edge-start", "x-cf-viewer-uri", "x-cf-origin-ms",
         "cloudfront-viewer-country", "cloudfront-is-mobile-viewer", "content-type", "cache-control", "vary",
         "set-cookie", "server-timing", "access-control-allow-origin", "x-powered-by",
         "access-control-request-method", "access-control-request-headers"]

text = st.one_of(st.text(max_size=80), st.sampled_from(HOSTILE),
                 st.lists(st.sampled_from(HOSTILE + ["a", "b", "1"]), max_size=6).map("".join))
name = st.one_of(st.sampled_from(NAMES), st.text("abcxyz-\r\n:", min_size=1, max_size=12))
entry = st.builds(lambda n, v: {"key": n.title(), "value": v}, name, text)
headers = st.dictionaries(name, st.lists(entry, min_size=1, max_size=3), max_size=10).map(
    lambda h: {k: [dict(e, key=e["key"] if e["key"].lower() == k else k.title()) for e in v] for k, v in h.items()})
uri = st.one_of(
    st.lists(st.sampled_from(HOSTILE + ["images", "api", "static", "processed", "a.jpg", "index.html", "m"]),
             max_size=6).map(lambda parts: "/" + "/".join(parts)),
    st.text(max_size=60).map(lambda s: "/" + s),
    st.sampled_from(["/images/../../etc/passwd", "/images/%2e%2e/%2e%2e/etc/passwd", "/images/a.jpg",
                     "/processed/a.jpg.w640q80.webp", "/api/v1/x", "/", "/static/app.js"]),
)
query = st.one_of(text, st.lists(st.sampled_from(["w=640", "w=1e9", "q=87", "q=", "utm_source=x", "fbclid=1",
                                                  "w=320", "width=-1", "quality=999", "%", "a=\r\n"]),
                                 max_size=5).map("&".join))
method = st.one_of(st.sampled_from(["GET", "OPTIONS", "POST", "HEAD", "PUT", "options"]), st.text(max_size=8))
status = st.one_of(st.sampled_from(["200", "301", "304", "403", "404", "500", "502", "503"]), st.text(max_size=4))

PROPS = settings(max_examples=100, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CONFIG = json.loads((LAMBDAS / "edge_config.json").read_text(encoding="utf-8"))
VARIANT = re.compile(r"^/processed/.+\.w(320|640|1280|1920)q([0-9]+)\.(avif|webp|jpeg|png)$")


def build(event_type, uri_value, query_value, request_headers, ip, response_status=None, response_headers=None,
          method_value="GET"):
    cf = {"config": {"distributionId": "EDFDVBD6EXAMPLE", "eventType": event_type, "requestId": "r"},
          "request": {"clientIp": ip, "headers": request_headers, "method": method_value,
                      "querystring": query_value, "uri": uri_value}}
    if response_status is not None:
        cf["response"] = {"status": response_status, "statusDescription": "x", "headers": response_headers}
    return {"Records": [{"cf": cf}]}


def assert_no_crash(capsys):
    """The handlers' last-resort guard turns exceptions into a 500 and an internal-error log line."""
    assert "internal-error" not in capsys.readouterr().out


def assert_internal_values(result, config):
    allowed = {
        "x-device-type": {"mobile", "tablet", "desktop", "bot"},
        "x-ab-variant": set(config["ab"]["variants"]),
        "x-image-accept": {"avif", "webp", "default"},
        "x-bot-class": {"good", "other"},
    }
    for header, values in allowed.items():
        for item in result["headers"].get(header, []):
            assert item["value"] in values, (header, item)
    for header in ("x-cf-edge-start", "x-cf-viewer-uri", "x-cf-origin-ms"):
        assert header not in result["headers"], header


def assert_preflight_grants(result, request_headers):
    """A 204 only answers a real preflight, and every Access-Control-* value comes from the config."""
    headers = result["headers"]
    grants = {name: entries[0]["value"] for name, entries in headers.items() if name.startswith("access-control-")}
    if result["status"] != "204":
        assert grants == {}, grants
        return
    cors = CONFIG["cors"]
    origins, methods = request_headers["origin"], request_headers["access-control-request-method"]
    assert len(origins) == 1 and len(methods) == 1
    assert grants["access-control-allow-origin"] == origins[0]["value"].lower()
    assert grants["access-control-allow-origin"] in cors["allowed_origins"]
    assert methods[0]["value"].strip() in cors["allow_methods"]
    assert grants["access-control-allow-methods"] == ", ".join(cors["allow_methods"])
    assert grants["access-control-max-age"] == str(cors["max_age"])
    assert grants["access-control-allow-credentials"] == "true"
    requested = ",".join(e["value"] for e in request_headers.get("access-control-request-headers", [])).lower()
    for name in grants.get("access-control-allow-headers", "").split(", "):
        assert name == "" or (name in cors["allow_headers"] and name in requested), name
    assert set(grants) <= {"access-control-allow-origin", "access-control-allow-methods", "access-control-max-age",
                           "access-control-allow-credentials", "access-control-allow-headers"}
    assert headers["vary"][0]["value"] == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    assert headers["cache-control"][0]["value"] == "no-store"


@PROPS
@given(uri=uri, query_value=query, request_headers=headers, ip=text, method_value=method)
def test_viewer_request_invariants(edge, uri, query_value, request_headers, ip, method_value, capsys):
    data = build("viewer-request", uri, query_value, request_headers, ip, method_value=method_value)
    result = edge["viewer_request"].handler(data)
    assert_no_crash(capsys)
    if "status" in result:
        assert_valid_response(result)
        assert result["status"] in ("204", "400", "403")
        assert result["status"] != "204" or method_value == "OPTIONS"
        assert_preflight_grants(result, request_headers)
    else:
        assert_valid_request(result)
        assert_internal_values(result, CONFIG)


CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
allowed_origin = st.sampled_from(CONFIG["cors"]["allowed_origins"])
origin_value = st.one_of(allowed_origin, allowed_origin, allowed_origin.map(str.upper), text)
allowed_method = st.sampled_from(CONFIG["cors"]["allow_methods"])
method_name = st.one_of(allowed_method, allowed_method, st.sampled_from(["TRACE", "put", "OPTIONS", " PUT"]), text)
header_list = st.lists(st.one_of(st.sampled_from(CONFIG["cors"]["allow_headers"] + ["X-Evil", "Content-Type", " "]),
                                 text), max_size=5).map(",".join)


def values(strategy):
    """CloudFront entries for one header: mostly one, sometimes none (absent) or a repeated header."""
    entry = strategy.map(lambda v: {"key": "X", "value": v})
    return st.one_of(entry.map(lambda e: [e]), entry.map(lambda e: [e]), st.just([]),
                     st.lists(entry, min_size=2, max_size=2))


@settings(PROPS, max_examples=300)
@given(origins=values(origin_value), methods=values(method_name), requested=values(header_list), uri=uri)
def test_preflights_grant_only_configured_values(edge, origins, methods, requested, uri, capsys):
    request_headers = {"user-agent": [{"key": "User-Agent", "value": CHROME}]}
    for name, entries in (("origin", origins), ("access-control-request-method", methods),
                          ("access-control-request-headers", requested)):
        if entries:
            request_headers[name] = entries
    sent = [e["value"] for e in origins + methods + requested]
    result = edge["viewer_request"].handler(build("viewer-request", uri, "", request_headers, "203.0.113.9",
                                                  method_value="OPTIONS"))
    assert_no_crash(capsys)
    if any(c in v for v in sent for c in "\r\n\0") or not uri.startswith("/"):
        assert result["status"] == "400"
    elif not origins or not methods:
        assert_valid_request(result)  # not a preflight: forwarded as before
        return
    assert_valid_response(result)
    assert result["status"] in ("204", "400", "403")
    assert_preflight_grants(result, request_headers)
    exact = (len(origins) == 1 and origins[0]["value"] in CONFIG["cors"]["allowed_origins"]
             and len(methods) == 1 and methods[0]["value"] in CONFIG["cors"]["allow_methods"])
    if exact and not requested:
        assert result["status"] == "204"


@PROPS
@given(uri=uri, request_headers=headers, response_status=status, response_headers=headers, ip=text)
def test_viewer_response_invariants(edge, uri, request_headers, response_status, response_headers, ip, capsys):
    sent_origin = [e["value"] for e in request_headers.get("origin", [])[:1]]
    data = build("viewer-response", uri, "", request_headers, ip, response_status, response_headers)
    result = edge["viewer_response"].handler(data)
    assert_no_crash(capsys)
    assert_valid_response(result)
    valid_status = len(response_status) == 3 and response_status.isdigit()
    assert result["status"] == (response_status if valid_status else "502")  # never changed when valid
    headers = result["headers"]
    for header in SECURITY_HEADERS:
        assert headers[header][0]["value"] == CONFIG["security_headers"][header]
    allow = [e["value"] for e in headers.get("access-control-allow-origin", [])]
    if allow:
        assert allow == sent_origin and allow[0].lower() in CONFIG["cors"]["allowed_origins"]
    vary = headers["vary"][0]["value"]
    assert "Origin" in vary or vary == "*"  # "Vary: *" already covers Origin
    for cookie in headers.get("set-cookie", []):
        if cookie["value"].startswith("cf_ab="):
            assert cookie["value"].split(";")[0][6:] in CONFIG["ab"]["variants"]


@PROPS
@given(uri=uri, query_value=query, request_headers=headers, ip=text)
def test_origin_request_invariants(edge, uri, query_value, request_headers, ip, capsys):
    result = edge["origin_request"].handler(build("origin-request", uri, query_value, request_headers, ip))
    assert_no_crash(capsys)
    if "status" in result:
        assert_valid_response(result)
        assert result["status"] in ("400", "404")  # 404: a direct request for an internal variant key
        return
    assert_valid_request(result)
    path = result["uri"]
    assert path.isascii() and path.isprintable() and "//" not in path and "\\" not in path
    assert "/../" not in path + "/" and "/./" not in path + "/"
    assert result["querystring"].isprintable()
    assert "utm_" not in result["querystring"].lower() and "fbclid" not in result["querystring"].lower()
    if path.startswith("/processed/"):
        match = VARIANT.match(path)
        assert match, path
        quality = int(match[2])
        assert quality == 0 or CONFIG["images"]["quality"]["min"] <= quality <= CONFIG["images"]["quality"]["max"]


@PROPS
@given(uri=uri, request_headers=headers, response_status=status, response_headers=headers, ip=text)
def test_origin_response_invariants(edge, uri, request_headers, response_status, response_headers, ip, capsys):
    module = edge["origin_response"]
    cfg = module.Settings.__new__(module.Settings)
    cfg.__dict__.update(module.SETTINGS.__dict__)
    cfg.optimizer = False  # variant misses answered without the optimiser bundle
    data = build("origin-response", uri, "", request_headers, ip, response_status, response_headers)
    result = module.handle(data, cfg)
    assert_no_crash(capsys)
    generated = "body" in result
    assert_valid_response(result, security=generated)
    if not generated:
        assert result["status"] == response_status


class _NoOriginals:
    """S3 stand-in for the property test: every original is missing, writes are refused."""

    def get_object(self, **kwargs):
        from botocore.exceptions import ClientError
        raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "missing"}}, "GetObject")

    def put_object(self, **kwargs):
        raise AssertionError("nothing may be written when originals are missing")


@PROPS
@given(uri=uri, request_headers=headers, response_status=status, response_headers=headers, ip=text)
def test_image_optimizer_invariants(edge, uri, request_headers, response_status, response_headers, ip, capsys):
    optimizer = edge["image_optimizer"]
    optimizer.set_s3_client_factory(lambda region: _NoOriginals())
    try:
        data = build("origin-response", uri, "", request_headers, ip, response_status, response_headers)
        result = optimizer.handler(data)
    finally:
        optimizer.set_s3_client_factory(None)
    assert_no_crash(capsys)
    generated = "body" in result
    assert_valid_response(result, security=generated)
    if response_status in ("403", "404"):
        assert result["status"] == "404"


json_values = st.recursive(st.none() | st.booleans() | st.integers() | text,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                           max_leaves=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.one_of(json_values, st.builds(lambda r: {"Records": r}, json_values),
                         st.builds(lambda c: {"Records": [{"cf": c}]}, json_values)))
@pytest.mark.parametrize("name", ["viewer_request", "viewer_response", "origin_request", "origin_response",
                                  "image_optimizer"])
def test_structurally_broken_events_never_crash(edge, name, garbage, capsys):
    result = edge[name].handler(garbage)
    assert_no_crash(capsys)
    assert_valid_response(result)
    assert_valid_headers(result["headers"])
