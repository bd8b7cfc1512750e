"""viewer_request: device detection, bot gate, A/B assignment, internal-header hygiene."""

import collections

import pytest

from edge_events import assert_valid_request, assert_valid_response, event, request_of, value

CHROME_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.0.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.4 Mobile/15E148 Safari/604.1")
IPAD = ("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/16.6 Mobile/15E148 Safari/604.1")
ANDROID_PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/124.0.0.0 Mobile Safari/537.36")
ANDROID_TABLET = ("Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/124.0.0.0 Safari/537.36")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
FACEBOOK = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"


@pytest.fixture()
def run(edge):
    return lambda data: edge["viewer_request"].handler(data, None)


@pytest.mark.parametrize("agent, device", [
    (CHROME_WIN, "desktop"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "desktop"),
    (IPHONE, "mobile"),
    (ANDROID_PHONE, "mobile"),
    (IPAD, "tablet"),
    (ANDROID_TABLET, "tablet"),
    ("Mozilla/5.0 (Linux; U; Android 4.0.3; en-us; KFTT Build/IML74K) AppleWebKit/534.30 Silk/3.4", "tablet"),
    ("Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en)", "mobile"),
    (GOOGLEBOT, "bot"),
    (FACEBOOK, "bot"),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0) Chrome/116 Safari/537.36", "bot"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0", "bot"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124 Mobile Safari/537.36", "mobile"),
])
def test_device_detection_sets_the_device_header(run, agent, device):
    result = run(event("viewer_request", headers={"user-agent": agent}))
    assert_valid_request(result)
    assert value(result["headers"], "x-device-type") == device


def test_good_and_unknown_crawlers_are_allowed_and_labelled(run):
    good = run(event("viewer_request", headers={"user-agent": GOOGLEBOT}))
    other = run(event("viewer_request", headers={"user-agent": "SomeNewCrawler/0.1 (+https://example.org)"}))
    assert value(good["headers"], "x-bot-class") == "good"
    assert value(other["headers"], "x-bot-class") == "other"
    assert value(run(event("viewer_request"))["headers"], "x-bot-class") is None


@pytest.mark.parametrize("agent", [
    "", "   ", "sqlmap/1.7.2#stable (https://sqlmap.org)", "python-requests/2.31.0", "Go-http-client/1.1",
    "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)", "libwww-perl/6.72",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
])
def test_bad_and_empty_agents_are_refused_with_403(run, agent):
    result = run(event("viewer_request", headers={"user-agent": agent}))
    assert_valid_response(result)
    assert result["status"] == "403"
    assert value(result["headers"], "cache-control") == "no-store"


def test_missing_user_agent_header_is_refused(run):
    assert run(event("viewer_request", drop=("user-agent",)))["status"] == "403"


def test_client_copies_of_internal_headers_are_stripped(run, config):
    spoofed = {name: "spoofed" for name in config["internal_headers"]}
    result = run(event("viewer_request", headers=spoofed))
    headers = result["headers"]
    for name in config["internal_headers"]:
        assert value(headers, name) != "spoofed", name
    assert value(headers, "x-device-type") == "desktop"
    assert value(headers, "x-ab-variant") == "b"  # from the fixture's cookie, not the spoofed header


def test_ab_variant_is_sticky_from_the_cookie(run):
    for variant in ("a", "b"):
        cookie = f"theme=dark; cf_ab={variant}; other=1"
        result = run(event("viewer_request", headers={"cookie": cookie}))
        assert value(result["headers"], "x-ab-variant") == variant


@pytest.mark.parametrize("cookie", ["cf_ab=zzz", "xcf_ab=b", "cf_ab=", "cf_ab=b\u00e9", "cf_abc=b"])
def test_invalid_ab_cookie_falls_back_to_the_stable_hash(run, cookie):
    plain = run(event("viewer_request", drop=("cookie",)))
    result = run(event("viewer_request", headers={"cookie": cookie}))
    assert value(result["headers"], "x-ab-variant") == value(plain["headers"], "x-ab-variant")


def test_ab_hash_is_stable_and_follows_the_weights(edge, config):
    module = edge["viewer_request"]
    for weights, expected_share in (({"a": 50, "b": 50}, 0.5), ({"a": 90, "b": 10}, 0.9), ({"a": 100, "b": 0}, 1.0)):
        config["ab"]["variants"] = weights
        settings = module.Settings(config)
        counts = collections.Counter()
        for i in range(2000):
            data = event("viewer_request", drop=("cookie",))
            request_of(data)["clientIp"] = f"198.51.{i // 256}.{i % 256}"
            first = value(module.handle(data, settings)["headers"], "x-ab-variant")
            data = event("viewer_request", drop=("cookie",))
            request_of(data)["clientIp"] = f"198.51.{i // 256}.{i % 256}"
            assert value(module.handle(data, settings)["headers"], "x-ab-variant") == first
            counts[first] += 1
        assert abs(counts["a"] / 2000 - expected_share) < 0.05, counts


def test_retired_variant_cookie_is_reassigned(edge, config):
    config["ab"]["variants"] = {"a": 100, "b": 0}
    settings = edge["viewer_request"].Settings(config)
    result = edge["viewer_request"].handle(event("viewer_request", headers={"cookie": "cf_ab=b"}), settings)
    assert value(result["headers"], "x-ab-variant") == "a"


@pytest.mark.parametrize("accept, expected", [
    ("image/avif,image/webp,*/*;q=0.8", "avif"),
    ("image/avif;q=0,image/webp,*/*", "webp"),
    ("image/webp;q=0.5, image/avif;q=0.000", "webp"),
    ("image/avif;q=abc, image/webp;q=2", "default"),
    ("image/*,*/*;q=0.8", "default"),
    ("", "default"),
    ("image/avifx,image/webpy,ximage/avif", "default"),
    ("image/avif ;q=0, image/webp ; q=0.5", "webp"),
    ("image/avif;level=1;q=0.3", "avif"),
    ("image/avif;q=0, image/avif", "default"),
    ("IMAGE/WEBP", "webp"),
])
def test_image_requests_get_a_normalised_accept_header(run, accept, expected):
    result = run(event("viewer_request", uri="/images/a.jpg", headers={"accept": accept}))
    assert value(result["headers"], "x-image-accept") == expected


def test_non_image_requests_carry_no_image_accept(run):
    assert value(run(event("viewer_request"))["headers"], "x-image-accept") is None


@pytest.mark.parametrize("mutate", [
    lambda d: d.pop("Records"),
    lambda d: d["Records"].clear(),
    lambda d: d["Records"][0]["cf"].pop("request"),
    lambda d: request_of(d).update(uri=None),
    lambda d: request_of(d).update(uri="no-leading-slash"),
    lambda d: request_of(d).update(headers="not a dict"),
    lambda d: request_of(d)["headers"].update({"x-a": "not a list"}),
    lambda d: request_of(d)["headers"].update({"x-a": [{"key": "X-A", "value": 5}]}),
    lambda d: request_of(d)["headers"].update({"x-a": [{"key": "X-A"}]}),
    lambda d: request_of(d)["headers"].update({"x-a": [{"key": "X-A", "value": "ok\r\nSet-Cookie: x=1"}]}),
    lambda d: request_of(d)["headers"].update({"x-a": [{"key": "X-A\n", "value": "v"}]}),
    lambda d: request_of(d)["headers"].update({"x-a\r\n": [{"key": "X-A", "value": "v"}]}),
    lambda d: request_of(d)["headers"].update({"x-a": [{"key": "X-A", "value": "nul\0byte"}]}),
])
def test_malformed_events_get_a_400_not_a_crash(run, mutate):
    data = event("viewer_request")
    mutate(data)
    result = run(data)
    assert_valid_response(result)
    assert result["status"] == "400"


def test_huge_and_non_ascii_header_values_are_handled(run):
    huge = CHROME_WIN + "x" * 1_000_000
    result = run(event("viewer_request", headers={"user-agent": huge, "cookie": "cf_ab=a; " + "y" * 100_000}))
    assert value(result["headers"], "x-device-type") == "desktop"
    assert value(result["headers"], "x-ab-variant") == "a"
    unicode_agent = run(event("viewer_request", headers={"user-agent": "Mözilla/5.0 (iPhone) \ud800 漢字"}))
    assert value(unicode_agent["headers"], "x-device-type") == "mobile"


def test_module_has_no_third_party_imports():
    import ast
    from edge_events import LAMBDAS
    for name in ("viewer_request", "viewer_response"):
        tree = ast.parse((LAMBDAS / name / "handler.py").read_text())
        imported = {a.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported <= {"os", "sys", "edge_common"}, imported


@pytest.mark.parametrize("querystring, expected", [
    ("w=600", "w=640"),
    ("width=600&quality=87&utm_source=x", "w=640&q=85"),
    ("q=87&w=1&fmt=avif&h=9", "w=320&q=85"),
    ("", "w=1920"),
    ("w=abc&q=1000", "w=1920"),
    ("w=640&q=5", "w=640&q=40"),
    ("W=640&Q=99&w=320", "w=640&q=90"),
])
def test_image_queries_are_canonical_so_each_variant_has_one_cache_key(run, querystring, expected):
    """The /images/* cache policy keys on w and q: viewer_request snaps them like origin_request does."""
    data = event("viewer_request", uri="/images/team/photo.jpg", querystring=querystring,
                 headers={"user-agent": CHROME_WIN, "accept": "image/webp"})
    result = run(data)
    assert_valid_request(result)
    assert result["querystring"] == expected
