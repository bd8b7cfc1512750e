"""edge_common: config loading without importing json, header helpers."""

import json
import subprocess
import sys

import pytest

from edge_events import LAMBDAS


@pytest.fixture(scope="module")
def ec(edge):
    return edge["viewer_request"].ec


def test_parse_json_equals_json_loads_on_the_default_config(ec):
    text = (LAMBDAS / "edge_config.json").read_text(encoding="utf-8")
    assert ec.parse_json(text) == json.loads(text)


@pytest.mark.parametrize("text, expected", [
    ('{"a": [1, 2.5, -3e2, true, false, null, "\\u00e9\\n"]}', {"a": [1, 2.5, -300.0, True, False, None, "\u00e9\n"]}),
    ("  [1]  \n", [1]),
    ('"x"', "x"),
])
def test_parse_json_accepts_json(ec, text, expected):
    assert ec.parse_json(text) == expected


@pytest.mark.parametrize("text", ["", "{", "{}x", "NaN", '{"a": Infinity}', "[1,]", "{'a': 1}", "[1] [2]"])
def test_parse_json_refuses_what_json_refuses(ec, text):
    with pytest.raises(ValueError):
        ec.parse_json(text)


def test_config_errors_name_the_file(ec, tmp_path):
    (tmp_path / "edge_config.json").write_text("{broken", encoding="utf-8")
    (tmp_path / "fn").mkdir()
    with pytest.raises(ec.ConfigError, match="edge_config.json: not valid JSON"):
        ec.load_config(str(tmp_path / "fn" / "handler.py"))
    (tmp_path / "edge_config.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(ec.ConfigError, match="top level must be a JSON object"):
        ec.load_config(str(tmp_path / "fn" / "handler.py"))
    with pytest.raises(ec.ConfigError, match="not found"):
        ec.load_config(str(tmp_path / "nowhere" / "deeper" / "handler.py"))


def test_bundle_config_next_to_the_handler_wins(ec, tmp_path):
    (tmp_path / "edge_config.json").write_text('{"where": "parent"}', encoding="utf-8")
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "edge_config.json").write_text('{"where": "bundle"}', encoding="utf-8")
    assert ec.load_config(str(tmp_path / "fn" / "handler.py")) == {"where": "bundle"}


@pytest.mark.parametrize("name", ["viewer_request", "viewer_response"])
def test_viewer_bundles_import_only_cheap_modules(tmp_path, name):
    """A viewer bundle imported in a fresh interpreter loads no re/json/enum (cold-start budget)."""
    import shutil
    for source, target in ((LAMBDAS / name / "handler.py", "handler.py"),
                           (LAMBDAS / "_shared" / "edge_common.py", "edge_common.py"),
                           (LAMBDAS / "edge_config.json", "edge_config.json")):
        shutil.copy(source, tmp_path / target)
    code = "import sys; before = set(sys.modules); import handler; print(sorted(set(sys.modules) - before))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert set(eval(out.stdout)) <= {"handler", "edge_common", "_json", "zlib"}, out.stdout


def test_merge_vary_dedupes_case_insensitively(ec):
    headers = {"vary": [{"key": "Vary", "value": "Accept-Encoding, accept-encoding"}, {"key": "Vary", "value": "Origin"}]}
    ec.merge_vary(headers, add=("origin", "Accept"))
    assert headers["vary"] == [{"key": "Vary", "value": "Accept-Encoding, Origin, Accept"}]
    empty = {"vary": [{"key": "Vary", "value": "User-Agent"}]}
    ec.merge_vary(empty, remove=("user-agent",))
    assert "vary" not in empty


def test_a_crashing_handler_answers_500_and_logs_one_line(edge, capsys):
    module = edge["viewer_request"]

    class Exploding(dict):
        def __getitem__(self, key):
            raise RuntimeError("boom\nsecond \x00 line \ud800")

    result = module.handler(Exploding(Records=1))
    assert result["status"] == "500" and result["headers"]["cache-control"][0]["value"] == "no-store"
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert json.loads(out) == {"fn": "viewer_request", "event": "internal-error", "error": "RuntimeError",
                               "message": "boom\nsecond \x00 line \ud800"}
