"""The one place the emulator touches moto's private surface, and the check that it is the moto it was written for.

Every extension reaches moto's service state through `backend()`, changes moto's behaviour through `patch()`
(which refuses to patch a name moto no longer has, instead of silently adding it), and uses moto's private
CloudFormation names only through the functions below. `require_supported_moto()` runs before any extension
is installed: a different moto (the private names and the patched methods may have changed) is refused with
one line, instead of an emulator that half works.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any, Callable

from candlefish_ops.errors import EmulatorError

SUPPORTED_MOTO = "5.2.5"  # the version every extension was written and tested against (pyproject pins it)
_patches: list[str] = []


def installed_moto_version() -> str | None:
    try:
        return metadata.version("moto")
    except metadata.PackageNotFoundError:
        return None


def require_supported_moto(installed: str | None = None) -> None:
    """Refuse to run the emulator on a moto other than SUPPORTED_MOTO (`installed`: the version found; by
    default the installed package's)."""
    installed = installed if installed is not None else installed_moto_version()
    if installed is None:
        raise EmulatorError("the embedded emulator needs moto: install it with pip install 'candlefish-ops[local]'")
    if installed != SUPPORTED_MOTO:
        raise EmulatorError(f"the embedded emulator is written for moto {SUPPORTED_MOTO}, but moto {installed} is "
                            f"installed: run pip install 'moto[server]=={SUPPORTED_MOTO}' (or pip install -e '.[local]')")


def backend(service: str, account_id: str, region_or_partition: str) -> Any:
    """moto's backend of `service` (moto's name: "s3", "lambda", "wafv2", ...) for one account and region
    (or partition, for the global services: s3, iam, cloudfront)."""
    from moto.backends import get_backend

    return get_backend(service)[account_id][region_or_partition]  # type: ignore[call-overload]


def patch(owner: Any, name: str, replacement: Any) -> None:
    """Replace attribute `name` of a moto class or module by `replacement`. A name moto does not have is
    refused: the extension was written for another moto (use `add` for an operation moto lacks)."""
    if not hasattr(owner, name):
        raise EmulatorError(f"emulator extension cannot patch {_label(owner)}.{name}: moto has no such name "
                            f"(written for moto {SUPPORTED_MOTO})")
    setattr(owner, name, replacement)
    _patches.append(f"{_label(owner)}.{name}")


def add(owner: Any, name: str, value: Any) -> None:
    """Give a moto class an attribute moto lacks (e.g. an operation it does not implement)."""
    setattr(owner, name, value)
    _patches.append(f"{_label(owner)}.{name} (added)")


def patched_names() -> list[str]:
    """What this process changed in moto (for docs/local.md and debugging)."""
    return list(_patches)


def _label(owner: Any) -> str:
    return getattr(owner, "__qualname__", None) or getattr(owner, "__name__", type(owner).__name__)


# --- moto's private CloudFormation names ---------------------------------------------------------------------

def add_stack_event(stack: Any, status: str, reason: str | None = None) -> None:
    """Append a stack event as moto does for its own operations (FakeStack._add_stack_event)."""
    if reason is None:
        stack._add_stack_event(status)
    else:
        stack._add_stack_event(status, resource_status_reason=reason)


def parse_template(stack_or_change_set: Any) -> None:
    """Re-parse the template a FakeStack/FakeChangeSet holds (moto's _parse_template)."""
    stack_or_change_set._parse_template()


def parse_template_method(cls: type) -> Callable[..., Any]:
    """The class's own _parse_template (to wrap it)."""
    return cls._parse_template  # type: ignore[attr-defined,no-any-return]


def resource_json_map(resource_map: Any) -> dict[str, Any]:
    """The template's Resources section as moto's ResourceMap holds it ({} before it is parsed)."""
    return getattr(resource_map, "_resource_json_map", None) or {}


def acm_certificate(acm_backend: Any, arn: str) -> Any:
    """A certificate of moto's ACM backend by ARN, or None (moto keeps them in a private dict)."""
    return acm_backend._certificates.get(arn)


def rest_error() -> type:
    """moto's base class of REST-protocol errors (private in moto: _RESTError)."""
    from moto.core.exceptions import _RESTError

    return _RESTError


def seed_random(seed: int) -> None:
    """Seed the random source every moto identifier comes from, so the same requests create the same ids."""
    from moto.moto_api._internal import mock_random

    mock_random.seed(seed)


def server_app() -> Any:
    """moto's WSGI application (every service, dispatched by host and path), and its request handler class."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def request_handler() -> Any:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    return MotoRequestHandler
