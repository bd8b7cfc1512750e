"""All terminal output: results on stdout (a table or one JSON document), progress and errors on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Iterable, Sequence

from candlefish_ops.errors import Aborted


def _console(stderr: bool = False, soft_wrap: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap)


def out(text: str = "") -> None:
    """A line of result on stdout (plain text, rich markup allowed; never wrapped, so grep works)."""
    _console(soft_wrap=True).print(text)


def info(text: str) -> None:
    """Progress or a notice on stderr."""
    _console(stderr=True, soft_wrap=True).print(text)


def warn(text: str) -> None:
    _console(stderr=True, soft_wrap=True).print(f"[yellow]warning:[/yellow] {text}")


def error(text: str) -> None:
    """The one-line error the CLI prints before exiting non-zero (no markup interpretation)."""
    print(f"error: {text}", file=sys.stderr)


def log_line(text: str) -> None:
    """One plain log line on stderr, written at once (safe from many threads; no markup, no wrapping)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def progress_console():
    """The stderr console that live displays draw on."""
    return _console(stderr=True)


def result_console():
    """The stdout console (live result displays, e.g. `report health --watch`, draw on it)."""
    return _console()


def renderable(item: Any) -> None:
    """A rich renderable (a table built elsewhere) on stdout."""
    _console().print(item)


def raw(text: str) -> None:
    """Text on stdout exactly as given (CSV): no markup, no wrapping."""
    sys.stdout.write(text)
    sys.stdout.flush()


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          caption: str | None = None) -> None:
    """Render rows as a rich table on stdout."""
    from rich.table import Table

    grid = Table(title=title, caption=caption, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    _console().print(grid)


def emit(data: Any, output: str, render_table: Callable[[Any], None]) -> None:
    """Data first: print it as one JSON document, or hand it to the table renderer."""
    if output == "json":
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
        sys.stdout.flush()
    else:
        render_table(data)


def confirm(question: str, assume_yes: bool) -> None:
    """Ask before a change; `--yes` skips it, and a non-interactive run without `--yes` refuses."""
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise Aborted(f"{question.rstrip('?')}: refusing without --yes in a non-interactive run")
    import typer

    try:
        answer = typer.confirm(question, default=False, err=True)
    except typer.Abort:  # end of input or Ctrl-C at the prompt
        answer = False
    if not answer:
        raise Aborted("cancelled; nothing was changed")
