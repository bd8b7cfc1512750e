"""aws.retry: the one poll and retry helper (sleep, clock and randomness injected: no test waits)."""

from __future__ import annotations

import itertools

import pytest

from candlefish_ops.aws.retry import Backoff, poll, retry


class Flaky(Exception):
    pass


def test_backoff_grows_to_its_cap_and_jitters_within_each_delay():
    assert list(itertools.islice(Backoff(0.5, 2, 3).delays(), 5)) == [0.5, 1.0, 2.0, 3, 3]
    draws = []
    jittered = Backoff(0.2, 2, 10, jitter=True).delays(lambda low, high: draws.append((low, high)) or high / 2)
    assert list(itertools.islice(jittered, 3)) == [0.1, 0.2, 0.4]
    assert draws == [(0, 0.2), (0, 0.4), (0, 0.8)]


def test_poll_reads_until_done_and_reports_each_read():
    answers, sleeps, seen = iter(["PENDING", "PENDING", "INSYNC"]), [], []
    result = poll(lambda: next(answers), lambda status: status == "INSYNC", timeout=60, backoff=Backoff(1.0),
                  expired=AssertionError, sleep=sleeps.append, seen=lambda status, waited: seen.append(status))
    assert result == "INSYNC" and sleeps == [1.0, 2.0] and seen == ["PENDING", "PENDING", "INSYNC"]


def test_poll_never_sleeps_past_the_timeout_and_then_raises():
    ticks, sleeps = iter([0, 0, 55, 61]), []
    with pytest.raises(TimeoutError, match="still PENDING after 61"):
        poll(lambda: "PENDING", lambda status: False, timeout=60, backoff=Backoff(8.0), sleep=sleeps.append,
             clock=lambda: next(ticks),
             expired=lambda status, waited: TimeoutError(f"still {status} after {waited:.0f}"))
    assert sleeps == [8.0, 5.0]


def test_retry_retries_only_what_is_retryable_and_re_reads_between():
    calls, sleeps, reread = [], [], []

    def call():
        calls.append(1)
        if len(calls) < 3:
            raise Flaky()
        return "written"

    assert retry(call, retryable=lambda e: isinstance(e, Flaky), attempts=5, backoff=Backoff(0.5),
                 sleep=sleeps.append, before_retry=lambda error, failures: reread.append(failures)) == "written"
    assert sleeps == [0.5, 1.0] and reread == [1, 2]
    with pytest.raises(KeyError):
        retry(lambda: {}["x"], retryable=lambda e: isinstance(e, Flaky), attempts=5, backoff=Backoff(0.5),
              sleep=sleeps.append)
    assert sleeps == [0.5, 1.0]  # a non-retryable error is not retried


def test_retry_gives_up_after_its_attempts():
    sleeps = []

    def always():
        raise Flaky()

    with pytest.raises(RuntimeError, match="3 attempts"):
        retry(always, retryable=lambda e: True, attempts=3, backoff=Backoff(1.0), sleep=sleeps.append,
              exhausted=lambda error, failures: RuntimeError(f"{failures} attempts"))
    assert sleeps == [1.0, 2.0]
    with pytest.raises(Flaky):
        retry(always, retryable=lambda e: True, attempts=1, backoff=Backoff(1.0), sleep=sleeps.append)
