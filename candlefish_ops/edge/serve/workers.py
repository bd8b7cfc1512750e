"""Warm containers for the deployed function versions: persistent worker processes of the runtime's Python.

Each function version gets a pool of workers (`worker_main.py`, JSON lines over stdin/stdout), started on
demand up to `max_workers`, each keeping its module state between invocations like a warm Lambda
container. An invocation that overruns its timeout kills its worker (the next one starts cold), as Lambda
discards a timed-out execution environment.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

WORKER = Path(__file__).with_name("worker_main.py")


@dataclass
class Invocation:
    result: object = None
    error: str = ""          # the function raised (or could not be imported)
    timed_out: bool = False
    logs: str = ""
    ms: float = 0.0
    cold: bool = False


class WorkerError(Exception):
    pass


class _Worker:
    def __init__(self, python: str, package: Path, handler: str, shim: Path | None, env: dict[str, str]) -> None:
        args = [python, "-I", "-S", str(WORKER), str(package), handler] + ([str(shim)] if shim else [])
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env, cwd=str(package))
        self._buffer = b""
        self.init: dict | None = None

    def read_line(self, deadline: float) -> bytes | None:
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerError("the worker exited")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def send(self, event: dict) -> None:
        self.process.stdin.write(json.dumps({"event": event}).encode() + b"\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class FunctionPool:
    """The warm workers of one function version."""

    def __init__(self, name: str, python: str, package: Path, handler: str, timeout: float,
                 shim: Path | None = None, env: dict[str, str] | None = None, max_workers: int = 4) -> None:
        self.name, self.python, self.package, self.handler = name, python, package, handler
        self.timeout, self.shim, self.env, self.max_workers = timeout, shim, dict(env or {}), max_workers
        self._idle: list[_Worker] = []
        self._count = 0
        self._lock = threading.Condition()
        self.invocations = 0
        self.cold_starts = 0

    def _take(self) -> tuple[_Worker | None, bool]:
        with self._lock:
            while not self._idle and self._count >= self.max_workers:
                self._lock.wait()
            if self._idle:
                return self._idle.pop(), False
            self._count += 1
            return None, True

    def _give_back(self, worker: _Worker | None) -> None:
        with self._lock:
            if worker is None:
                self._count -= 1
            else:
                self._idle.append(worker)
            self._lock.notify()

    def invoke(self, event: dict) -> Invocation:
        """Run the function on `event` in a warm worker (cold-starting one when none is idle)."""
        worker, cold = self._take()
        started = time.monotonic()
        deadline = started + self.timeout  # Lambda counts the init of a cold start in the first timeout
        try:
            if cold:
                worker = _Worker(self.python, self.package, self.handler, self.shim, self.env)
                line = worker.read_line(deadline)
                if line is None:
                    raise TimeoutError
                worker.init = json.loads(line)
            worker.send(event)
            line = worker.read_line(deadline)
            if line is None:
                raise TimeoutError
            answer = json.loads(line)
        except TimeoutError:
            if worker is not None:
                worker.kill()
            self._give_back(None)
            return self._counted(Invocation(timed_out=True, ms=(time.monotonic() - started) * 1000, cold=cold))
        except (WorkerError, OSError, ValueError) as error:
            if worker is not None:
                worker.kill()
            self._give_back(None)
            return self._counted(Invocation(error=f"the runtime exited: {error}",
                                            ms=(time.monotonic() - started) * 1000, cold=cold))
        self._give_back(worker)
        logs = ((worker.init or {}).get("logs", "") if cold else "") + answer.get("logs", "")
        return self._counted(Invocation(answer.get("result"), answer.get("error", ""), False, logs,
                                        (time.monotonic() - started) * 1000, cold))

    def _counted(self, invocation: Invocation) -> Invocation:
        with self._lock:
            self.invocations += 1
            self.cold_starts += invocation.cold
        return invocation

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
