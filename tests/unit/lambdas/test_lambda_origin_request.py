"""origin_request: URL normalisation, routing by path/device, image variant keys, API geo-routing."""

import copy

import pytest

from edge_events import assert_valid_request, assert_valid_response, event, value


@pytest.fixture()
def run(edge):
    return lambda data: edge["origin_request"].handler(data, None)


def page(uri, querystring="", headers=None, drop=()):
    return event("origin_request", uri=uri, querystring=querystring, headers=headers, drop=drop)


@pytest.mark.parametrize("uri, expected", [
    ("/", "/index.html"),
    ("/docs/", "/docs/index.html"),
    ("/docs//guide///intro.html", "/docs/guide/intro.html"),
    ("/docs/./guide/../api/ref.html", "/docs/api/ref.html"),
    ("/docs/guide/..", "/docs/index.html"),
    ("/Docs/Page.HTML", "/Docs/Page.html"),
    ("/static/CSS/Main.CSS", "/static/css/main.css"),
    ("/caf%C3%A9/men%C3%BC.html", "/caf%C3%A9/men%C3%BC.html"),
    ("/caf\u00e9.html", "/caf%C3%A9.html"),
    ("/a%2Fb.html", "/a/b.html"),
    ("/%7Euser/file.txt", "/~user/file.txt"),
    ("/space%20name.txt", "/space%20name.txt"),
])
def test_url_normalisation(run, uri, expected):
    result = run(page(uri, headers={"x-device-type": "desktop"}))
    assert_valid_request(result)
    assert result["uri"] == expected


@pytest.mark.parametrize("uri", [
    "/images/../../etc/passwd",
    "/images/%2e%2e/%2e%2e/etc/passwd",
    "/images/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/images/..%5c..%5cetc%5cpasswd",
    "/images\\..\\..\\etc\\passwd",
    "/bad%ff%fe.html",
    "/nul%00byte.html",
    "/line%0d%0aSet-Cookie:%20x=1",
    "/tab\there",
    "no-slash",
    "/" + "a" * 5000,
])
def test_traversal_and_hostile_uris_are_refused(run, uri):
    result = run(page(uri))
    assert_valid_response(result)
    assert result["status"] == "400"


def test_dotdot_inside_the_tree_is_resolved_not_refused(run):
    result = run(page("/images/../docs/index.html", headers={"x-device-type": "desktop"}))
    assert result["uri"] == "/docs/index.html"
    assert "s3" in result["origin"]  # no longer an image request: default origin kept


def test_tracking_parameters_are_removed(run):
    query = "utm_source=x&page=2&fbclid=abc&UTM_Medium=y&gclid=1&&q=shoes&_ga=1.2&ref=home"
    result = run(page("/search.html", query))
    assert result["querystring"] == "page=2&q=shoes&ref=home"


def test_image_requests_keep_the_behaviours_oac_origin(edge, config):
    """CloudFront does not support switching an OAC-protected S3 origin from Lambda@Edge."""
    config["images"]["optimized_region"] = "eu-west-1"
    module = edge["origin_request"]
    event = page("/images/team/photo.jpg", "w=640")
    before = copy.deepcopy(event["Records"][0]["cf"]["request"]["origin"])
    result = module.handle(event, module.Settings(config))
    assert result["uri"].startswith("/processed/team/photo.jpg.w640")
    assert result["origin"] == before


@pytest.mark.parametrize("querystring, accept, expected_uri", [
    ("w=600", "image/avif,image/webp,*/*", "/processed/team/photo.jpg.w640q50.avif"),
    ("w=600", "image/avif;q=0,image/webp,*/*", "/processed/team/photo.jpg.w640q80.webp"),
    ("w=600", "image/*,*/*;q=0.8", "/processed/team/photo.jpg.w640q80.jpeg"),
    ("w=320&w=1920", "image/webp", "/processed/team/photo.jpg.w320q80.webp"),
    ("w=99999999", "image/webp", "/processed/team/photo.jpg.w1920q80.webp"),
    ("w=1e3", "image/webp", "/processed/team/photo.jpg.w1920q80.webp"),
    ("w=-5", "image/webp", "/processed/team/photo.jpg.w1920q80.webp"),
    ("", "image/webp", "/processed/team/photo.jpg.w1920q80.webp"),
    ("w=1&q=5", "image/webp", "/processed/team/photo.jpg.w320q40.webp"),
    ("w=640&q=87", "image/webp", "/processed/team/photo.jpg.w640q85.webp"),
    ("w=640&q=100000", "image/webp", "/processed/team/photo.jpg.w640q80.webp"),
    ("w=640&q=999", "image/webp", "/processed/team/photo.jpg.w640q90.webp"),
    ("width=1280&quality=60", "image/webp", "/processed/team/photo.jpg.w1280q60.webp"),
])
def test_image_variant_keys(run, querystring, accept, expected_uri):
    result = run(page("/images/team/photo.jpg", querystring, headers={"accept": accept}))
    assert_valid_request(result)
    assert result["uri"] == expected_uri
    assert result["querystring"] == ""
    assert result["origin"] == page("/images/team/photo.jpg")["Records"][0]["cf"]["request"]["origin"]


def test_viewer_side_format_header_wins_over_accept(run):
    result = run(page("/images/team/photo.jpg", "w=640", headers={"x-image-accept": "webp", "accept": "image/avif"}))
    assert result["uri"].endswith(".webp")
    result = run(page("/images/team/photo.jpg", "w=640", headers={"x-image-accept": "default", "accept": "image/avif"}))
    assert result["uri"].endswith(".avif")  # "default" is not a format: negotiate from Accept


def test_png_fallback_keeps_alpha_and_viewer_uri_is_recorded(run):
    result = run(page("/images/Logo.PNG", "w=300&utm_source=x", headers={"accept": "*/*"}))
    assert result["uri"] == "/processed/logo.png.w320q0.png"
    assert value(result["headers"], "x-cf-viewer-uri") == "/images/logo.png?w=320"


def test_non_raster_images_keep_path_and_origin_and_lose_s3_subresources(run):
    result = run(page("/images/icons/logo.svg", "acl"))
    assert result["uri"] == "/images/icons/logo.svg"
    assert result["querystring"] == ""
    assert result["origin"] == page("/images/icons/logo.svg")["Records"][0]["cf"]["request"]["origin"]


def test_api_paths_keep_their_trailing_slash(run):
    result = run(page("/api/users/", headers={"cloudfront-viewer-country": "US"}))
    assert result["uri"] == "/api/users/"


@pytest.mark.parametrize("country, domain", [
    ("DE", "api-eu.candlefish.ai"), ("fr", "api-eu.candlefish.ai"), ("JP", "api-ap.candlefish.ai"),
    ("US", "api-us.candlefish.ai"), ("BR", "api-us.candlefish.ai"), ("", "api-us.candlefish.ai"),
    ("ZZZ\u00e9", "api-us.candlefish.ai"), (None, "api-us.candlefish.ai"),
])
def test_api_geo_routing(run, country, domain):
    result = run(page("/api/v1/orders", "id=7", headers={"cloudfront-viewer-country": country}))
    custom = result["origin"]["custom"]
    assert custom["domainName"] == domain and custom["protocol"] == "https" and custom["port"] == 443
    assert value(result["headers"], "host") == domain
    assert result["uri"] == "/api/v1/orders" and result["querystring"] == "id=7"


def test_path_routes_to_another_origin(run):
    result = run(page("/blog/post-1/"))
    assert result["origin"]["custom"]["domainName"] == "blog.candlefish.ai"
    assert result["uri"] == "/blog/post-1/index.html"


@pytest.mark.parametrize("device, uri, expected", [
    ("mobile", "/", "/m/index.html"),
    ("tablet", "/pricing.html", "/m/pricing.html"),
    ("desktop", "/pricing.html", "/pricing.html"),
    ("bot", "/pricing.html", "/pricing.html"),
    ("mobile", "/static/app.js", "/static/app.js"),
    ("mobile", "/m/index.html", "/m/index.html"),
])
def test_device_content_routing(run, device, uri, expected):
    assert run(page(uri, headers={"x-device-type": device}))["uri"] == expected


def test_cloudfront_device_headers_are_used_without_viewer_header(run):
    result = run(page("/", headers={"cloudfront-is-mobile-viewer": "true"}, drop=("x-device-type",)))
    assert result["uri"] == "/m/index.html"


def test_edge_start_is_stamped(run):
    stamp = value(run(page("/"))["headers"], "x-cf-edge-start")
    assert float(stamp) > 1.6e12


@pytest.mark.parametrize("querystring", ["a=\r\nb", "x=\x00", 5, None])
def test_hostile_query_strings_are_refused(run, querystring):
    data = page("/")
    data["Records"][0]["cf"]["request"]["querystring"] = querystring
    result = run(data)
    if querystring is None:
        assert_valid_response(result)
    assert result["status"] == "400"


@pytest.mark.parametrize("uri", ["/%2e%2e/\ud800", "/a\udfff.html", "/images/\ud83d.jpg"])
def test_lone_surrogates_are_refused(run, uri):
    result = run(page(uri))
    assert_valid_response(result)
    assert result["status"] == "400"


@pytest.mark.parametrize("uri", ["/processed/team/photo.jpg.w640q80.webp", "/processed/", "/Processed/../processed/x",
                                 "/%70rocessed/x.jpg.w640q80.webp"])
def test_internal_variant_keys_cannot_be_requested_directly(run, uri):
    result = run(page(uri))
    assert_valid_response(result)
    assert result["status"] == "404"
