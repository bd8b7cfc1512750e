"""`candlefish probe` against a real local HTTP + WebSocket server: percentiles, cache hits, thresholds."""

from __future__ import annotations


def test_probe_reports_percentiles_cache_hits_and_passes_reachable_targets(cli, site, probe_config):
    result = cli("probe", "staging", "--config-dir", probe_config(), "--url", f"http://127.0.0.1:{site.port}",
                 "--users", "4", "--duration", "1.5s", "--ramp", "0.2s", "--think", "0s", "-o", "json")
    assert result.exit_code == 0, result.stderr + result.stdout
    document = result.json()
    requests = document["requests"]
    for kind in ("static", "api", "websocket"):
        assert requests[kind]["requests"] > 0 and requests[kind]["errors"] == 0, (kind, requests[kind])
        assert 0 < requests[kind]["p50_ms"] <= requests[kind]["p99_ms"] <= requests[kind]["max_ms"]
    assert requests["static"]["requests"] == site.hits["static"]
    assert 0 < requests["static"]["cache_hit_percent"] < 100  # the first answer was a miss
    assert site.hits["ws"] == 4  # one socket per virtual user
    assert {t["result"] for t in document["thresholds"]} == {"PASS"}


def test_an_impossible_target_fails_the_run(cli, site, probe_config):
    result = cli("probe", "staging", "--config-dir", probe_config(), "--url", f"http://127.0.0.1:{site.port}",
                 "--users", "2", "--duration", "0.5s", "--ramp", "0s", "--think", "0s", "--target", "api_latency_p99_ms=0.001",
                 "-o", "json")
    assert result.exit_code == 1
    verdicts = {t["target"]: t["result"] for t in result.json()["thresholds"]}
    assert verdicts["api_latency_p99_ms"] == "FAIL" and verdicts["api_latency_p50_ms"] == "PASS"


def test_redirects_off_the_target_are_errors_and_are_not_followed(cli, site, probe_config):
    other = f"http://localhost:{site.port}/elsewhere"  # another host name: not the target
    result = cli("probe", "staging", "--config-dir", probe_config(f"/away?to={other}"), "--url",
                 f"http://127.0.0.1:{site.port}", "--users", "1", "--duration", "0.5s", "--ramp", "0s", "--think", "0s",
                 "-o", "json")
    assert result.exit_code == 1
    static = result.json()["requests"]["static"]
    assert static["errors"] == static["requests"] > 0
    assert list(static["error_reasons"]) == [f"redirect off the target to localhost:{site.port}"]
    assert "other" not in site.hits


def test_unreachable_websocket_is_an_error_and_bad_options_are_refused_at_once(cli, site, probe_config):
    config = probe_config()
    result = cli("probe", "staging", "--config-dir", config, "--url", f"http://127.0.0.1:{site.port}/nothing",
                 "--users", "1", "--duration", "0.3s", "--ramp", "0s", "-o", "json")
    assert result.exit_code == 1
    assert result.json()["requests"]["websocket"]["error_reasons"] == {"connect: HTTP 404": 1}
    for args, message in ((["--duration", "ten"], "--duration 'ten': write a duration like 60s"),
                          (["--url", "ftp://x"], "give an http:// or https:// URL"),
                          (["--url", "https://user:pw@example.org"], "credentials in the URL"),
                          (["--target", "nope=1"], "--target nope: unknown target"),
                          (["--ramp", "5s", "--duration", "1s"], "--ramp (5s) must be between 0 and --duration")):
        refused = cli("probe", "staging", "--config-dir", config, *args)
        assert refused.exit_code == 1 and message in refused.stderr, (args, refused.stderr)
