"""The emulator's saved state: a journal of the requests it served, replayed in order on the next start.

Why a journal and not a pickle of moto's backends: moto's state holds objects pickle refuses (CloudFormation,
Lambda, KMS, ACM, RDS and SQS backends carry thread locks, cryptography RSA keys and WeakValueDictionaries),
and a copy of moto's private objects would break with any moto change. Requests are moto's public surface.
Replayed through the same WSGI app in the same order, with moto's random source seeded the same way
(`compat.seed_random`: every id moto makes comes from it), they rebuild the same resources with the same ids.

Every request is recorded (reads too: moto draws request ids from the same random source, so skipping one
would shift every id after it), with its response status. A replay that answers any request with another
status than recorded stops and refuses the whole snapshot: the state is never half-loaded. moto's reset
(`/moto-api/reset`) empties the journal and re-seeds, so the journal always describes the live state.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

from candlefish_ops.errors import EmulatorError



class Journal:
    """Append-only file of the requests an emulator served (one JSON object a line)."""

    def __init__(self, path: Path, on_reset: Callable[[], None]) -> None:
        self.path = path
        self._on_reset = on_reset
        self._lock = threading.Lock()
        self._file = path.open("a", encoding="utf-8")

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
            self._file.flush()

    def reset(self) -> None:
        with self._lock:
            self._file.truncate(0)
            self._file.seek(0)
        self._on_reset()

    def close(self) -> None:
        import os

        with self._lock:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


class Recording:
    """WSGI wrapper (inside OneRequestAtATime, so the journal's order is the order moto saw) that records
    each request with its response status."""

    def __init__(self, app, journal: Journal) -> None:
        self._app = app
        self._journal = journal

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/moto-api/reset":
            body = self._app(environ, start_response)
            self._journal.reset()
            return body
        if path.startswith("/moto-api/") and environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            return self._app(environ, start_response)  # moto's dashboard, data dump and config: reads only
        entry = _request_entry(environ)
        status: list[int] = []

        def recording_start_response(status_line, headers, exc_info=None):
            status.append(int(status_line.split(" ", 1)[0]))
            return start_response(status_line, headers, exc_info)

        body = self._app(environ, recording_start_response)
        entry["status"] = status[0] if status else 0
        self._journal.record(entry)
        return body


def _request_entry(environ) -> dict[str, Any]:
    """Method, raw path and query, headers and body of a WSGI request (the body is put back for moto)."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    if length:
        data = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):  # chunked: the server ends the stream after the last chunk
        data = stream.read()
    else:  # no body (reading would wait for the client to close the connection)
        data = b""
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
               if key.startswith("HTTP_") and key != "HTTP_TRANSFER_ENCODING"}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return {"method": environ["REQUEST_METHOD"], "path": environ.get("RAW_URI") or _path_and_query(environ),
            "headers": headers, "body": base64.b64encode(data).decode("ascii")}


def _path_and_query(environ) -> str:
    query = environ.get("QUERY_STRING")
    return environ.get("PATH_INFO", "") + (f"?{query}" if query else "")


def entries(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The journal's entries, numbered from 1; a torn or unreadable line refuses the whole journal."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise EmulatorError(f"the saved emulator state {path} is damaged at line {number} ({error.msg}): "
                                    "run `candlefish local up --fresh` to discard it") from None


def replay(app, path: Path) -> int:
    """Send every journal entry through `app` in order; return how many. Any status other than the
    recorded one refuses the snapshot (the caller then serves nothing)."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    count = 0
    for number, entry in entries(path):
        path_only, _, query = entry["path"].partition("?")
        builder = EnvironBuilder(path=path_only, query_string=query, method=entry["method"],
                                 headers=entry["headers"], data=base64.b64decode(entry["body"]))
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        environ["RAW_URI"] = entry["path"]
        body, status, _headers = run_wsgi_app(app, environ, buffered=True)
        b"".join(body)
        answered = int(status.split(" ", 1)[0])
        if answered != entry["status"]:
            raise EmulatorError(
                f"the saved emulator state does not replay: request {number} ({entry['method']} "
                f"{entry['path'][:80]}) answered {answered}, recorded {entry['status']}; nothing was loaded: "
                "run `candlefish local up --fresh` to discard it")
        count += 1
    return count
