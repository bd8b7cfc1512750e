"""`candlefish edge serve`: CloudFront's rules (behaviour selection, cache key, TTL, response headers
policies, validation of Lambda@Edge results) and the warm workers, without AWS."""

from __future__ import annotations

import base64
import json
import sys
import textwrap
from email.utils import format_datetime
from datetime import datetime, timezone

import pytest

from candlefish_ops.aws.cloudfront import Behaviour
from candlefish_ops.edge.serve import parse_origins, rules
from candlefish_ops.edge.serve.rules import Invalid
from candlefish_ops.edge.serve.site import bucket_of, cloudfront_rights, region_of
from candlefish_ops.edge.serve.workers import FunctionPool
from candlefish_ops.errors import ValidationError


def behaviour(pattern: str) -> Behaviour:
    return Behaviour(pattern, "app", ("GET", "HEAD"), ("GET", "HEAD"), "", "", "", ())


def headers(**values: str) -> dict:
    return {name.replace("_", "-"): [{"key": name.replace("_", "-").title(), "value": value}]
            for name, value in values.items()}


# --- behaviours --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("/images/*", "/images/a/b.jpg", True), ("/images/*", "/images", False), ("images/*", "/images/x", True),
    ("/ws", "/ws", True), ("/ws", "/ws/x", False), ("*.jpg", "/a/b.jpg", True), ("/a?c", "/abc", True),
    ("/Images/*", "/images/x", False), ("*", "/anything", True), ("/a/*.css", "/a/b/c.css", True),
])
def test_path_patterns_match_as_cloudfront_documents(pattern, path, expected):
    assert rules.matches(pattern, path) is expected


def test_the_first_matching_behaviour_wins_and_the_default_catches_the_rest():
    ordered = [behaviour("/ws"), behaviour("/ws/*"), behaviour("/images/*"), behaviour("*")]
    assert rules.select(ordered, "/ws/x").path_pattern == "/ws/*"
    assert rules.select(ordered, "/images/x.jpg").path_pattern == "/images/*"
    assert rules.select(ordered, "/").path_pattern == "*"


# --- cache key and TTL ----------------------------------------------------------------------------------------

IMAGES = {"MinTTL": 0, "DefaultTTL": 31536000, "MaxTTL": 31536000,
          "ParametersInCacheKeyAndForwardedToOrigin": {
              "EnableAcceptEncodingGzip": False, "EnableAcceptEncodingBrotli": False,
              "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 1, "Items": ["X-Image-Accept"]}},
              "CookiesConfig": {"CookieBehavior": "none"},
              "QueryStringsConfig": {"QueryStringBehavior": "whitelist",
                                     "QueryStrings": {"Quantity": 2, "Items": ["w", "q"]}}}}


def test_cache_key_holds_only_what_the_policy_names():
    base = {"uri": "/images/a.jpg", "querystring": "w=640&utm=1", "headers": headers(x_image_accept="avif", accept="x")}
    same = {"uri": "/images/a.jpg", "querystring": "utm=2&w=640", "headers": headers(x_image_accept="avif", accept="y")}
    other = {"uri": "/images/a.jpg", "querystring": "w=640", "headers": headers(x_image_accept="webp")}
    assert rules.cache_key(IMAGES, base) == rules.cache_key(IMAGES, same)
    assert rules.cache_key(IMAGES, base) != rules.cache_key(IMAGES, other)


def test_normalised_accept_encoding_splits_the_cache_only_when_enabled():
    policy = {"ParametersInCacheKeyAndForwardedToOrigin": {"EnableAcceptEncodingGzip": True,
                                                           "EnableAcceptEncodingBrotli": True}}
    gzip = {"uri": "/", "headers": headers(accept_encoding="gzip, deflate")}
    brotli = {"uri": "/", "headers": headers(accept_encoding="br;q=1, gzip")}
    assert rules.cache_key(policy, gzip) != rules.cache_key(policy, brotli)
    assert rules.cache_key(IMAGES, gzip) == rules.cache_key(IMAGES, brotli)


NOW = 1_800_000_000.0


@pytest.mark.parametrize(("policy", "status", "control", "expected"), [
    ((0, 86400, 31536000), 200, "max-age=60", 60),
    ((0, 86400, 31536000), 200, "max-age=60, s-maxage=300", 300),
    ((100, 86400, 200), 200, "max-age=60", 100),              # raised to MinTTL
    ((0, 86400, 200), 200, "max-age=6000", 200),              # capped at MaxTTL
    ((0, 86400, 31536000), 200, "", 86400),                   # DefaultTTL without a header
    ((0, 86400, 31536000), 302, "no-store", 0),               # MinTTL 0 honours no-store
    ((5, 86400, 31536000), 200, "no-store", 5),               # MinTTL > 0 caches anyway
    ((0, 0, 0), 200, "max-age=600", 0),                       # CachingDisabled
    ((0, 86400, 31536000), 404, "", rules.ERROR_CACHING_MIN_TTL),
    ((0, 86400, 31536000), 302, "", 0),
])
def test_ttl_follows_min_default_max_and_cache_control(policy, status, control, expected):
    config = dict(zip(("MinTTL", "DefaultTTL", "MaxTTL"), policy))
    assert rules.ttl(config, status, headers(cache_control=control) if control else {}, NOW) == expected


def test_expires_counts_from_now_within_the_bounds():
    expires = format_datetime(datetime.fromtimestamp(NOW + 120, timezone.utc), usegmt=True)
    assert rules.ttl({"MinTTL": 0, "DefaultTTL": 86400, "MaxTTL": 3600}, 200, headers(expires=expires), NOW) == 120


# --- response headers policy ------------------------------------------------------------------------------------

def test_response_headers_policy_overrides_adds_and_removes():
    policy = {"SecurityHeadersConfig": {
        "StrictTransportSecurity": {"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True, "Preload": True,
                                    "Override": True},
        "FrameOptions": {"FrameOption": "DENY", "Override": False},
        "XSSProtection": {"Protection": True, "ModeBlock": True, "Override": True}},
        "RemoveHeadersConfig": {"Quantity": 1, "Items": [{"Header": "Server"}]}}
    answer = {**headers(strict_transport_security="max-age=1", x_frame_options="SAMEORIGIN", server="nginx")}
    rules.apply_response_headers_policy(policy, answer)
    assert answer["strict-transport-security"][0]["value"] == "max-age=63072000; includeSubDomains; preload"
    assert answer["x-frame-options"][0]["value"] == "SAMEORIGIN"      # Override false keeps the origin's
    assert answer["x-xss-protection"][0]["value"] == "1; mode=block"
    assert "server" not in answer


# --- validation of function results ------------------------------------------------------------------------------

REQUEST = {"clientIp": "127.0.0.1", "method": "GET", "uri": "/", "querystring": "",
           "headers": headers(host="d1.cloudfront.net", user_agent="x")}


def invalid(event_type, result, before_request=REQUEST, before_response=None) -> Invalid:
    with pytest.raises(Invalid) as refused:
        rules.validate(event_type, result, before_request, before_response)
    return refused.value


def test_a_request_may_add_and_change_ordinary_headers():
    changed = {**REQUEST, "uri": "/index.html", "headers": {**REQUEST["headers"], **headers(x_device_type="mobile")}}
    assert rules.validate("viewer-request", changed, REQUEST)[0] == "request"


@pytest.mark.parametrize("name", ["connection", "x-cache", "x-amz-cf-id", "x-amzn-trace-id", "x-edge-location",
                                  "x-forwarded-proto", "x-real-ip", "upgrade"])
def test_adding_a_disallowed_header_fails_validation(name):
    result = {**REQUEST, "headers": {**REQUEST["headers"], name: [{"key": name, "value": "1"}]}}
    refused = invalid("origin-request", result)
    assert (refused.kind, refused.rule) == (rules.VALIDATION, "disallowed-header")


@pytest.mark.parametrize(("event_type", "name"), [("viewer-request", "host"), ("origin-request", "accept-encoding"),
                                                  ("viewer-request", "via")])
def test_changing_a_read_only_header_fails_validation(event_type, name):
    result = {**REQUEST, "headers": {**REQUEST["headers"], name: [{"key": name, "value": "changed"}]}}
    refused = invalid(event_type, result)
    assert refused.rule == "read-only-header"
    assert "read-only header" in refused.message


def test_removing_a_read_only_header_fails_too():
    result = {**REQUEST, "headers": {"user-agent": REQUEST["headers"]["user-agent"]}}
    assert invalid("viewer-request", result).rule == "read-only-header"


def test_generated_response_size_limits_are_per_event_side():
    body = "x" * (41 * 1024)
    generated = {"status": "200", "headers": headers(content_type="text/plain"), "body": body}
    assert invalid("viewer-request", generated).rule == "generated-response-size"
    assert rules.validate("origin-request", generated, REQUEST)[0] == "response"
    huge = {**generated, "body": "x" * (1024 * 1024 + 1)}
    assert invalid("origin-request", huge).rule == "generated-response-size"


def test_body_encoding_must_be_text_or_valid_base64():
    assert invalid("viewer-request", {"status": "200", "body": "x", "bodyEncoding": "gzip"}).rule == "body-encoding"
    assert invalid("viewer-request", {"status": "200", "body": "@@@", "bodyEncoding": "base64"}).rule == "body-encoding"
    ok = rules.validate("viewer-request", {"status": "200", "body": base64.b64encode(b"\x00\x01").decode(),
                                           "bodyEncoding": "base64"}, REQUEST)
    assert ok[2] == b"\x00\x01"


def test_response_events_must_return_a_response_and_viewer_response_keeps_the_status():
    response = {"status": "200", "statusDescription": "OK", "headers": headers(content_type="text/html")}
    assert invalid("origin-response", dict(REQUEST), REQUEST, response).rule == "response-expected"
    assert invalid("viewer-response", {**response, "status": "404"}, REQUEST, response).rule == "status-change"
    assert invalid("origin-response", {**response, "status": "700"}, REQUEST, response).rule == "status"
    assert rules.validate("origin-response", {**response, "status": "302"}, REQUEST, response)[0] == "response"


def test_a_result_that_is_not_an_object_is_invalid_json():
    assert "invalid JSON" in invalid("viewer-request", None).message


# --- S3 origins behind OAC ------------------------------------------------------------------------------------

def test_cloudfront_rights_come_from_the_bucket_policy():
    policy = json.dumps({"Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*"}]})
    assert cloudfront_rights(policy) == {"s3:getobject"}
    assert cloudfront_rights("") == set()
    assert bucket_of("my-bucket.s3.eu-west-1.amazonaws.com") == "my-bucket"
    assert region_of("my-bucket.s3.eu-west-1.amazonaws.com") == "eu-west-1"


def test_origin_flags_are_name_equals_url():
    assert parse_origins(["app=http://127.0.0.1:3000"]) == {"app": "http://127.0.0.1:3000"}
    with pytest.raises(ValidationError, match="NAME=http"):
        parse_origins(["app:3000"])


# --- warm workers ----------------------------------------------------------------------------------------------

HANDLER = textwrap.dedent("""
    import time
    calls = 0

    def handler(event, context):
        global calls
        calls += 1
        print("log line", calls)
        if event.get("sleep"):
            time.sleep(event["sleep"])
        if event.get("fail"):
            raise ValueError("broken")
        return {"calls": calls}
""")


@pytest.fixture
def pool(tmp_path):
    (tmp_path / "handler.py").write_text(HANDLER)
    created = FunctionPool("test", sys.executable, tmp_path, "handler.handler", timeout=1.0, max_workers=1)
    yield created
    created.close()


def test_workers_keep_module_state_capture_logs_and_restart_after_a_timeout(pool):
    first = pool.invoke({})
    assert (first.result, first.cold) == ({"calls": 1}, True)
    second = pool.invoke({})
    assert (second.result, second.cold, second.logs.strip()) == ({"calls": 2}, False, "log line 2")
    assert pool.invoke({"sleep": 3}).timed_out
    after = pool.invoke({})
    assert (after.result, after.cold) == ({"calls": 1}, True)   # a fresh container
    failed = pool.invoke({"fail": True})
    assert failed.error == "ValueError: broken"
    assert (pool.invocations, pool.cold_starts) == (5, 2)


def test_an_internal_error_of_edge_serve_answers_502_instead_of_dropping_the_connection():
    import http.client

    from candlefish_ops.edge.serve.server import EdgeServer

    class Broken:
        def __init__(self):
            self.lines = []

        def handle(self, *args):
            raise ValueError("a bug")

        def _log(self, line):
            self.lines.append(line)

    service = Broken()
    server = EdgeServer(service, port=0).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.httpd.server_address[1], timeout=10)
        for _ in range(2):  # the kept-alive connection survives the error
            connection.request("GET", "/x")
            response = connection.getresponse()
            assert response.status == 502 and b"internal error" in response.read()
        assert service.lines and "ValueError" in service.lines[0]
    finally:
        server.stop()
