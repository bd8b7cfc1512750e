"""How a deploy looks: live progress on stderr, change-set diffs and the summary on stdout (or JSON)."""

from __future__ import annotations

import threading
import time
from typing import Sequence

from candlefish_ops import ui
from candlefish_ops.aws.cloudformation import ResourceChange, StackEvent
from candlefish_ops.deploy.executor import DeployReport, Prepared
from candlefish_ops.deploy.plan import DeployPlan, StackTarget
from candlefish_ops.gate import Gate

_SYMBOLS = {"Add": "+", "Modify": "~", "Remove": "-", "Import": "+", "Dynamic": "~"}
_COLOURS = {"+": "green", "~": "yellow", "-": "red"}


def change_line(change: ResourceChange) -> str:
    """`+ Bucket (AWS::S3::Bucket)`, with replacement flagged on `~` lines."""
    symbol = _SYMBOLS.get(change.action, "?")
    replacement = {"True": "  [replacement]", "Conditional": "  [may be replaced]"}.get(change.replacement, "")
    return f"{symbol} {change.logical_id} ({change.resource_type}){replacement}"


class DeployView:
    """DeployHooks for humans: a live table on a terminal, plain progress lines otherwise."""

    def __init__(self, plan: DeployPlan, show_diffs: bool, assume_yes: bool, console=None) -> None:
        self._plan = plan
        self._show_diffs = show_diffs
        self._assume_yes = assume_yes
        self._console = console or ui.progress_console()
        self._rows = {t.label: {"state": "waiting", "detail": "", "started": None} for t in plan.targets}
        self._lock = threading.Lock()
        self._live = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def __enter__(self) -> "DeployView":
        if self._console.is_terminal:
            self._live = self._new_live()
            self._live.start()
        return self

    def _new_live(self):
        """A Live display that starts below whatever is on the screen. (A stopped rich Live, started
        again, first moves up by the height it last drew: over the diffs, the question or an earlier
        summary printed meanwhile. So every resume gets a new one.)"""
        from rich.live import Live

        return Live(self._render(), console=self._console, refresh_per_second=4, get_renderable=self._render,
                    transient=True)

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    # -- hooks ---------------------------------------------------------------------------------------

    def state(self, target: StackTarget, state: str, detail: str = "") -> None:
        with self._lock:
            row = self._rows[target.label]
            row["started"] = row["started"] or time.monotonic()
            row["state"], row["detail"] = state, detail
            elapsed = time.monotonic() - row["started"]
        if self._live is None:
            suffix = f": {detail}" if detail else ""
            self._console.print(f"{target.label:<34} {state:<22} {elapsed:6.1f}s{suffix}", markup=False)

    def event(self, target: StackTarget, event: StackEvent) -> None:
        text = f"{event.logical_id} {event.status}" + (f" ({event.reason})" if event.reason else "")
        with self._lock:
            self._rows[target.label]["detail"] = text
        if self._live is None:
            self._console.print(f"{target.label:<34}   {text}", markup=False)

    def review(self, prepared: Sequence[Prepared]) -> None:
        if not self._show_diffs:
            return
        with self._paused():
            for item in prepared:
                if item.result.changes:
                    ui.out(f"[bold]{item.target.label}[/bold]: {item.target.stack_name} "
                           f"({item.change_set_type.lower()}, {len(item.result.changes)} change(s))")
                    for change in item.result.changes:
                        line = change_line(change)
                        ui.out(f"  [{_COLOURS.get(line[0], 'white')}]{_escape(line)}[/]")
                elif item.result.result == "unchanged":
                    ui.out(f"[bold]{item.target.label}[/bold]: no changes")

    def confirm(self, question: str, still_to_come: Sequence[str]) -> str:
        """One question for the deploy: the stacks of later batches are listed (their diffs need this
        batch's outputs, so they are shown as their batch runs); "each" asks again per batch."""
        with self._paused():
            if still_to_come and not self._assume_yes:
                ui.info(f"still to come after this batch ({len(still_to_come)} stack(s); their diffs show as "
                        f"they run): {_escape(', '.join(still_to_come))}")
            return Gate(yes=self._assume_yes).confirm_deploy(question, still_to_come)

    # -- drawing -------------------------------------------------------------------------------------

    def _paused(self):
        view = self

        class _Pause:
            def __enter__(self):
                if view._live is not None:
                    view._live.stop()

            def __exit__(self, *exc):
                if view._live is not None:
                    view._live = view._new_live()
                    view._live.start()

        return _Pause()

    def _render(self):
        from rich.table import Table

        grid = Table(title=f"deploying {self._plan.environment}", title_justify="left", expand=False)
        for column in ("stack", "state", "time", "latest"):
            grid.add_column(column, overflow="ellipsis", no_wrap=True, max_width=70)
        now = time.monotonic()
        with self._lock:
            for label, row in self._rows.items():
                elapsed = f"{now - row['started']:.1f}s" if row["started"] else ""
                grid.add_row(label, row["state"], elapsed, _escape(row["detail"]))
        return grid


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def render_summary(report: DeployReport, not_emulated: dict[str, list[str]] | None = None) -> None:
    """The end-of-deploy table (stack, region, action, result, duration, key outputs), then the reasons
    of every stack that did not deploy, in full."""
    rows = []
    for result in report.results:
        outputs = ", ".join(f"{k}={v}" for k, v in list(result.outputs.items())[:2])
        more = len(result.outputs) - 2
        rows.append((result.key, result.region, result.action, result.result, f"{result.duration:.1f}s",
                     outputs + (f" (+{more} more)" if more > 0 else "") if result.ok else "see below"))
    title = f"{report.environment}: {'plan' if report.planned else 'deploy'} summary"
    ui.table(title, ("stack", "region", "action", "result", "duration", "key outputs"), rows)
    for result in report.results:
        if result.release:
            recorded = f", recorded as {result.release_id}" if result.release_id else ""
            ui.out(f"{result.key} ({result.region}): Lambda@Edge release{recorded}")
            for change in result.release:
                ui.out(f"  {_escape(change.line())}")
    for result in report.results:
        if result.message and not result.ok or result.result == "planned" and result.message:
            ui.out(f"{result.key} ({result.region}): {_escape(result.message)}")
    for key, types in sorted((not_emulated or {}).items()):
        if types:
            ui.out(f"[dim]local emulator: {key}: not emulated: {', '.join(types)}[/dim]")
    failed = [r for r in report.results if not r.ok]
    if failed:
        ui.out(f"[red]{len(failed)} stack(s) did not deploy[/red]; fix the cause and rerun (deploy resumes)")


def render_status(rows: list[dict]) -> None:
    ui.table("stacks", ("stack", "region", "stack name", "status", "last updated", "outputs"), [
        (row["stack"], row["region"], row["stack_name"], row["status"], row["last_updated"] or "",
         "\n".join(f"{k}={v}" for k, v in (row["outputs"] or {}).items()))
        for row in rows])


def render_demo_run(title: str, report: DeployReport, seconds: float) -> None:
    """One line per stack (result, resources created or changed, time) under a one-line verdict: what a
    newcomer reads after `local demo`; the diffs are for --verbose."""
    rows = [(r.key, r.region, r.result, _resources(r), f"{r.duration:.1f}s") for r in report.results]
    created = sum(_added(r) for r in report.results if r.result in ("created", "updated"))
    executed = sum(r.result in ("created", "updated") for r in report.results)
    verdict = (f"{len(rows)} stacks, {created} resources created in {seconds:.1f}s" if executed
               else f"every stack unchanged, no change set executed, {seconds:.1f}s")
    ui.out(f"[bold]{report.environment}: {title}: {verdict}[/bold]")
    ui.table(None, ("stack", "region", "result", "resources", "time"), rows)
    for result in report.results:
        if not result.ok:
            ui.out(f"{result.key} ({result.region}): {_escape(result.message)}")


def _added(result) -> int:
    return sum(change.action == "Add" for change in result.changes)


def _resources(result) -> str:
    if result.result == "created":
        return f"{_added(result)} created"
    if result.result == "updated":
        return f"{len(result.changes)} changed"
    return "-"
