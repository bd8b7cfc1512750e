"""The load: virtual users on asyncio and aiohttp (HTTP and WebSocket in one well-kept client), each
looping static asset -> API call -> WebSocket ping -> think time (the seed's k6 script sleeps 1 s) until
the duration or the request budget is spent.

Redirects are followed by hand, only within the target's scheme and host (at most 5 hops); a redirect
anywhere else is an error and is not followed. A response counts as an error when its status is 400 or
more, its body is empty, or it does not arrive within the timeout.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable
from urllib.parse import urljoin, urlsplit

from candlefish_ops import __version__
from candlefish_ops.probe.plan import KINDS, ProbePlan
from candlefish_ops.probe.stats import KindStats

MAX_BODY = 16 * 1024 * 1024
MAX_REDIRECTS = 5


class Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


class Probe:
    def __init__(self, plan: ProbePlan, clock: Callable[[], float] = time.monotonic) -> None:
        self.plan = plan
        self.stats = {kind: KindStats() for kind in KINDS}
        self.clock = clock
        self.started = 0.0
        self.active_users = 0

    async def run(self, on_progress: Callable[["Probe"], None] | None = None) -> dict[str, dict]:
        import aiohttp

        self.started = self.clock()
        deadline = self.started + self.plan.duration
        budget = Budget(self.plan.max_requests)
        timeout = aiohttp.ClientTimeout(total=self.plan.timeout)
        # a user holds one WebSocket and one keep-alive HTTP connection at most
        connector = aiohttp.TCPConnector(limit=2 * self.plan.users, ttl_dns_cache=300)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=True,
                                         headers={"User-Agent": f"candlefish-probe/{__version__}"}) as session:
            users = [asyncio.create_task(self._user(session, number, deadline, budget))
                     for number in range(self.plan.users)]
            reporter = asyncio.create_task(self._report(on_progress, deadline)) if on_progress else None
            await asyncio.gather(*users)
            if reporter:
                reporter.cancel()
        return self.summary()

    def summary(self) -> dict[str, dict]:
        return {kind: {**stats.summary(), "probed": self.plan.urls[kind] is not None}
                for kind, stats in self.stats.items()}

    @property
    def elapsed(self) -> float:
        return max(self.clock() - self.started, 1e-9)

    async def _report(self, on_progress, deadline: float) -> None:
        while self.clock() < deadline:
            await asyncio.sleep(0.5)
            on_progress(self)

    async def _user(self, session, number: int, deadline: float, budget: Budget) -> None:
        await asyncio.sleep(self.plan.ramp * number / self.plan.users)
        self.active_users += 1
        socket = await self._open_socket(session) if self.plan.urls["websocket"] else None
        try:
            while self.clock() < deadline:
                for kind in ("static", "api"):
                    if not budget.take() or self.clock() >= deadline:
                        return
                    await self._get(session, kind)
                if socket is not None and socket is not False and budget.take():
                    socket = await self._ping(session, socket)
                if self.plan.think:
                    await asyncio.sleep(min(self.plan.think, max(0.0, deadline - self.clock())))
        finally:
            self.active_users -= 1
            if socket is not None and socket is not False:
                await socket.close()

    async def _get(self, session, kind: str) -> None:
        import aiohttp

        started = self.clock()
        url, error, x_cache = self.plan.urls[kind], "", None
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                async with session.get(url, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                        url = urljoin(url, response.headers["Location"])
                        if (urlsplit(url).scheme, urlsplit(url).netloc.lower()) != self.plan.origin:
                            error = f"redirect off the target to {urlsplit(url).netloc[:80]}"
                            break
                        continue
                    body = await response.content.read(MAX_BODY)
                    x_cache = response.headers.get("X-Cache")
                    error = f"HTTP {response.status}" if response.status >= 400 else "" if body else "empty body"
                    break
            else:
                error = f"more than {MAX_REDIRECTS} redirects"
        except asyncio.TimeoutError:
            error = "timeout"
        except aiohttp.ClientError as exc:
            error = type(exc).__name__
        self.stats[kind].record(self.clock() - started, error, x_cache)

    async def _open_socket(self, session):
        """The user's WebSocket, or False when it could not be opened (counted as an error once)."""
        import aiohttp

        started = self.clock()
        try:
            return await session.ws_connect(self.plan.urls["websocket"], autoping=False, heartbeat=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            reason = f"HTTP {exc.status}" if isinstance(exc, aiohttp.WSServerHandshakeError) else type(exc).__name__
            self.stats["websocket"].record(self.clock() - started, f"connect: {reason}")
            return False

    async def _ping(self, session, socket):
        """One ping frame and its pong: the WebSocket round trip."""
        import aiohttp

        if socket is False:
            return socket
        started = self.clock()
        try:
            await socket.ping(b"candlefish")
            while True:
                message = await asyncio.wait_for(socket.receive(), self.plan.timeout)
                if message.type == aiohttp.WSMsgType.PONG:
                    self.stats["websocket"].record(self.clock() - started)
                    return socket
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    raise ConnectionError("closed")
        except (asyncio.TimeoutError, ConnectionError, aiohttp.ClientError) as exc:
            self.stats["websocket"].record(self.clock() - started, f"ping: {type(exc).__name__}")
            return False


def run(plan: ProbePlan, on_progress=None) -> dict[str, dict]:
    return asyncio.run(Probe(plan).run(on_progress))
