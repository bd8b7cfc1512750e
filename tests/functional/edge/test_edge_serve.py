"""`candlefish edge serve` against the emulator, after deploying the small edge environment: the deployed
function versions run in CloudFront's order, the cache and the image optimiser behave as on CloudFront,
and results CloudFront refuses are answered with its errors. The server is built from what is deployed
(the test reads nothing from lambdas/ itself) and hit over HTTP."""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
PAGE = b"<!doctype html><title>candlefish</title><p>hello</p>"


class Origin:
    """A local app origin: answers every path with a small HTML page and records what reached it."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                origin.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "public, max-age=300")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def get(url: str, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        reply = connection.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        connection.close()


def jpeg(width: int = 1200, height: int = 800) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


class Served:
    def __init__(self, world, origins: dict[str, str]) -> None:
        import boto3

        from candlefish_ops.config import load_environment
        from candlefish_ops.edge.serve import build_service
        from candlefish_ops.edge.serve.server import EdgeServer
        from candlefish_ops.edge.service import DeployedEdge

        environment = load_environment(world.config_dir, "staging")
        self.lines: list[str] = []
        deployed = DeployedEdge(boto3.Session(region_name="us-east-1"), environment, "edge")
        self.service = build_service(deployed.session, deployed, origins, log=self.lines.append,
                                     workdir=world.root / "serve")
        self.server = EdgeServer(self.service, port=0).start()
        self.url = self.server.url

    def invocations(self, function: str) -> int:
        return sum(pool.invocations for pool in self.service.pools.values() if pool.name == function)

    def stop(self) -> None:
        from candlefish_ops.edge.serve import close

        self.server.stop()
        close(self.service)


@pytest.fixture
def origin():
    started = Origin()
    yield started
    started.stop()


@pytest.fixture
def serve(edge_world, origin):
    """Deploy the edge environment, put an original image in place, and serve the deployed edge."""
    started: list[Served] = []

    def start() -> Served:
        edge_world.deploy()
        edge_world.aws.client("s3").put_object(Bucket=edge_world.storage_outputs()["UserContentBucketName"],
                                               Key="photos/x.jpg",
                                               Body=jpeg(), ContentType="image/jpeg")
        started.append(Served(edge_world, {"app": origin.url}))
        return started[-1]

    yield start
    for served in started:
        served.stop()


def test_a_page_runs_the_functions_in_cloudfront_order_and_bots_stop_before_the_origin(serve, origin):
    served = serve()
    status, headers, body = get(served.url, "/pricing", User_Agent=BROWSER)
    assert (status, body) == (200, PAGE)
    trace = served.service.traces[-1]
    assert trace.functions == ["viewer_request@viewer-request", "origin_request@origin-request",
                               "origin_response@origin-response", "viewer_response@viewer-response"]
    # what each stage left for the next: viewer_request's device class and origin_request's start time
    # reached the origin; origin_response's timing became viewer_response's Server-Timing
    path, seen = origin.requests[-1]
    assert seen["x-device-type"] == "desktop" and "x-cf-edge-start" in seen
    assert re.search(r"origin;dur=\d", headers["server-timing"])
    assert headers["strict-transport-security"].startswith("max-age=63072000")
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["x-cache"] == "Miss from cloudfront" and "CloudFront" in headers["via"]

    again = get(served.url, "/pricing", User_Agent=BROWSER)
    assert again[1]["x-cache"] == "Hit from cloudfront" and "age" in again[1]
    assert len(origin.requests) == 1

    reached = len(origin.requests)
    status, headers, _ = get(served.url, "/pricing", User_Agent="sqlmap/1.7")
    assert status == 403 and headers["strict-transport-security"]
    assert headers["x-cache"] == "LambdaGeneratedResponse from cloudfront"
    assert served.service.traces[-1].functions == ["viewer_request@viewer-request"]
    assert len(origin.requests) == reached
    line = served.lines[-1]
    assert line.startswith("GET /pricing behaviour=* cache=LambdaGeneratedResponse status=403 viewer-request=")


def test_an_image_variant_is_rendered_once_then_served_from_the_cache(edge_world, serve, origin):
    served = serve()
    status, headers, body = get(served.url, "/images/photos/x.jpg?w=640", Accept="image/avif,image/webp,*/*",
                                User_Agent=BROWSER)
    assert status == 200 and headers["content-type"] == "image/avif"
    assert body[4:12] == b"ftypavif" and headers["x-cache"] == "Miss from cloudfront"
    from PIL import Image

    assert Image.open(io.BytesIO(body)).size == (640, 427)
    rendered = served.invocations("image_optimizer")
    assert rendered == 1

    status, headers, again = get(served.url, "/images/photos/x.jpg?w=640&utm_source=x", Accept="image/avif",
                                 User_Agent=BROWSER)
    assert (status, again) == (200, body) and headers["x-cache"] == "Hit from cloudfront"
    assert served.invocations("image_optimizer") == rendered
    assert served.service.traces[-1].functions == ["viewer_request@viewer-request"]
    listed = edge_world.aws.client("s3").list_objects_v2(Bucket=edge_world.storage_outputs()["OptimizedImagesBucketName"])
    assert [o["Key"] for o in listed.get("Contents", [])] == ["processed/photos/x.jpg.w640q50.avif"]

    status, _, _ = get(served.url, "/processed/photos/x.jpg.w640q50.avif", User_Agent=BROWSER)
    assert status == 404 and not origin.requests   # answered by origin_request, never the app origin


FAULTS = '''

_candlefish_release = handler


def handler(event, context=None):
    request = event["Records"][0]["cf"]["request"]
    {body}
    return _candlefish_release(event, context)
'''


def test_results_cloudfront_refuses_are_answered_with_its_errors(edge_world, serve, origin):
    edge_world.edit("viewer_request", FAULTS.format(body='''if request["uri"] == "/too-big":
        return {"status": "200", "headers": {}, "body": "x" * (41 * 1024)}
    if request["uri"] == "/slow":
        import time
        time.sleep(8)'''))
    edge_world.edit("origin_request", FAULTS.format(body='''if request["uri"] == "/forbidden-header":
        request["headers"]["x-real-ip"] = [{"key": "X-Real-IP", "value": "10.0.0.1"}]
        return request'''))
    edge_world.edit("origin_response", FAULTS.format(body='''if request["uri"] == "/request-back":
        return request'''))
    served = serve()

    status, headers, body = get(served.url, "/forbidden-header", User_Agent=BROWSER)
    assert (status, headers["x-cache"]) == (502, "LambdaValidationError from cloudfront")
    assert b"The Lambda function result failed validation" in body and b"Generated by cloudfront" in body
    assert not origin.requests
    assert served.lines[-1].endswith("error=origin_request@origin-request disallowed-header")

    status, headers, body = get(served.url, "/too-big", User_Agent=BROWSER)
    assert (status, headers["x-cache"]) == (502, "LambdaValidationError from cloudfront")
    assert served.lines[-1].endswith("error=viewer_request@viewer-request generated-response-size")

    status, headers, _ = get(served.url, "/request-back", User_Agent=BROWSER)
    assert status == 502 and served.lines[-1].endswith("error=origin_response@origin-response response-expected")

    started = time.monotonic()
    status, headers, body = get(served.url, "/slow", User_Agent=BROWSER)
    assert (status, headers["x-cache"]) == (503, "LambdaExecutionError from cloudfront")
    assert b"The Lambda function associated with the CloudFront distribution is invalid" in body
    assert 5 <= time.monotonic() - started < 8       # the viewer function's 5 s timeout
    assert served.lines[-1].endswith("error=viewer_request@viewer-request timeout 5s")
    status, _, _ = get(served.url, "/pricing", User_Agent=BROWSER)
    assert status == 200                              # the timed-out container was replaced


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_cli_serves_and_names_the_missing_origin_flag(edge_world):
    edge_world.deploy()
    port = _free_port()
    environment = {**os.environ, "CANDLEFISH_LAMBDAS_DIR": str(edge_world.lambdas)}
    process = subprocess.Popen([sys.executable, "-m", "candlefish_ops", "--config-dir", str(edge_world.config_dir),
                                "edge", "serve", "staging", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(line.decode() for line in process.stderr), daemon=True).start()
    try:
        _wait_for(process, lines, "edge serving on")
        url = f"http://127.0.0.1:{port}"
        status, headers, body = get(url, "/", User_Agent=BROWSER)
        assert status == 502 and headers["x-cache"] == "Error from cloudfront"
        assert b"--origin app=http://" in body
        status, headers, _ = get(url, "/processed/a.jpg", User_Agent=BROWSER)
        assert status == 404 and headers["x-cache"] == "Miss from cloudfront"
        assert get(url, "/processed/a.jpg", User_Agent=BROWSER)[1]["x-cache"] == "Hit from cloudfront"
        logged = _wait_for(process, lines, "GET /processed/a.jpg behaviour=* cache=Hit status=404")
        assert re.search(r"viewer-request=[\d.]+ms cache=[\d.]+ms total=[\d.]+ms$", logged)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for(process, lines: list[str], text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        found = [line for line in list(lines) if text in line]
        if found:
            return found[0].strip()
        time.sleep(0.1)
    raise AssertionError(f"no {text!r} from edge serve (exit {process.poll()}): {''.join(lines)[-2000:]}")


def test_a_package_that_is_not_the_deployed_code_is_refused(edge_world):
    edge_world.deploy()
    parameters = edge_world.stack_parameters()
    edge_world.aws.client("s3").put_object(Bucket=parameters["ArtifactsBucket"],
                                           Key=parameters["OriginResponseCodeKey"], Body=b"not the package")
    result = edge_world.run("edge", "serve", "staging", "--port", "0")
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: s3://") and parameters["OriginResponseCodeKey"] in last
    assert last.endswith("the package is not the deployed code")
    assert "edge serving on" not in result.stderr
