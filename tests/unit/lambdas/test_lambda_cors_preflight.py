"""viewer_request: CORS preflights answered at the edge (204 with grants, 403 without), config validation."""

import pytest
from edge_events import (
    SECURITY_HEADERS,
    assert_valid_request,
    assert_valid_response,
    event,
    request_of,
    value,
)

APP = "https://app.candlefish.ai"
VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def preflight(origin=APP, method="PUT", request_headers=None, http_method="OPTIONS"):
    """A viewer-request event for a preflight (None drops the header)."""
    data = event("viewer_request", headers={"origin": origin, "access-control-request-method": method,
                                            "access-control-request-headers": request_headers})
    request_of(data)["method"] = http_method
    return data


def cors_headers(result):
    return {name: value(result["headers"], name) for name in result["headers"] if name.startswith("access-control-")}


def assert_refused(result):
    """A refused preflight: 403, no grants, uncached, security headers."""
    assert_valid_response(result)
    assert result["status"] == "403"
    assert cors_headers(result) == {}
    assert value(result["headers"], "cache-control") == "no-store"
    assert value(result["headers"], "vary") == VARY


@pytest.fixture()
def run(edge):
    return lambda data: edge["viewer_request"].handler(data, None)


@pytest.fixture()
def run_with(edge):
    module = edge["viewer_request"]
    return lambda config, data: module.handle(data, module.Settings(config))


def test_allowed_preflight_gets_a_204_with_exactly_the_cors_headers(run, config):
    result = run(preflight(request_headers="content-type,x-requested-with"))
    assert_valid_response(result)
    assert result["status"] == "204" and result["statusDescription"] == "No Content"
    assert "body" not in result
    headers = result["headers"]
    assert cors_headers(result) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
        "access-control-allow-headers": "content-type, x-requested-with",
        "access-control-max-age": "600",
    }
    assert value(headers, "vary") == VARY
    assert value(headers, "cache-control") == "no-store"
    for name in SECURITY_HEADERS:
        assert value(headers, name) == config["security_headers"][name]
    assert set(headers) == set(SECURITY_HEADERS) | {"cache-control", "vary"} | set(cors_headers(result))
    assert headers["access-control-max-age"][0]["key"] == "Access-Control-Max-Age"
    assert "content-type" not in headers  # a 204 has no content


def test_the_origin_is_matched_case_insensitively_and_echoed_as_configured(run):
    result = run(preflight(origin="HTTPS://App.Candlefish.AI"))
    assert result["status"] == "204"
    assert value(result["headers"], "access-control-allow-origin") == APP


def test_credentials_off_sends_no_credentials_header(run_with, config):
    config["cors"]["allow_credentials"] = False
    result = run_with(config, preflight())
    assert result["status"] == "204"
    assert value(result["headers"], "access-control-allow-origin") == APP
    assert "access-control-allow-credentials" not in result["headers"]


def test_wildcard_without_credentials_answers_star_but_listed_origins_exactly(run_with, config):
    config["cors"]["allow_credentials"] = False
    config["cors"]["allowed_origins"] = [APP, "*"]
    anyone = run_with(config, preflight(origin="https://elsewhere.example"))
    assert anyone["status"] == "204"
    assert value(anyone["headers"], "access-control-allow-origin") == "*"
    assert "access-control-allow-credentials" not in anyone["headers"]
    listed = run_with(config, preflight())
    assert value(listed["headers"], "access-control-allow-origin") == APP


def test_max_age_and_methods_follow_the_config(run_with, config):
    config["cors"].update(max_age=0, allow_methods=["DELETE", "PUT", "DELETE"], allow_headers=[])
    result = run_with(config, preflight(method="DELETE", request_headers="content-type"))
    assert cors_headers(result) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "DELETE, PUT",
        "access-control-max-age": "0",
    }
    assert_refused(run_with(config, preflight(method="GET")))


def test_missing_new_keys_fall_back_to_the_documented_defaults(run_with, config):
    for key in ("allow_methods", "allow_headers", "max_age"):
        del config["cors"][key]
    result = run_with(config, preflight(method="PATCH", request_headers="authorization"))
    assert cors_headers(result)["access-control-allow-methods"] == "GET, HEAD, POST, PUT, PATCH, DELETE"
    assert cors_headers(result)["access-control-allow-headers"] == "authorization"
    assert cors_headers(result)["access-control-max-age"] == "600"


@pytest.mark.parametrize("origin", [
    "https://evil.example", "https://app.candlefish.ai.evil.example", "https://evilapp.candlefish.ai", "null",
    "http://app.candlefish.ai", "https://app.candlefish.ai/", "https://app.candlefish.ai:443", "", " ", "*",
    "https://app.candlefish.a\u0131",  # dotless i: non-ASCII never matches
    "https://app.candlefish.ai" + "x" * 100_000,
])
def test_preflight_from_another_origin_is_refused_without_grants(run, origin):
    assert_refused(run(preflight(origin=origin)))


@pytest.mark.parametrize("method", ["put", "Put", "CONNECT", "TRACE", "OPTIONS", "", "PUT, DELETE", "PUT\u00a0",
                                    "GET" * 1000])
def test_preflight_for_another_method_is_refused(run, method):
    assert_refused(run(preflight(method=method)))


@pytest.mark.parametrize("requested, expected", [
    ("content-type", "content-type"),
    ("Content-Type, X-Evil, AUTHORIZATION", "authorization, content-type"),
    ("x-requested-with,accept,x-requested-with", "accept, x-requested-with"),
    (" content-type ,\tauthorization\t", "authorization, content-type"),
    ("x-evil, x-ab-variant, cookie", None),
    ("", None),
    (",,,", None),
])
def test_only_requested_headers_that_are_allowed_are_granted(run, requested, expected):
    result = run(preflight(request_headers=requested))
    assert result["status"] == "204"
    assert value(result["headers"], "access-control-allow-headers") == expected


def test_repeated_request_headers_lists_are_combined(run):
    data = preflight()
    request_of(data)["headers"]["access-control-request-headers"] = [
        {"key": "Access-Control-Request-Headers", "value": "content-type"},
        {"key": "Access-Control-Request-Headers", "value": "x-evil, authorization"}]
    assert value(run(data)["headers"], "access-control-allow-headers") == "authorization, content-type"


@pytest.mark.parametrize("header, values", [
    ("origin", [APP, "https://evil.example"]),
    ("origin", [APP, APP]),
    ("access-control-request-method", ["PUT", "PUT"]),
])
def test_repeated_origin_or_method_is_refused(run, header, values):
    data = preflight()
    request_of(data)["headers"][header] = [{"key": "X", "value": v} for v in values]
    assert_refused(run(data))


@pytest.mark.parametrize("requested", ["content-type, " + "x" * 3000, "content-type, x-\u00e9", "content-type\u2028",
                                       "content-type, " * 200])
def test_over_long_or_non_ascii_request_headers_are_refused(run, requested):
    assert_refused(run(preflight(request_headers=requested)))


@pytest.mark.parametrize("changes", [
    {"origin": APP + "\r\nSet-Cookie: a=1"},
    {"access-control-request-method": "PUT\r\nX-Injected: 1"},
    {"access-control-request-headers": "content-type\r\nSet-Cookie: a=1"},
    {"access-control-request-headers": "content-type\nx"},
    {"origin": APP + "\0"},
])
def test_cr_lf_nul_in_preflight_headers_get_a_400_without_grants(run, changes):
    data = preflight()
    for name, text in changes.items():
        request_of(data)["headers"][name] = [{"key": name.title(), "value": text}]
    result = run(data)
    assert_valid_response(result)
    assert result["status"] == "400"
    assert cors_headers(result) == {}


def test_blocked_agents_meet_the_bot_gate_first(run):
    data = preflight()
    request_of(data)["headers"]["user-agent"] = [{"key": "User-Agent", "value": "sqlmap/1.7"}]
    result = run(data)
    assert result["status"] == "403" and cors_headers(result) == {}


@pytest.mark.parametrize("origin, method, http_method", [
    (APP, None, "OPTIONS"),     # Origin alone: a plain OPTIONS request
    (None, "PUT", "OPTIONS"),   # no Origin: not a CORS request
    (None, None, "OPTIONS"),
    (APP, "PUT", "GET"),        # preflight headers on another method mean nothing
    (APP, "PUT", "options"),    # methods are case-sensitive
])
def test_requests_that_are_not_preflights_pass_through(run, origin, method, http_method):
    result = run(preflight(origin=origin, method=method, http_method=http_method))
    assert_valid_request(result)
    assert value(result["headers"], "x-device-type") == "desktop"
    assert value(result["headers"], "x-ab-variant") == "b"


def test_request_without_a_method_field_is_still_forwarded(run):
    data = preflight()
    del request_of(data)["method"]
    assert_valid_request(run(data))


@pytest.mark.parametrize("key, bad, message", [
    ("allowed_origins", "https://app.candlefish.ai", "allowed_origins: must be a list"),
    ("allowed_origins", ["https://App.candlefish.ai"], "not an origin as browsers send it"),
    ("allowed_origins", ["https://app.candlefish.ai/"], "not an origin as browsers send it"),
    ("allowed_origins", ["app.candlefish.ai"], "not an origin as browsers send it"),
    ("allowed_origins", ["null"], "not an origin as browsers send it"),
    ("allowed_origins", ["https://"], "not an origin as browsers send it"),
    ("allowed_origins", ["https://a.example, https://b.example"], "not an origin as browsers send it"),
    ("allowed_origins", [7], "not an origin as browsers send it"),
    ("allowed_origins", ["*"], "cannot be combined with allow_credentials"),
    ("allow_credentials", "true", "allow_credentials: must be true or false"),
    ("allow_methods", [], "allow_methods: must be a non-empty list"),
    ("allow_methods", "GET, PUT", "allow_methods: must be a non-empty list"),
    ("allow_methods", ["put"], "'put' must be an upper-case HTTP method"),
    ("allow_methods", ["PUT\r\nX: 1"], "must be an upper-case HTTP method"),
    ("allow_methods", ["*"], "must be an upper-case HTTP method"),
    ("allow_methods", [None], "must be an upper-case HTTP method"),
    ("allow_methods", ["TRACE"], "TRACE is a forbidden method"),
    ("allow_headers", "content-type", "allow_headers: must be a list"),
    ("allow_headers", ["*"], "'\\*' is not supported"),
    ("allow_headers", ["content type"], "must be a header name"),
    ("allow_headers", ["x-a\r\nSet-Cookie: a=1"], "must be a header name"),
    ("allow_headers", [""], "must be a header name"),
    ("allow_headers", [5], "must be a header name"),
    ("allow_headers", ["\u212a"], "must be a header name"),  # KELVIN SIGN lower-cases to "k"
    ("allow_headers", ["X-Ab-Variant"], "'X-Ab-Variant' is an internal header"),
    ("max_age", -1, "max_age: -1 must be whole seconds from 0 to 86400"),
    ("max_age", 86401, "max_age: 86401 must be whole seconds"),
    ("max_age", "600", "max_age: '600' must be whole seconds"),
    ("max_age", 600.0, "max_age: 600.0 must be whole seconds"),
    ("max_age", True, "max_age: True must be whole seconds"),
])
def test_bad_cors_config_is_refused_at_load(edge, config, key, bad, message):
    module = edge["viewer_request"]
    config["cors"][key] = bad
    with pytest.raises(module.ec.ConfigError, match=message):
        module.Settings(config)


def test_header_names_are_normalised_at_load(run_with, config):
    config["cors"]["allow_headers"] = ["Content-Type", "content-type", "X-Trace-Id"]
    result = run_with(config, preflight(request_headers="x-trace-id,content-type"))
    assert value(result["headers"], "access-control-allow-headers") == "content-type, x-trace-id"


def test_an_empty_origin_list_refuses_every_preflight(run_with, config):
    config["cors"]["allowed_origins"] = []
    assert_refused(run_with(config, preflight()))


def test_non_ascii_that_lower_cases_to_an_allowed_origin_is_refused(run_with, config):
    config["cors"]["allowed_origins"].append("https://kite.example")
    assert run_with(config, preflight(origin="https://kite.example"))["status"] == "204"
    assert "\u212a".lower() == "k"  # KELVIN SIGN
    assert_refused(run_with(config, preflight(origin="https://\u212aite.example")))


def test_repeated_preflights_are_answered_the_same_and_the_answer_cache_stays_bounded(edge, config):
    module = edge["viewer_request"]
    settings = module.Settings(config)

    def answer(origin, requested):
        return module.handle(preflight(origin=origin, request_headers=requested), settings)
    first = answer(APP, "content-type, authorization")
    again = answer(APP, "content-type, authorization")
    assert again == first and again["headers"] is not first["headers"]  # each answer is its own dict
    again["headers"]["x-mutated"] = [{"key": "X-Mutated", "value": "1"}]
    assert "x-mutated" not in answer(APP, "content-type, authorization")["headers"]
    www = answer("https://www.candlefish.ai", "content-type, authorization")
    assert value(www["headers"], "access-control-allow-origin") == "https://www.candlefish.ai"
    for i in range(3 * module._ANSWERS_KEPT):  # hostile variety: distinct values, all answered correctly
        result = answer(APP, f"content-type, x-probe-{i}")
        assert value(result["headers"], "access-control-allow-headers") == "content-type"
        assert len(settings.preflight.answers) <= module._ANSWERS_KEPT
    assert answer(APP, "\u212a-header")["status"] == "403"  # malformed values are never cached
