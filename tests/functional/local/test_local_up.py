"""`candlefish local up|down|status|logs`: a background emulator that --local commands use, whose state survives
down/up (a replayed request journal), refused when written by another emulator version, discarded by --fresh;
two `local up` at once share one emulator. Each test drives the real CLI in subprocesses, as a user would,
with its own state directory, and reads AWS state back with boto3."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"


@pytest.fixture
def state(tmp_path):
    """A private state directory; whatever emulator a test leaves running is stopped."""
    directory = tmp_path / "state"
    yield directory
    found = directory / "emulator.json"
    if found.exists():
        run(directory, "local", "down")
        pid = json.loads(found.read_text()).get("pid") if found.exists() else None
        if pid:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass


def environ(state: Path) -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith("AWS_") and key not in ("CANDLEFISH_STATE_DIR", "COLUMNS")}
    return {**clean, "CANDLEFISH_STATE_DIR": str(state), "CANDLEFISH_CONFIG_DIR": str(CONFIG)}


def run(state: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "candlefish_ops", *args], env=environ(state), cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def status(state: Path) -> dict:
    result = run(state, "local", "status", "-o", "json")
    assert result.returncode == 0, result.stderr
    return result.stdout and json.loads(result.stdout)


def blocked_v4(endpoint: str) -> set[str]:
    import boto3

    wafv2 = boto3.client("wafv2", region_name="us-east-1", endpoint_url=endpoint,
                         aws_access_key_id="local", aws_secret_access_key="local")
    sets = {s["Name"]: s for s in wafv2.list_ip_sets(Scope="CLOUDFRONT")["IPSets"]}
    found = sets["production-candlefish-block-v4"]
    return set(wafv2.get_ip_set(Name=found["Name"], Scope="CLOUDFRONT", Id=found["Id"])["IPSet"]["Addresses"])


def test_state_survives_down_and_up_and_fresh_discards_it(state):
    up = run(state, "local", "up", "production", "-o", "json")
    assert up.returncode == 0, up.stderr
    first = json.loads(up.stdout)
    assert first["running"] and first["action"] == "started" and first["environments"] == ["production"]

    blocked = run(state, "waf", "block-ip", "production", "203.0.113.7", "--local")
    assert blocked.returncode == 0, blocked.stderr
    assert "the emulator of `candlefish local up`" in blocked.stderr  # used, not a fresh one
    assert "deploying production" not in blocked.stderr  # and nothing deployed again
    assert blocked_v4(first["endpoint"]) == {"203.0.113.7/32"}

    down = run(state, "local", "down")
    assert down.returncode == 0 and "state is saved" in down.stdout, down.stderr
    assert status(state)["running"] is False

    again = run(state, "local", "up", "-o", "json")
    assert again.returncode == 0, again.stderr
    restored = json.loads(again.stdout)
    assert restored["action"] == "restored" and restored["restored_requests"] > 0
    assert restored["pid"] != first["pid"]
    assert blocked_v4(restored["endpoint"]) == {"203.0.113.7/32"}  # read back through WAF's own API

    listed = run(state, "waf", "list", "production", "--local", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert [entry["address"] for entry in json.loads(listed.stdout)["entries"]] == ["203.0.113.7/32"]

    refused = run(state, "local", "up", "--fresh")
    assert refused.returncode == 1 and "local down` first" in refused.stderr  # never discards a running one

    assert run(state, "local", "down").returncode == 0
    fresh = run(state, "local", "up", "production", "--fresh", "-o", "json")
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(fresh.stdout)["action"] == "started"
    assert blocked_v4(json.loads(fresh.stdout)["endpoint"]) == set()


def test_a_snapshot_of_another_emulator_version_is_refused_and_nothing_starts(state):
    assert run(state, "local", "up").returncode == 0
    assert run(state, "local", "down").returncode == 0
    meta_path = state / "snapshot" / "meta.json"
    for key, other in (("moto", "5.2.4"), ("emulator", "0.0.1+000000000000")):
        meta = json.loads(meta_path.read_text())
        kept = meta[key]
        meta[key] = other
        meta_path.write_text(json.dumps(meta))
        result = run(state, "local", "up")
        assert result.returncode == 1
        error = result.stderr.strip().splitlines()[-1]
        assert error.startswith("error: the saved emulator state was written by") and other in error
        assert "local up --fresh" in error
        assert status(state)["running"] is False and not (state / "emulator.json").exists()
        meta[key] = kept
        meta_path.write_text(json.dumps(meta))


def test_a_journal_that_does_not_replay_is_refused_whole(state):
    assert run(state, "local", "up").returncode == 0
    assert run(state, "local", "down").returncode == 0
    journal = state / "snapshot" / "journal.jsonl"
    entry = {"method": "POST", "path": "/", "status": 200, "body": "",
             "headers": {"Host": "127.0.0.1", "X-Amz-Target": "AWSWAF_20190729.GetIPSet",
                         "Content-Type": "application/x-amz-json-1.1",
                         "Authorization": "AWS4-HMAC-SHA256 Credential=local/20261203/us-east-1/wafv2/aws4_request"}}
    journal.write_text(journal.read_text() + json.dumps(entry) + "\n")  # answered 400 on replay, 200 recorded
    result = run(state, "local", "up")
    assert result.returncode == 1
    assert "does not replay" in result.stderr and "nothing was loaded" in result.stderr
    assert status(state)["running"] is False


def test_status_and_logs_and_a_stale_pid_file(state):
    idle = status(state)
    assert idle["running"] is False and idle["saved_requests"] == 0
    assert "no emulator running" in run(state, "local", "status").stdout
    assert "no log yet" in run(state, "local", "logs").stderr

    up = run(state, "local", "up")
    assert up.returncode == 0, up.stderr
    shown = status(state)
    assert shown["running"] and shown["endpoint"].startswith("http://127.0.0.1:")
    text = run(state, "local", "status").stdout
    assert f"emulator running at {shown['endpoint']} (pid {shown['pid']})" in text
    logs = run(state, "local", "logs", "-n", "5")
    assert f"emulator serving on {shown['endpoint']}" in logs.stdout

    os.kill(shown["pid"], 9)  # dies without cleaning up: its pid file stays
    _wait_gone(shown["pid"])
    assert (state / "emulator.json").exists()
    assert status(state)["running"] is False  # stale: the process is gone
    assert not (state / "emulator.json").exists()
    again = run(state, "local", "up", "-o", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["pid"] != shown["pid"]


def _wait_gone(pid: int) -> None:
    import time

    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return
        time.sleep(0.05)


@pytest.mark.faults
def test_two_local_up_at_once_share_one_emulator(state):
    """Deterministic interleaving: the test holds the lock `local up` takes, starts two of them (both report
    they wait), then lets them go; whichever runs first starts the emulator, the other reuses it."""
    state.mkdir(parents=True)
    with (state / "up.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        processes = [subprocess.Popen([sys.executable, "-m", "candlefish_ops", "local", "up", "-o", "json"],
                                      env=environ(state), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for _ in range(2)]
        for process in processes:
            assert "waiting for another `candlefish local up`" in process.stderr.readline()
        fcntl.flock(lock, fcntl.LOCK_UN)
    results = [json.loads(process.communicate(timeout=300)[0]) for process in processes]
    assert sorted(result["action"] for result in results) == ["already running", "started"]
    assert results[0]["pid"] == results[1]["pid"] and results[0]["endpoint"] == results[1]["endpoint"]


@pytest.mark.faults
def test_two_local_commands_that_find_an_environment_missing_deploy_it_once(state):
    """Deterministic interleaving: with `local up` running and holding no environment, the test holds the lock
    and starts two --local commands that need production; both wait, then one deploys it and the other, after
    it, finds it recorded and deploys nothing."""
    assert run(state, "local", "up").returncode == 0
    with (state / "up.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        processes = [subprocess.Popen([sys.executable, "-m", "candlefish_ops", "status", "production", "--local",
                                       "-o", "json"], env=environ(state), cwd=ROOT, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for process in processes:
            seen = [process.stderr.readline() for _ in range(2)]
            assert "the emulator of `candlefish local up`" in seen[0]
            assert "waiting for another command deploying into the emulator" in seen[1]
        fcntl.flock(lock, fcntl.LOCK_UN)
    outcomes = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err for _out, err in outcomes]
    assert sorted("deploying production" in err for _out, err in outcomes) == [False, True]
    for out, _err in outcomes:
        assert {row["status"] for row in json.loads(out)["stacks"]} == {"CREATE_COMPLETE"}
    assert status(state)["environments"] == ["production"]


def test_logs_follow_prints_what_the_emulator_appends_until_ctrl_c(state):
    import select
    import signal

    state.mkdir(parents=True)
    log = state / "emulator.log"
    log.write_text("one\ntwo [bold]three[/bold]\n")
    process = subprocess.Popen([sys.executable, "-m", "candlefish_ops", "local", "logs", "-n", "1", "--follow"],
                               env=environ(state), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def next_line() -> str:
        assert select.select([process.stdout], [], [], 30)[0], "no line within 30 s"
        return process.stdout.readline()

    try:
        assert next_line() == "two [bold]three[/bold]\n"  # the last line, its text as written
        with log.open("a") as handle:
            handle.write("four\n")
        assert next_line() == "four\n"
        log.write_text("after truncation\n")  # someone emptied the log
        assert next_line() == "after truncation\n"
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
