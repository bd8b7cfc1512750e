"""What every command shares: the global options, the loaded environments, the AWS session.

Under --local the CLI's local step (candlefish_ops.cli.local_step) points the SDK at an emulator before any
session is made; this module never starts one itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from candlefish_ops.errors import CandlefishError
from candlefish_ops.gate import is_loopback_endpoint  # noqa: F401  (re-exported)


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
    _gate: Any = None
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def json(self) -> bool:
        return self.output == "json"

    @property
    def gate(self):
        """The safety gate (account check, confirmations) with this invocation's --yes and --local."""
        if self._gate is None:
            from candlefish_ops.gate import Gate

            self._gate = Gate()
        self._gate.yes, self._gate.local = self.yes, self.local
        return self._gate

    @property
    def targets_emulator(self) -> bool:
        return self.gate.targets_emulator

    def protected(self, environment) -> bool:
        """Whether changes to `environment` need a confirmation (or --yes): see candlefish_ops.gate."""
        return self.gate.protected(environment)

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
                                      "step (candlefish_ops.cli.common.plain_session / environment_session)")
            from candlefish_ops.aws.session import new_session

            self._session = new_session(region)
        return self._session

    def checked_session(self, environment):
        """The session for a command that reads or writes the environment's account: refused by the gate
        (before any other call) when the credentials are for another account than the config's `account_id`."""
        session = self.session(environment.region)
        self.gate.check_account(session, environment)
        return session

    def on_close(self, action: Callable[[], None]) -> None:
        """Run `action` when the command ends (last registered, first run)."""
        self._closers.append(action)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()


def require(condition: bool, message: str) -> None:
    """Raise a plain CandlefishError when `condition` is false (for small command-level checks)."""
    if not condition:
        raise CandlefishError(message)
