"""All terminal output: results on stdout (a table or one JSON document), progress and errors on stderr.

Text that reaches a terminal goes through `safe`: control characters (ESC, CSI, BEL, CR, backspace, ...) and
Unicode direction overrides are shown as escapes (`\\x1b`), so data (a WAF reason, a stack output) cannot
clear or retitle the terminal or disguise a line. CSV goes through `csv_text`, whose cells cannot start a
spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from typing import Any, Callable, Iterable, Sequence

from candlefish_ops.errors import Aborted


# Where the output is not a terminal (a pipe, a file, CI's log) nothing is cut to fit: tables are laid
# out on a line this wide, i.e. as wide as their content.
PIPE_WIDTH = 100_000

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), bidi marks and overrides
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile(f"{_UNSAFE.pattern}|[\t\n]")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str, one_line: bool = False) -> str:
    """`text` with every terminal control character shown as an escape (`\\x1b`); tab and newline are kept
    unless `one_line`."""
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_escaped, text)


def csv_cell(value: Any) -> str:
    """One CSV cell that a spreadsheet shows as text: a string starting with = + - @ tab or CR (a formula
    to Excel, LibreOffice, Google Sheets) gets a leading `'`, unless it is a plain number; control characters
    are escaped."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        text = "'" + text
    return safe(text)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (header, then rows) with every cell made safe by `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _console(stderr: bool = False, soft_wrap: bool = False):
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap)
    if not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


def out(text: str = "") -> None:
    """A line of result on stdout (plain text, rich markup allowed; never wrapped, so grep works)."""
    _console(soft_wrap=True).print(safe(text))


def info(text: str) -> None:
    """Progress or a notice on stderr."""
    _console(stderr=True, soft_wrap=True).print(safe(text))


def warn(text: str) -> None:
    _console(stderr=True, soft_wrap=True).print(f"[yellow]warning:[/yellow] {safe(text)}")


def error(text: str) -> None:
    """The one-line error the CLI prints before exiting non-zero (no markup interpretation)."""
    print(f"error: {safe(text, one_line=True)}", file=sys.stderr)


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
    """A rich renderable (a table built elsewhere, whose cells went through `safe`) on stdout."""
    _console().print(item)


def raw(text: str) -> None:
    """Text on stdout exactly as given (CSV): no markup, no wrapping."""
    sys.stdout.write(text)
    sys.stdout.flush()


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          caption: str | None = None) -> None:
    """Render rows as a rich table on stdout."""
    from rich.table import Table

    grid = Table(title=title and safe(title), caption=caption and safe(caption), title_justify="left")
    for column in columns:
        grid.add_column(safe(column))
    for row in rows:
        grid.add_row(*("" if cell is None else safe(str(cell)) for cell in row))
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
