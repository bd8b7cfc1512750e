"""The safety gate: who is asked, and that --yes and non-interactive runs behave the same in every command."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from candlefish_ops.errors import Aborted
from candlefish_ops.gate import Gate


class TerminalInput(io.StringIO):
    def isatty(self) -> bool:
        return True


PRODUCTION = SimpleNamespace(name="production", protected=True, account_id=None)
STAGING = SimpleNamespace(name="staging", protected=False, account_id=None)


@pytest.fixture
def on_aws(monkeypatch):
    monkeypatch.delenv("CANDLEFISH_CONFIRM_LOCAL", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://cloudformation.us-east-1.amazonaws.com")


def test_unprotected_or_emulated_environments_are_not_asked(on_aws, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # would refuse if asked
    Gate().confirm(STAGING, "change staging?")
    Gate(local=True).confirm(PRODUCTION, "change production?")


def test_protected_on_aws_asks_and_no_cancels(on_aws, monkeypatch):
    monkeypatch.setattr("sys.stdin", TerminalInput("n\n"))
    with pytest.raises(Aborted, match="cancelled; nothing was changed"):
        Gate().confirm(PRODUCTION, "change production?")
    monkeypatch.setattr("sys.stdin", TerminalInput("y\n"))
    Gate().confirm(PRODUCTION, "change production?")


def test_yes_answers_and_a_pipe_without_it_refuses(on_aws, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    Gate(yes=True).confirm(PRODUCTION, "change production?")
    assert Gate(yes=True).confirm_deploy("execute?", ["edge (us-east-1)"]) == "all"
    with pytest.raises(Aborted, match="refusing without --yes"):
        Gate().confirm(PRODUCTION, "change production?")


def test_always_asks_even_where_unprotected(on_aws, monkeypatch):
    monkeypatch.setattr("sys.stdin", TerminalInput("n\n"))
    with pytest.raises(Aborted):
        Gate().confirm(STAGING, "apply again after a concurrent edit?", always=True)


def test_rehearsing_locally_asks(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")
    monkeypatch.setattr("sys.stdin", TerminalInput("e\n"))
    assert Gate().confirm_deploy("execute?", ["edge (us-east-1)"]) == "each"


def test_no_account_check_without_an_account_id_or_under_local():
    session = object()  # any AWS call on it would fail
    Gate().check_account(session, STAGING)
    Gate(local=True).check_account(session, SimpleNamespace(name="production", account_id="210987654321"))
