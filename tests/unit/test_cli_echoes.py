"""What an error echoes back: long input cut, credentials in URLs hidden, control characters escaped, and
a path that cannot be read named for what it is (the CLI's one error handler, plus at the source)."""

from __future__ import annotations

import os

from candlefish_ops.echo import LINE_LIMIT, one_line, quoted, redact
from tests.unit.config.test_config import GOOD, write_env




def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_a_100_kb_bad_address_is_not_echoed_whole(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")   # nothing may be asked of AWS anyway
    config = write_env(tmp_path, GOOD)
    address = "9" * 100_000
    result = cli("waf", "block-ip", "staging", address, "--reason", "x", "--config-dir", config, "--yes")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert len(line) < LINE_LIMIT + 100 and "characters cut" in line
    assert result.stderr.count("\n") == 1 and len(result.stderr) < LINE_LIMIT + 100


def test_a_100_kb_environment_name_is_cut_at_the_source(cli, tmp_path):
    result = cli("status", "x" * 100_000, "--config-dir", tmp_path)
    (line,) = error_lines(result)
    assert result.exit_code == 1 and "100,000 characters" in line and len(line) < 300


def test_a_symlink_loop_in_the_config_directory_is_named(cli, tmp_path):
    os.symlink("staging.yaml", tmp_path / "staging.yaml")
    result = cli("status", "staging", "--config-dir", tmp_path)
    (line,) = error_lines(result)
    assert result.exit_code == 1 and "symbolic link loop" in line and "no such environment file" not in line


def test_credentials_in_urls_are_hidden():
    assert redact("cannot reach AWS at http://admin:hunter2@10.0.0.1:4566/") == \
        "cannot reach AWS at http://admin:***@10.0.0.1:4566/"
    assert redact("https://token@host/x") == "https://***@host/x"
    assert redact("https://host/x?X-Amz-Signature=abc&b=1&password=p") == \
        "https://host/x?X-Amz-Signature=***&b=1&password=***"
    assert redact("http://127.0.0.1:4566/ and user@example.com") == "http://127.0.0.1:4566/ and user@example.com"


def test_one_line_escapes_control_characters_and_keeps_head_and_tail():
    assert one_line("bad name 'www\nevil'\r") == "bad name 'www\\nevil'\\r"
    long = "head " + "x" * 10_000 + " what to do"
    cut = one_line(long)
    assert cut.startswith("head ") and cut.endswith(" what to do") and "9,016 characters cut" in cut
    assert len(cut) < LINE_LIMIT + 40 and "\n" not in cut


def test_quoted_cuts_long_values_and_says_how_long():
    assert quoted("abc") == "'abc'"
    assert quoted("a\nb") == "'a\\nb'"
    shown = quoted("z" * 5000)
    assert len(shown) < 120 and "5,000 characters" in shown


def test_a_huge_bad_option_value_is_cut_in_click_usage_errors_too(cli, tmp_path):
    huge = "x" + "9" * 100_000
    for args in (("deploy", "staging", "--parallel", huge), ("--output", huge, "status", "staging")):
        result = cli(*args, "--config-dir", tmp_path)
        assert result.exit_code == 2 and "characters cut" in result.stderr and len(result.stderr) < 1000, args
