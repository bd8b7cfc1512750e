"""What every command shares: the global options, the loaded environments, the AWS session.

Under --local the CLI's local step (candlefish_ops.cli.local_step) points the SDK at an emulator before any
session is made; this module never starts one itself."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from candlefish_ops.errors import CandlefishError


@dataclass
class AppContext:
    """Global options plus lazily created shared state (one per CLI invocation)."""

    config_dir: Path = Path("config")
    output: str = "table"
    yes: bool = False
    debug: bool = False
    local: bool = False
    _environments: dict[str, Any] = field(default_factory=dict)
    local_endpoint: str | None = None  # set by the CLI's --local step once the SDK points at the emulator
    local_deployed: set[str] = field(default_factory=set)  # environments that emulator already holds
    local_attached: bool = False  # the emulator is the one `candlefish local up` keeps running
    _session: Any = None
    _checked_accounts: set[str] = field(default_factory=set)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def json(self) -> bool:
        return self.output == "json"

    @property
    def targets_emulator(self) -> bool:
        """True under --local, or when AWS_ENDPOINT_URL points at an emulator on this machine (loopback)."""
        return self.local or is_loopback_endpoint(os.environ.get("AWS_ENDPOINT_URL"))

    def protected(self, environment) -> bool:
        """Whether changes to `environment` need a confirmation (or --yes): a protected environment on
        AWS does; the same environment in an emulator on this machine does not, unless
        CANDLEFISH_CONFIRM_LOCAL=1 asks to rehearse the confirmations there."""
        if not environment.protected:
            return False
        return not self.targets_emulator or os.environ.get("CANDLEFISH_CONFIRM_LOCAL") == "1"

    def environment(self, name: str):
        """The validated config of environment `name` (loaded once)."""
        if name not in self._environments:
            from candlefish_ops.config import load_environment

            self._environments[name] = load_environment(self.config_dir, name)
        return self._environments[name]

    def session(self, region: str | None = None):
        """The boto3 Session. Under --local the CLI's local step must have run first (refused otherwise, so a
        command that forgot it can never reach a real account)."""
        if self._session is None:
            if self.local and self.local_endpoint is None:
                raise CandlefishError("internal: a --local command asked for a session before the CLI's local "
                                      "step (candlefish_ops.cli.common.session / environment_session)")
            from candlefish_ops.aws.session import new_session

            self._session = new_session(region)
        return self._session

    def checked_session(self, environment):
        """The session for a command that reads or writes the environment's account: refused (before any
        other call) when the credentials are for another account than the config's `account_id`."""
        session = self.session(environment.region)
        if not self.local and environment.name not in self._checked_accounts:
            from candlefish_ops.aws.session import check_account

            check_account(session, environment.account_id, environment.file, environment.name)
            self._checked_accounts.add(environment.name)
        return session

    def on_close(self, action: Callable[[], None]) -> None:
        """Run `action` when the command ends (last registered, first run)."""
        self._closers.append(action)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()


def is_loopback_endpoint(url: str | None) -> bool:
    """Whether an endpoint URL names this machine (localhost, 127.0.0.0/8, ::1): an emulator, not AWS."""
    if not url:
        return False
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url if "://" in url else f"//{url}").hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require(condition: bool, message: str) -> None:
    """Raise a plain CandlefishError when `condition` is false (for small command-level checks)."""
    if not condition:
        raise CandlefishError(message)
