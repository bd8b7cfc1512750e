"""`candlefish local demo`: the README's first command, in-process against a fresh embedded emulator."""

import io
from pathlib import Path

from terminal_screen import Screen

CONFIG = Path(__file__).resolve().parents[3] / "config"


def test_demo_deploys_then_redeploys_with_a_summary_per_stack(aws, cli):  # aws: moto state is per process
    result = cli("local", "demo", "staging", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.split("staging: redeploy: ")
    assert "staging: first deploy: 9 stacks, " in first and " resources created in " in first
    assert "every stack unchanged, no change set executed" in second
    for key in ("network", "storage", "security", "edge", "dns"):
        assert key in first and key in second
    assert "created" in first and "unchanged" not in first
    assert "unchanged" in second and "created" not in second
    assert "(AWS::" not in result.stdout                      # no diff lines: those are for --verbose


def test_verbose_demo_shows_the_diff_lines(aws, cli):
    result = cli("local", "demo", "staging", "--verbose", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr
    assert "(AWS::S3::Bucket)" in result.stdout and "  + " in result.stdout


def test_demo_json_is_one_document_with_both_runs(aws, cli):
    result = cli("local", "demo", "staging", "-o", "json", "--config-dir", CONFIG)
    assert result.exit_code == 0, result.stderr
    runs = result.json()["runs"]
    assert [run["run"] for run in runs] == ["first deploy", "redeploy"]
    assert {s["result"] for s in runs[0]["stacks"]} == {"created"}
    assert {s["result"] for s in runs[1]["stacks"]} == {"unchanged"} and runs[1]["seconds"] > 0


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_live_table_resumed_after_printing_does_not_overwrite_what_was_printed(monkeypatch):
    """On a terminal the live table pauses for diffs (and questions) and resumes: what was printed in
    between, and above (the first deploy's summary), must survive in scrollback."""
    from rich.console import Console

    from candlefish_ops import ui
    from candlefish_ops.config import load_environment
    from candlefish_ops.deploy.executor import Prepared, StackResult
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.render import DeployView

    terminal = Tty()
    monkeypatch.setattr("sys.stdout", terminal)          # stdout and stderr on one screen, as in a terminal
    console = Console(file=terminal, force_terminal=True, width=120, height=60, color_system=None)
    plan = plan_deploy(load_environment(CONFIG, "production"), protected=False)
    ui.out("FIRST SUMMARY: every line of it must stay")
    with DeployView(plan, show_diffs=True, assume_yes=True, console=console) as view:
        for target in plan.batches[0]:
            view.state(target, "UNCHANGED")
        view.review([Prepared(t, StackResult(t.key, t.region, t.stack_name, result="unchanged"))
                     for t in plan.batches[0]])
    lines = Screen().feed(terminal.getvalue()).lines
    assert "FIRST SUMMARY: every line of it must stay" in lines
    assert sum(line.endswith(": no changes") for line in lines) == len(plan.batches[0])
