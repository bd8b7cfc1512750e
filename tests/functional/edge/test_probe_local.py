"""`candlefish probe` against the emulator: it starts `edge serve` for the deployed edge and probes it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _App(BaseHTTPRequestHandler):
    """The app and API origins: a JSON answer for everything."""

    def do_GET(self):  # noqa: N802 - http.server's name
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def app_origin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_probe_of_the_emulator_runs_through_edge_serve(edge_world, app_origin):
    edge_world.deploy()
    edge_world.aws.client("s3").put_object(Bucket=edge_world.storage_outputs()["StaticAssetsBucketName"],
                                           Key="static/css/main.css", Body=b"body{}", ContentType="text/css")
    api_host = "abc123.execute-api.us-east-1.amazonaws.com"  # the edge config's API origin
    args = ("probe", "staging", "--origin", f"app={app_origin}", "--origin", f"rest-api={app_origin}",
            "--origin", f"{api_host}={app_origin}", "--users", "3", "--duration", "2s", "--ramp", "0s",
            "--think", "0s", "-o", "json")
    result = edge_world.run(*args)
    assert result.exit_code in (0, 1), result.stderr
    document = result.json()
    static, api = document["requests"]["static"], document["requests"]["api"]
    assert static["requests"] > 0 and static["errors"] == 0, (static["error_reasons"], api["error_reasons"])
    assert api["requests"] > 0 and api["errors"] == 0, api
    assert 0 < static["p50_ms"] <= static["p99_ms"]
    assert static["cache_hit_percent"] > 0  # X-Cache from edge serve's cache
    assert document["requests"]["websocket"]["probed"] is False
    verdicts = {t["target"]: t["result"] for t in document["thresholds"]}
    assert verdicts["websocket_latency_ms"] == "SKIPPED"

    failing = edge_world.run(*args, "--target", "api_latency_p50_ms=0.001")
    assert failing.exit_code == 1
    assert {t["target"]: t["result"] for t in failing.json()["thresholds"]}["api_latency_p50_ms"] == "FAIL"
