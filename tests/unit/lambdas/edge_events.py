"""Helpers to build and inspect CloudFront Lambda@Edge events in the tests."""

import copy
import json
import pathlib

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
LAMBDAS = pathlib.Path(__file__).resolve().parents[3] / "lambdas"
SECURITY_HEADERS = ("strict-transport-security", "content-security-policy", "x-content-type-options",
                    "x-frame-options", "referrer-policy", "permissions-policy",
                    "cross-origin-opener-policy", "cross-origin-resource-policy")


def event(name, uri=None, querystring=None, headers=None, drop=(), status=None, response_headers=None):
    """A fixture event with request fields/headers replaced (headers: {name: value or None})."""
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    cf = data["Records"][0]["cf"]
    request = cf["request"]
    if uri is not None:
        request["uri"] = uri
    if querystring is not None:
        request["querystring"] = querystring
    for header, value in (headers or {}).items():
        set_header(request["headers"], header, value)
    for header in drop:
        request["headers"].pop(header, None)
    if status is not None:
        cf["response"]["status"] = status
    for header, value in (response_headers or {}).items():
        set_header(cf["response"]["headers"], header, value)
    return data


def set_header(headers, name, value):
    """Set (or with None remove) a header in CloudFront shape."""
    if value is None:
        headers.pop(name, None)
    else:
        headers[name] = [{"key": "-".join(p.capitalize() for p in name.split("-")), "value": value}]


def value(headers, name):
    """First value of a header or None."""
    entries = headers.get(name)
    return entries[0]["value"] if entries else None


def request_of(data):
    return data["Records"][0]["cf"]["request"]


def clone(data):
    return copy.deepcopy(data)


def assert_valid_headers(headers):
    """CloudFront header shape with no CR, LF or NUL anywhere."""
    assert isinstance(headers, dict)
    for name, entries in headers.items():
        assert isinstance(name, str) and name == name.lower(), name
        assert isinstance(entries, list) and entries, name
        for entry in entries:
            assert isinstance(entry, dict)
            assert isinstance(entry["value"], str)
            for text in (name, entry.get("key", ""), entry["value"]):
                assert "\r" not in text and "\n" not in text and "\0" not in text, (name, text)


def assert_valid_response(result, security=True):
    """A response CloudFront accepts (generated or modified), optionally with security headers."""
    assert isinstance(result, dict)
    status = result["status"]
    assert isinstance(status, str) and len(status) == 3 and status.isdigit(), status
    assert_valid_headers(result["headers"])
    if "body" in result:
        assert isinstance(result["body"], str)
        assert result.get("bodyEncoding", "text") in ("text", "base64")
    if security:
        for header in SECURITY_HEADERS:
            assert header in result["headers"], header


def assert_valid_request(result):
    """A request CloudFront can forward."""
    assert isinstance(result, dict) and "status" not in result
    assert isinstance(result["uri"], str) and result["uri"].startswith("/")
    assert_valid_headers(result["headers"])


def assert_valid_result(result, request_allowed=True):
    """Either a forwardable request or a valid response carrying the security headers."""
    if isinstance(result, dict) and "status" in result:
        assert_valid_response(result)
    else:
        assert request_allowed, result
        assert_valid_request(result)
