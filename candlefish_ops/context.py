"""What every command shares: the global options, the loaded environments, the AWS session, the emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    _session: Any = None
    _emulator: Any = None
    _bootstrapped: set[str] = field(default_factory=set)
    _gate: Any = None
    _saved_env: dict[str, Any] = field(default_factory=dict)

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
        """The boto3 Session; under --local, one pointed at a fresh embedded emulator."""
        if self._session is None:
            if self.local:
                self._start_emulator(region)
            from candlefish_ops.aws.session import new_session

            self._session = new_session(region)
        return self._session

    def checked_session(self, environment):
        """The session for a command that reads or writes the environment's account: refused by the gate
        (before any other call) when the credentials are for another account than the config's `account_id`."""
        session = self.session(environment.region)
        self.gate.check_account(session, environment)
        return session

    def session_for(self, environment, needs: tuple[str, ...] = ()):
        """The session for commands that need the environment's stacks (account checked). Under --local the
        fresh emulator has none, so the stacks in `needs` (default: all) and their dependencies are first
        deployed into it, and emulated data seeded. Templates and parameters are checked before the
        emulator starts, so a config error costs no emulator deploy."""
        if not self.local or environment.name in self._bootstrapped:
            return self.checked_session(environment)
        from candlefish_ops.local.bootstrap import bootstrap_environment, bootstrap_plan

        plan = bootstrap_plan(environment, needs)
        session = self.checked_session(environment)
        bootstrap_environment(session, self.emulator_endpoint, environment, plan=plan)
        self._bootstrapped.add(environment.name)
        return session

    @property
    def emulator_endpoint(self) -> str | None:
        return self._emulator.endpoint if self._emulator is not None else None

    def _start_emulator(self, region: str | None) -> None:
        from candlefish_ops.local.emulator import Emulator, point_sdk_at
        from candlefish_ops import ui

        self._emulator = Emulator()
        endpoint = self._emulator.start()
        self._saved_env = point_sdk_at(endpoint, region)
        ui.info(f"[dim]local mode: embedded AWS emulator (moto) at {endpoint}; nothing touches a real account[/dim]")

    def close(self) -> None:
        if self._emulator is not None:
            from candlefish_ops.local.emulator import restore_sdk_environment

            self._emulator.stop()
            self._emulator = None
            restore_sdk_environment(self._saved_env)


def require(condition: bool, message: str) -> None:
    """Raise a plain CandlefishError when `condition` is false (for small command-level checks)."""
    if not condition:
        raise CandlefishError(message)
