"""A small site to probe: an aiohttp server on 127.0.0.1 (static asset with X-Cache, API, WebSocket that
answers pings, a redirect to another host) in a background thread, and an environment that names it."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

CONFIG = """
project: candlefish
environment: staging
domain: example.org
templates_dir: {templates}
stacks:
  dns:
    template: dns.yaml
    parameters: {{Environment: staging, DomainName: example.org}}
reports:
  targets: {{api_latency_p50_ms: 50, api_latency_p99_ms: 100, websocket_latency_ms: 30,
            error_rate_percent: 0.1, cache_hit_ratio_percent: 50}}
probe:
  static_path: {static}
  api_path: /api/health
  websocket_path: /ws
"""


class Site:
    """The server's address and what it was asked."""

    def __init__(self) -> None:
        self.port = 0
        self.hits: dict[str, int] = {}
        self.loop = None
        self.runner = None


def _app(site: Site):
    from aiohttp import WSMsgType, web

    async def static(request):
        site.hits["static"] = site.hits.get("static", 0) + 1
        cache = "Miss from cloudfront" if site.hits["static"] == 1 else "Hit from cloudfront"
        return web.Response(body=b"body{}", content_type="text/css", headers={"X-Cache": cache})

    async def api(request):
        site.hits["api"] = site.hits.get("api", 0) + 1
        return web.json_response({"status": "ok"})

    async def socket(request):
        site.hits["ws"] = site.hits.get("ws", 0) + 1
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        async for message in ws:
            if message.type == WSMsgType.CLOSE:
                break
        return ws

    async def away(request):
        return web.Response(status=302, headers={"Location": request.query.get("to", "/")})

    async def counted(request):
        site.hits["other"] = site.hits.get("other", 0) + 1
        return web.Response(text="elsewhere")

    app = web.Application()
    app.add_routes([web.get("/static/app.css", static), web.get("/api/health", api), web.get("/ws", socket),
                    web.get("/away", away), web.get("/elsewhere", counted)])
    return app


@pytest.fixture
def site():
    from aiohttp import web

    served = Site()
    ready = threading.Event()

    def serve() -> None:
        loop = asyncio.new_event_loop()
        served.loop = loop
        served.runner = web.AppRunner(_app(served))
        loop.run_until_complete(served.runner.setup())
        listener = web.TCPSite(served.runner, "127.0.0.1", 0)
        loop.run_until_complete(listener.start())
        served.port = listener._server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield served
    asyncio.run_coroutine_threadsafe(served.runner.cleanup(), served.loop).result(10)
    served.loop.call_soon_threadsafe(served.loop.stop)
    thread.join(10)


@pytest.fixture
def probe_config(tmp_path):
    def write(static: str = "/static/app.css") -> Path:
        folder = tmp_path / "config"
        folder.mkdir(exist_ok=True)
        (folder / "staging.yaml").write_text(CONFIG.format(templates=ROOT / "templates", static=static))
        return folder

    return write
