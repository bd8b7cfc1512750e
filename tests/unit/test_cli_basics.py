"""The CLI's conventions: global options anywhere, one-line errors, version."""

from candlefish_ops.cli import hoist_global_options


def test_global_options_are_hoisted_from_anywhere():
    args = ["deploy", "production", "--local", "--yes", "--output", "json"]
    assert hoist_global_options(args) == ["--local", "--yes", "--output", "json", "deploy", "production"]


def test_hoisting_keeps_equals_form_and_stops_at_double_dash():
    args = ["waf", "block-ip", "prod", "--output=json", "--", "--yes"]
    assert hoist_global_options(args) == ["--output=json", "waf", "block-ip", "prod", "--", "--yes"]


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("candlefish ")


def test_unknown_environment_is_one_line_error(cli, tmp_path):
    result = cli("--config-dir", tmp_path, "status", "nope")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "no such environment file" in result.stderr
