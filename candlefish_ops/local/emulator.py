"""Start and stop moto's server in-process on 127.0.0.1 and point this process's AWS SDK at it."""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from contextlib import contextmanager
from typing import Callable, Iterator

from candlefish_ops.errors import EmulatorError

LOCAL_ACCOUNT_ID = "123456789012"
_CREDENTIAL_ENV = {
    "AWS_ACCESS_KEY_ID": "candlefish-local",
    "AWS_SECRET_ACCESS_KEY": "candlefish-local",
}
_CLEARED_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


class Emulator:
    """One moto server in a background thread of this process, on a free (or given) port."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", app=None) -> None:
        self._host = host
        self._port = port
        self._app = app  # default: moto with the extensions, one request at a time
        self._server = None

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise EmulatorError("the emulator is not running")
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def start(self) -> str:
        """Start the server (extensions installed first) and return its endpoint URL."""
        app = self._app or OneRequestAtATime(moto_app())
        try:
            self._server = _ServerThread(app, self._host, self._port)
        except OSError as exc:
            raise EmulatorError(f"cannot start the emulator on {self._host}:{self._port}: {exc}") from exc
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def reset(self) -> None:
        """Forget every resource (moto's own reset API)."""
        reset_endpoint(self.endpoint)


def moto_app():
    """moto's WSGI app with candlefish's extensions installed (the installed moto checked first)."""
    try:
        from candlefish_ops.local.moto import compat
        from candlefish_ops.local.moto.extensions import install_all
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise EmulatorError("the embedded emulator needs moto: install it with pip install 'candlefish-ops[local]'") from exc
    install_all()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    _quiet_unsupported_type_notices()
    return compat.server_app()


class OneRequestAtATime:
    """WSGI wrapper that lets one request at a time into moto.

    moto's backends are plain dicts without locks: two requests at once (the deploy runs a batch's stacks
    in parallel, and IAM and Route 53 are global) can fail with "dictionary changed size during
    iteration" as an HTTP 500, or lose an update. AWS has no such failure, so the emulator must not
    either. The response body is read inside the lock, since moto may build it lazily."""

    def __init__(self, app) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        _run_request_hooks(environ)  # outside the lock: a hook may call the emulator itself
        with self._lock:
            body = self._app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                if hasattr(body, "close"):
                    body.close()


class RequestHook:
    """One interleaving injected into the emulator: `action()` runs once, just before the `nth` request whose
    operation is in `operations` (e.g. {"Query"}, {"GetIPSet"}) enters moto; that request waits for it."""

    def __init__(self, operations: set[str], action: Callable[[], None], nth: int) -> None:
        self.operations = operations
        self.action = action
        self.nth = nth
        self.seen = 0
        self.fired = False
        self.error: BaseException | None = None


_HOOKS: list[RequestHook] = []
_HOOKS_LOCK = threading.Lock()


@contextmanager
def before_request(operations: str | set[str], action: Callable[[], None], nth: int = 1) -> Iterator[RequestHook]:
    """Deterministic interleavings for tests and benchmarks (never used by the CLI): while the block runs,
    run `action` once, before the nth matching request (JSON protocols: the operation named by X-Amz-Target,
    e.g. "DynamoDB_20120810.Query" is "Query"). An exception raised by `action` is re-raised at the end."""
    hook = RequestHook({operations} if isinstance(operations, str) else set(operations), action, nth)
    with _HOOKS_LOCK:
        _HOOKS.append(hook)
    try:
        yield hook
    finally:
        with _HOOKS_LOCK:
            if hook in _HOOKS:
                _HOOKS.remove(hook)
    if hook.error is not None:
        raise hook.error


def _run_request_hooks(environ) -> None:
    if not _HOOKS:
        return
    operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
    due = []
    with _HOOKS_LOCK:
        for hook in list(_HOOKS):
            if operation in hook.operations:
                hook.seen += 1
                if hook.seen == hook.nth:
                    hook.fired = True
                    _HOOKS.remove(hook)  # one-shot: the action's own requests do not trigger it again
                    due.append(hook)
    for hook in due:
        try:
            hook.action()
        except BaseException as error:  # noqa: BLE001 - handed back to the test that injected it
            hook.error = error


class _ServerThread:
    """A threaded werkzeug server for `app` on (host, port), served from a daemon thread."""

    def __init__(self, app, host: str, port: int) -> None:
        from werkzeug.serving import make_server

        from candlefish_ops.local.moto.compat import request_handler

        self._server = make_server(host, port, app, threaded=True, request_handler=request_handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def get_host_and_port(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), port

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


def _quiet_unsupported_type_notices() -> None:
    """moto logs and warns for each resource type it skips; the deploy summary lists them once, as
    "not emulated", so the per-resource notices are dropped."""
    import warnings

    warnings.filterwarnings("ignore", message=r"Tried to parse .* not supported by moto")
    logging.getLogger("moto").addFilter(
        lambda record: not str(record.msg).startswith("No Moto CloudFormation support"))


def reset_endpoint(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10):
        pass


def point_sdk_at(endpoint: str, region: str | None = None) -> dict[str, str | None]:
    """Make every boto3 Session this process creates use the emulator with dummy credentials.

    Returns the previous values, for `restore_sdk_environment`."""
    touched = (*_CLEARED_ENV, *_CREDENTIAL_ENV, "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID", "AWS_REGION")
    saved = {name: os.environ.get(name) for name in touched}
    for name in _CLEARED_ENV:
        os.environ.pop(name, None)
    os.environ.update(_CREDENTIAL_ENV)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["MOTO_ACCOUNT_ID"] = LOCAL_ACCOUNT_ID
    if region or not os.environ.get("AWS_REGION"):
        os.environ["AWS_REGION"] = region or "us-east-1"
    return saved


def restore_sdk_environment(saved: dict[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
