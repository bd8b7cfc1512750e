"""A local emulator that stays up: `candlefish local up|down|status|logs`.

Everything lives in one per-user state directory (`state_dir()`): `emulator.json` (pid, endpoint, versions of
the running emulator, written once it serves), `emulator.log`, `up.lock` (two `local up` at once: the second
waits, then finds and reuses the first's emulator), and `snapshot/` (the journal of requests that is the
emulator's state, `meta.json` with the versions that wrote it, `environments.json` with what `local up`
deployed). The emulator runs as `python -m candlefish_ops.local.daemon` in its own session, so it outlives
the command that started it; SIGTERM closes the journal and removes `emulator.json`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from candlefish_ops.errors import EmulatorError

STATE_DIR_ENV = "CANDLEFISH_STATE_DIR"
RANDOM_SEED = 1  # moto's random source is seeded with this on every fresh start and before every replay
_READY_TIMEOUT = 120.0  # a long journal takes a while to replay on a slow machine


def state_dir() -> Path:
    """$CANDLEFISH_STATE_DIR, else $XDG_STATE_HOME/candlefish, else ~/.local/state/candlefish."""
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "candlefish"


def _state_file() -> Path:
    return state_dir() / "emulator.json"


def log_file() -> Path:
    return state_dir() / "emulator.log"


def snapshot_dir() -> Path:
    return state_dir() / "snapshot"


def emulator_versions() -> dict[str, str]:
    """What a snapshot must match: moto's version, and candlefish's emulator version (the package version
    plus a digest of the emulator's own code, so any change to an extension refuses an older snapshot)."""
    from candlefish_ops import __version__
    from candlefish_ops.local.moto.compat import installed_moto_version

    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for source in sorted(root.rglob("*.py")):
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes())
    return {"moto": installed_moto_version() or "none", "emulator": f"{__version__}+{digest.hexdigest()[:12]}"}


@dataclass
class Running:
    """The emulator `local up` started, as its state file describes it."""

    pid: int
    endpoint: str
    started: float
    restored_requests: int = 0
    environments: list[str] = field(default_factory=list)


def running() -> Running | None:
    """The running emulator, or None. A state file whose process is gone (or no longer answers) is stale:
    it is removed, and None returned."""
    path = _state_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (_alive(data.get("pid")) and _answers(data.get("endpoint", ""))):
        path.unlink(missing_ok=True)
        return None
    return Running(data["pid"], data["endpoint"], data.get("started", 0.0), data.get("restored_requests", 0),
                   deployed_environments())


def _alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/config", timeout=2) as response:
            return 200 <= response.status < 300
    except (OSError, ValueError):
        return False


def deployed_environments() -> list[str]:
    try:
        return list(json.loads((snapshot_dir() / "environments.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []


def record_environment(name: str) -> None:
    """Remember that `name` is deployed in the emulator (kept with the snapshot)."""
    names = sorted({*deployed_environments(), name})
    _write_json(snapshot_dir() / "environments.json", names)


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, path)


@contextmanager
def up_lock(waiting: callable = lambda: None) -> Iterator[None]:
    """Hold `up.lock` (one `local up`/`local down` at a time); `waiting()` is called once if another holds it."""
    state_dir().mkdir(parents=True, exist_ok=True)
    with (state_dir() / "up.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- the snapshot ------------------------------------------------------------------------------------------

def check_snapshot() -> int:
    """Refuse a snapshot written by another moto or emulator version (one line, nothing started); return
    how many requests it holds (0: none)."""
    meta_path = snapshot_dir() / "meta.json"
    if not meta_path.exists():
        return 0
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError:
        raise EmulatorError(f"the saved emulator state {meta_path} is damaged: run `candlefish local up --fresh` "
                            "to discard it") from None
    current = emulator_versions()
    if {key: meta.get(key) for key in current} != current:
        raise EmulatorError(
            f"the saved emulator state was written by moto {meta.get('moto')} / candlefish emulator "
            f"{meta.get('emulator')}, this is moto {current['moto']} / {current['emulator']}: it cannot be "
            "loaded; run `candlefish local up --fresh` to discard it (or use the version that wrote it)")
    journal = snapshot_dir() / "journal.jsonl"
    return sum(1 for _ in journal.open(encoding="utf-8")) if journal.exists() else 0


def discard_snapshot() -> None:
    import shutil

    shutil.rmtree(snapshot_dir(), ignore_errors=True)


def _start_snapshot() -> None:
    """A new snapshot's meta (kept when one exists: check_snapshot has accepted it)."""
    meta = snapshot_dir() / "meta.json"
    if not meta.exists():
        _write_json(meta, {**emulator_versions(), "seed": RANDOM_SEED, "created": time.time()})


# --- starting and stopping -----------------------------------------------------------------------------------

def spawn(port: int) -> Running:
    """Start the emulator process and wait until it serves (the snapshot replayed). Call under up_lock, after
    check_snapshot. A replay or start failure is raised with the emulator's own last log line."""
    log = log_file()
    log.parent.mkdir(parents=True, exist_ok=True)
    offset = log.stat().st_size if log.exists() else 0
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "candlefish_ops.local.daemon", "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, STATE_DIR_ENV: str(state_dir())})
    deadline = time.monotonic() + _READY_TIMEOUT
    while time.monotonic() < deadline:
        found = running()
        if found is not None and found.pid == process.pid:
            return found
        if process.poll() is not None:
            raise EmulatorError(_last_error(log, offset) or f"the emulator exited ({process.returncode}); see {log}")
        time.sleep(0.05)
    process.terminate()
    raise EmulatorError(f"the emulator did not start within {_READY_TIMEOUT:.0f}s; see {log}")


def _last_error(log: Path, offset: int) -> str:
    with log.open("rb") as handle:
        handle.seek(offset)
        lines = [line for line in handle.read().decode("utf-8", "replace").splitlines() if line.strip()]
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error: ")]
    return errors[-1] if errors else ""


def stop(found: Running, timeout: float = 20.0) -> bool:
    """SIGTERM the emulator and wait for it to close its journal and exit; SIGKILL after `timeout` (the journal
    is written as requests arrive, so at most the request in flight is lost). True if it stopped cleanly."""
    try:
        os.kill(found.pid, signal.SIGTERM)
    except ProcessLookupError:
        _state_file().unlink(missing_ok=True)
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(found.pid):
            _state_file().unlink(missing_ok=True)
            return True
        time.sleep(0.05)
    os.kill(found.pid, signal.SIGKILL)
    _state_file().unlink(missing_ok=True)
    return False


# --- the emulator process ------------------------------------------------------------------------------------

def serve(port: int) -> None:
    """Run in the emulator process: replay the snapshot, serve, record; until SIGTERM."""
    import threading

    from candlefish_ops.local import journal
    from candlefish_ops.local.emulator import Emulator, OneRequestAtATime, moto_app
    from candlefish_ops.local.moto.compat import seed_random

    check_snapshot()  # the parent checked too; never replay a snapshot of another version
    _start_snapshot()
    moto = moto_app()
    seed_random(RANDOM_SEED)
    path = snapshot_dir() / "journal.jsonl"
    restored = journal.replay(OneRequestAtATime(moto), path)
    recorder = journal.Journal(path, on_reset=lambda: (seed_random(RANDOM_SEED), _forget_environments()))
    emulator = Emulator(port=port, app=OneRequestAtATime(journal.Recording(moto, recorder)))
    endpoint = emulator.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    _write_json(_state_file(), {"pid": os.getpid(), "endpoint": endpoint, "started": time.time(),
                                "restored_requests": restored, **emulator_versions()})
    print(f"emulator serving on {endpoint} (pid {os.getpid()}; {restored} saved requests replayed)", flush=True)
    stopped.wait()
    emulator.stop()
    recorder.close()
    _state_file().unlink(missing_ok=True)
    print("emulator stopped; its state is saved", flush=True)


def _forget_environments() -> None:
    (snapshot_dir() / "environments.json").unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="candlefish-emulator")
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args(argv)
    try:
        serve(options.port)
    except EmulatorError as error:
        print(f"error: {error}", flush=True)
        return 1
    except Exception as error:  # noqa: BLE001 - one line for `local up`, the traceback in the log
        import traceback

        traceback.print_exc()
        print(f"error: the emulator failed to start: {type(error).__name__}: {error} (traceback in the log)", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
