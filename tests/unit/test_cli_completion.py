"""Shell completion of environment names and stack keys, read from the config directory (through Typer's
bash completion protocol, as the shell asks for it)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from candlefish_ops.cli import app

CONFIG = Path(__file__).resolve().parents[2] / "config"


def complete(words: str, config_dir: Path = CONFIG) -> list[str]:
    line = f"candlefish --config-dir {config_dir} {words}"
    result = CliRunner().invoke(app, [], prog_name="candlefish", env={
        "_CANDLEFISH_COMPLETE": "complete_bash", "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split()) - (0 if words.endswith(" ") else 1))})
    return result.output.split()


def test_environments_and_stack_keys_complete_from_the_config_directory(tmp_path):
    assert complete("deploy ") == ["production", "staging"]
    assert complete("waf list prod") == ["production"]
    assert complete("deploy production --only ") == sorted(
        ["dns", "network", "replica", "storage", "security", "api", "compute", "data", "monitoring", "edge"])
    assert complete("deploy production --only ed") == ["edge"]
    (tmp_path / "broken.yaml").write_text("project: [")
    assert complete("deploy broken --only ", tmp_path) == []  # a broken config completes nothing, quietly
