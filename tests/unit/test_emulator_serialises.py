"""The embedded emulator admits one request at a time: moto's backends have no locks of their own.

Measured before the fix: six threads creating and reading IAM roles against moto's threaded server got
15 HTTP 500s ("dictionary changed size during iteration") in 1,800 requests, and a production deploy
(three compute stacks writing IAM and Route 53 at once) failed about once in a few hundred runs."""

from __future__ import annotations

import threading
import time

from candlefish_ops.local.emulator import OneRequestAtATime


class _RecordingApp:
    """A WSGI app whose requests take a while, and whose body is produced lazily, as moto's may be."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self._count_lock = threading.Lock()

    def _enter(self) -> None:
        with self._count_lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)

    def _leave(self) -> None:
        with self._count_lock:
            self.inside -= 1

    def __call__(self, environ, start_response):
        self._enter()
        time.sleep(0.02)
        start_response("200 OK", [("Content-Type", "text/plain")])

        def body():
            time.sleep(0.02)
            yield environ["PATH_INFO"].encode()
            self._leave()

        return body()


def test_concurrent_requests_are_served_one_at_a_time_body_included():
    app = _RecordingApp()
    wrapped = OneRequestAtATime(app)
    bodies: list[bytes] = []

    def request(number: int) -> None:
        bodies.append(b"".join(wrapped({"PATH_INFO": f"/{number}"}, lambda status, headers: None)))

    threads = [threading.Thread(target=request, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(bodies) == sorted(f"/{number}".encode() for number in range(6))
    assert app.most_inside == 1 and app.inside == 0


def test_the_unwrapped_app_would_overlap():
    """The recording app does detect overlap, so the test above can fail."""
    app = _RecordingApp()
    threads = [threading.Thread(target=lambda: b"".join(app({"PATH_INFO": "/"}, lambda s, h: None)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert app.most_inside > 1
