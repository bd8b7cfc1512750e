"""Who is asked, and how the deploy question is answered on a terminal (stdin fed, as a person types)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from candlefish_ops.context import AppContext, is_loopback_endpoint
from candlefish_ops.errors import Aborted


class TerminalInput(io.StringIO):
    """Typed answers on what claims to be a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("url", ["http://127.0.0.1:4566", "http://localhost:5000", "http://[::1]:4566",
                                 "http://127.1.2.3", "https://moto.localhost", "127.0.0.1:4566"])
def test_loopback_endpoints_are_emulators(url):
    assert is_loopback_endpoint(url)


@pytest.mark.parametrize("url", [None, "", "https://cloudformation.us-east-1.amazonaws.com",
                                 "http://10.0.0.5:4566", "http://localhost.example.com", "http://[bad"])
def test_other_endpoints_are_not(url):
    assert not is_loopback_endpoint(url)


class Env:
    def __init__(self, protected: bool) -> None:
        self.protected = protected


def test_protected_only_on_aws_unless_rehearsing(monkeypatch):
    monkeypatch.delenv("CANDLEFISH_CONFIRM_LOCAL", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.amazonaws.com")
    assert AppContext().protected(Env(True)) and not AppContext().protected(Env(False))
    assert not AppContext(local=True).protected(Env(True))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert not AppContext().protected(Env(True))
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")
    assert AppContext().protected(Env(True)) and AppContext(local=True).protected(Env(True))


@pytest.mark.parametrize("typed, expected", [("y\n", "all"), ("yes\n", "all"), ("E\n", "each"), ("each\n", "each"),
                                             ("maybe\ne\n", "each")])
def test_deploy_question_answers(monkeypatch, typed, expected):
    from candlefish_ops.deploy.plan import DeployPlan
    from candlefish_ops.deploy.render import DeployView

    monkeypatch.setattr("sys.stdin", TerminalInput(typed))
    view = DeployView(DeployPlan("production", (), True, True), show_diffs=True, assume_yes=False)
    assert view.confirm("production (batch 1/5): execute?", ["api (us-east-1)", "edge (us-east-1)"]) == expected


@pytest.mark.parametrize("typed", ["n\n", "\n", ""])
def test_deploy_question_no_enter_or_end_of_input_cancels(monkeypatch, capsys, typed):
    from candlefish_ops.deploy.plan import DeployPlan
    from candlefish_ops.deploy.render import DeployView

    monkeypatch.setattr("sys.stdin", TerminalInput(typed))
    view = DeployView(DeployPlan("production", (), True, True), show_diffs=True, assume_yes=False)
    with pytest.raises(Aborted):
        view.confirm("production (batch 1/5): execute?", ["api (us-east-1)", "edge (us-east-1)"])
    err = capsys.readouterr().err
    assert "still to come after this batch (2 stack(s)" in err and "api (us-east-1), edge (us-east-1)" in err
    assert "[y]es / [n]o / [e]ach batch" in err


def test_last_batch_is_a_plain_yes_no(monkeypatch, capsys):
    from candlefish_ops.deploy.plan import DeployPlan
    from candlefish_ops.deploy.render import DeployView

    monkeypatch.setattr("sys.stdin", TerminalInput("y\n"))
    view = DeployView(DeployPlan("production", (), True, True), show_diffs=True, assume_yes=False)
    assert view.confirm("production (batch 5/5): execute?", []) == "all"
    assert "[e]ach" not in capsys.readouterr().err


def test_yes_flag_never_reads_stdin(monkeypatch):
    from candlefish_ops.deploy.plan import DeployPlan
    from candlefish_ops.deploy.render import DeployView

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    view = DeployView(DeployPlan("production", (), True, True), show_diffs=True, assume_yes=True)
    assert view.confirm("q?", ["x"]) == "all"
