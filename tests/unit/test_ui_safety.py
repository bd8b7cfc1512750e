"""Terminal and spreadsheet safety of the shared output module (pure)."""

from __future__ import annotations

import csv
import io

import pytest

from candlefish_ops import ui


@pytest.mark.parametrize("raw, shown", [
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),            # retitle the terminal
    ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),                   # clear it
    ("ok\rEVIL", "ok\\x0dEVIL"),                            # overwrite the line
    ("\x9b31m", "\\x9b31m"),                                # one-byte CSI
    ("abc\u202edcba", "abc\\u202edcba"),                    # right-to-left override
    ("two\nlines\tand tab", "two\nlines\tand tab"),         # layout characters stay
    ("plain [text] é ✓", "plain [text] é ✓"),
])
def test_safe_shows_control_characters_as_escapes(raw, shown):
    assert ui.safe(raw) == shown


def test_one_line_escapes_line_breaks_too():
    assert ui.safe("a\nb\tc", one_line=True) == "a\\x0ab\\x09c"


@pytest.mark.parametrize("value, cell", [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-1+2", "'-1+2"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\\x0d=1"),
    ("-12.50", "-12.50"), ("+3", "+3"), ("1e5", "1e5"),
    ("203.0.113.7/32", "203.0.113.7/32"), (None, ""), (-3, "-3"),
])
def test_csv_cells_never_start_a_formula(value, cell):
    assert ui.csv_cell(value) == cell


def test_csv_text_is_csv():
    text = ui.csv_text(["a", "b"], [["=1+1", "x, y"]])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["'=1+1", "x, y"]]


def test_output_functions_escape(capsys):
    ui.out("result \x1b[2J")
    ui.info("note \x1b]0;t\x07")
    ui.error("bad\nthing \x1b[31m")
    ui.table("t\x1b", ["c"], [["cell \x1b[5m"]])
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out and "\x1b" not in captured.err
    assert "result \\x1b[2J" in captured.out and "cell \\x1b[5m" in captured.out
    assert captured.err.count("\n") == 2 and "error: bad\\x0athing \\x1b[31m" in captured.err
