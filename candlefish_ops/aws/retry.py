"""The one retry and poll helper of candlefish (every wait and every hand-made retry in aws/ goes through it).

botocore already retries throttling and transient errors on every call (`aws.base.retry_config`: adaptive
mode, AWS_MAX_ATTEMPTS) and has waiters for some states (`invalidation_completed` in aws/cloudfront); this
module is for what those do not cover: polling a state until it settles (a change set computed, a Route 53
change INSYNC), and retrying a whole read-modify-write on a conflict (WAF's optimistic lock). Sleep, clock
and randomness are injected, so tests run without waiting.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Delays `first`, `first * factor`, ... capped at `cap`; `jitter`: each a uniform draw in [0, delay]
    ("full jitter", https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/)."""

    first: float
    factor: float = 2.0
    cap: float = 10.0
    jitter: bool = False

    def delays(self, uniform: Callable[[float, float], float] = random.uniform) -> Iterator[float]:
        delay = self.first
        while True:
            yield uniform(0, delay) if self.jitter else delay
            delay = min(delay * self.factor, self.cap)


def poll(read: Callable[[], T], done: Callable[[T], bool], *, timeout: float, backoff: Backoff,
         expired: Callable[[T, float], Exception], sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.monotonic, seen: Callable[[T, float], None] | None = None) -> T:
    """`read()` until `done(result)`, sleeping the backoff's delays (never past the timeout) in between;
    `seen(result, waited)` after every read; `expired(result, waited)` is raised once `timeout` has passed."""
    start, delays = clock(), backoff.delays()
    while True:
        result = read()
        waited = clock() - start
        if seen is not None:
            seen(result, waited)
        if done(result):
            return result
        if waited >= timeout:
            raise expired(result, waited)
        sleep(min(next(delays), max(0.0, timeout - waited)))


def retry(call: Callable[[], T], *, retryable: Callable[[Exception], bool], attempts: int, backoff: Backoff,
          sleep: Callable[[float], None] = time.sleep, before_retry: Callable[[Exception, int], None] | None = None,
          exhausted: Callable[[Exception, int], Exception] | None = None,
          uniform: Callable[[float, float], float] = random.uniform) -> T:
    """`call()`, again after a retryable exception, at most `attempts` times in all, sleeping the backoff's
    delays in between; `before_retry(error, failures)` runs after each sleep (e.g. to re-read a state). A
    non-retryable exception propagates at once; the last retryable one as `exhausted(error, failures)`, or
    itself."""
    delays = backoff.delays(uniform)
    for failures in range(1, attempts + 1):
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - `retryable` decides; the rest propagate unchanged
            if not retryable(error):
                raise
            if failures == attempts:
                if exhausted is None:
                    raise
                raise exhausted(error, failures) from None
            sleep(next(delays))
            if before_retry is not None:
                before_retry(error, failures)
    raise ValueError(f"retry needs at least one attempt, got {attempts}")
