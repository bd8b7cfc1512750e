"""All terminal output: results on stdout (a table or one JSON document), progress and errors on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Iterable, Sequence

from candlefish_ops.errors import Aborted


# Where the output is not a terminal (a pipe, a file, CI's log) nothing is cut to fit: tables are laid
# out on a line this wide, i.e. as wide as their content.
PIPE_WIDTH = 100_000


def _console(stderr: bool = False, soft_wrap: bool = False):
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap)
    if not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


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


def _require_interactive(question: str) -> None:
    if not sys.stdin.isatty():
        raise Aborted(f"{question.rstrip('?')}: refusing without --yes in a non-interactive run")


def confirm_all_or_each(question: str, assume_yes: bool) -> str:
    """Ask `question [y]es / [n]o / [e]ach batch`: "all" for yes, "each" to be asked again per batch;
    no (or end of input) raises Aborted. `--yes` answers "all"; a non-interactive run without it refuses."""
    if assume_yes:
        return "all"
    _require_interactive(question)
    import typer

    answers = {"y": "all", "yes": "all", "e": "each", "each": "each", "n": "", "no": ""}
    answer = None
    while answer is None:
        try:
            typed = typer.prompt(f"{question} [y]es / [n]o / [e]ach batch", default="n", show_default=False,
                                 err=True)
        except typer.Abort:  # end of input or Ctrl-C at the prompt
            typed = "n"
        answer = answers.get(typed.strip().lower())
    if not answer:
        raise Aborted("cancelled; nothing was changed")
    return answer


def confirm(question: str, assume_yes: bool) -> None:
    """Ask before a change; `--yes` skips it, and a non-interactive run without `--yes` refuses."""
    if assume_yes:
        return
    _require_interactive(question)
    import typer

    try:
        answer = typer.confirm(question, default=False, err=True)
    except typer.Abort:  # end of input or Ctrl-C at the prompt
        answer = False
    if not answer:
        raise Aborted("cancelled; nothing was changed")
