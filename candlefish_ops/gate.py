"""The one safety gate every command that touches an account goes through.

Two checks, both here and nowhere else:
- the account: credentials for another account than the environment's `account_id` are refused before
  anything is read or changed (once per environment and command; not under `--local`, whose embedded
  emulator has an account of its own);
- the confirmation: a protected environment on AWS asks before a change (`--yes` answers; a
  non-interactive run without it refuses). A target in an emulator on this machine (`--local`, or
  AWS_ENDPOINT_URL on loopback) is never protected, unless CANDLEFISH_CONFIRM_LOCAL=1 rehearses there.
The deploy asks one question per run ([y]es / [n]o / [e]ach batch) through `confirm_deploy`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Sequence

from candlefish_ops.errors import CredentialsError


@dataclass
class Gate:
    """One per CLI invocation: the global `--yes` and `--local`, and the accounts already checked."""

    yes: bool = False
    local: bool = False
    _identities: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def targets_emulator(self) -> bool:
        """True under --local, or when AWS_ENDPOINT_URL points at an emulator on this machine (loopback)."""
        return self.local or is_loopback_endpoint(os.environ.get("AWS_ENDPOINT_URL"))

    def protected(self, environment) -> bool:
        """Whether changes to `environment` need a confirmation (or --yes)."""
        if not environment.protected:
            return False
        return not self.targets_emulator or os.environ.get("CANDLEFISH_CONFIRM_LOCAL") == "1"

    def identity(self, session, environment) -> dict[str, str]:
        """The caller ({"account", "arn"}), refused when it is another account than the config's `account_id`
        (not checked under --local). Asked once per environment."""
        if environment.name not in self._identities:
            from candlefish_ops.aws.session import caller_identity

            identity = caller_identity(session)
            expected = environment.account_id
            if expected and not self.local and identity["account"] != expected:
                raise CredentialsError(
                    f"these credentials are for account {identity['account']}, but {environment.name} lives in "
                    f"{expected} (account_id in {environment.file}): switch AWS_PROFILE; nothing was read or changed")
            self._identities[environment.name] = identity
        return self._identities[environment.name]

    def check_account(self, session, environment) -> None:
        """Refuse another account (no call when the config names none, or under --local)."""
        if environment.account_id and not self.local:
            self.identity(session, environment)

    def confirm(self, environment, question: str, always: bool = False) -> None:
        """Ask `question` before a change to a protected environment (or `always`); nothing to ask otherwise."""
        if always or self.protected(environment):
            from candlefish_ops import ui

            ui.confirm(question, self.yes)

    def confirm_deploy(self, question: str, still_to_come: Sequence[str]) -> str:
        """The deploy's one question: "all" (yes), "each" (ask again per batch); no raises Aborted. With
        nothing still to come it is a plain yes/no."""
        from candlefish_ops import ui

        if not still_to_come:
            ui.confirm(question, self.yes)
            return "all"
        return ui.confirm_all_or_each(question, self.yes)


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
