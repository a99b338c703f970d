"""The retry loop: the decision, back-off, retry quota and adaptive rate limiter.

No I/O of its own: :func:`drive` calls an attempt function that returns an
:class:`Outcome`, and sleeps on the client's :class:`~lambda_es._clock.Clock`.

Read from botocore's standard and adaptive retry modes and reimplemented
small, with one addition botocore lacks: a ``Retry-After`` header on a 429 or
503 sets the delay (clamped by ``Retry.max_retry_after``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import math
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Literal, TypeVar, cast

import attrs

from ._clock import Clock
from ._errors import LambdaESError, ParamValidationError, TimeoutError

__all__ = [
    "NO_RETRY_INCREMENT",
    "RETRYABLE_STATUSES",
    "RETRY_COST",
    "THROTTLING_CODES",
    "TIMEOUT_RETRY_COST",
    "TRANSIENT_CODES",
    "Kind",
    "Outcome",
    "RateLimiter",
    "Retry",
    "RetryQuota",
    "backoff_delay",
    "classify",
    "drive",
    "http_date",
    "parse_retry_after",
]

logger = logging.getLogger("lambda_es")

R = TypeVar("R")

RetryMode = Literal["standard", "adaptive", "off"]

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "ServiceException"}
)

#: Costs of the shared retry quota. These are the figures of botocore's
#: original standard mode (and of the other AWS SDKs' "standard" spec); newer
#: botocore releases charge 14 per retry and 5 per throttled retry instead.
RETRY_COST = 5
TIMEOUT_RETRY_COST = 10
NO_RETRY_INCREMENT = 1

#: Why an outcome is retryable: throttled, a transient failure, or a timeout.
Kind = Literal["throttle", "transient", "timeout"]


def _positive(name: str) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: object, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ParamValidationError(name, f"must be a positive number; got {value!r}")
        if not math.isfinite(value):
            raise ParamValidationError(name, f"must be finite; got {value!r}")

    return check


def _positive_int(name: str) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: object, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParamValidationError(name, f"must be an int >= 1; got {value!r}")

    return check


def _check_mode(_: object, __: attrs.Attribute[str], value: str) -> None:
    if value not in ("standard", "adaptive", "off"):
        raise ParamValidationError(
            "mode", f"must be 'standard', 'adaptive' or 'off'; got {value!r}"
        )


@attrs.frozen(kw_only=True)
class Retry:
    """How a client retries.

    Args:
        mode: ``"standard"`` (botocore's rules), ``"adaptive"`` (standard plus a
            client-side rate limiter that slows down after throttling) or ``"off"``.
        max_attempts: the most attempts per call, the first included. ``"off"`` makes one.
        base_delay: the first back-off's upper bound, in seconds.
        max_backoff: the cap of one back-off, in seconds.
        max_retry_after: the cap applied to a server's ``Retry-After``, in seconds.
        quota: the client's retry budget; a retry costs 5 (10 after a timeout) and a
            success gives 1 back, so a long outage stops retries instead of multiplying load.

    Raises:
        ParamValidationError: a setting is out of range.
    """

    mode: RetryMode = attrs.field(default="standard", validator=_check_mode)
    max_attempts: int = attrs.field(default=3, validator=_positive_int("max_attempts"))
    base_delay: float = attrs.field(default=1.0, validator=_positive("base_delay"))
    max_backoff: float = attrs.field(default=20.0, validator=_positive("max_backoff"))
    max_retry_after: float = attrs.field(default=20.0, validator=_positive("max_retry_after"))
    quota: int = attrs.field(default=500, validator=_positive_int("quota"))

    @property
    def attempts(self) -> int:
        """The attempts a call may make under this policy."""
        return 1 if self.mode == "off" else self.max_attempts


def classify(status: int, code: str | None) -> Kind | None:
    """Say whether an error response is worth retrying, and why.

    (A failure without a response is classified where it happened, by the
    HTTP layer.)

    Args:
        status: the HTTP status.
        code: the AWS error code, if any.

    Returns:
        ``"throttle"``, ``"transient"``, or ``None`` for "do not retry".
    """
    if code in THROTTLING_CODES or status == 429:
        return "throttle"
    if code in TRANSIENT_CODES or status in RETRYABLE_STATUSES:
        return "transient"
    return None


def backoff_delay(retry: Retry, retries_so_far: int, rand: Callable[[], float]) -> float:
    """Full-jitter exponential back-off: ``rand() * min(base * 2**n, max_backoff)``.

    Args:
        retry: the policy.
        retries_so_far: how many retries were already made (0 before the first).
        rand: a uniform [0, 1) source, injectable for tests.

    Returns:
        The delay in seconds.
    """
    # The exponent is capped so that a huge max_attempts cannot overflow a float.
    ceiling = min(retry.base_delay * 2.0 ** min(retries_so_far, 62), retry.max_backoff)
    return rand() * ceiling


def http_date(value: str | None) -> dt.datetime | None:
    """Parse an HTTP-date (a ``Date`` or ``Retry-After`` header).

    Args:
        value: the header value.

    Returns:
        The time, aware (GMT when the text gives no zone), or ``None`` when
        absent or unparseable.
    """
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    # RFC 9110 dates are GMT; email.utils leaves "-0000" naive.
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Parse a ``Retry-After`` header: delta seconds or an HTTP-date.

    Args:
        value: the header value.
        now: the current time (aware), for the HTTP-date form.

    Returns:
        Seconds to wait (never negative), or ``None`` when absent or unparseable.
    """
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        when = http_date(text)
        if when is None:
            return None
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class RetryQuota:
    """The retry budget a client shares across its calls (thread-safe).

    Args:
        capacity: the budget when full.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.available = capacity
        self._lock = threading.Lock()

    def acquire(self, kind: Kind) -> int | None:
        """Take the cost of one retry.

        Args:
            kind: why the retry happens (a timeout costs more).

        Returns:
            The amount taken, to give back on success, or ``None`` when the budget is spent.
        """
        cost = TIMEOUT_RETRY_COST if kind == "timeout" else RETRY_COST
        with self._lock:
            if cost > self.available:
                return None
            self.available -= cost
            return cost

    def release(self, amount: int | None) -> None:
        """Give capacity back after a successful call.

        Args:
            amount: what the call's last retry took, or ``None`` for a first-try success
                (which gives back 1).
        """
        with self._lock:
            self.available = min(self.capacity, self.available + (amount or NO_RETRY_INCREMENT))


class RateLimiter:
    """botocore's adaptive mode: a token bucket whose rate follows CUBIC.

    Off until the first throttle; then every send takes a token, the fill rate
    drops to ``BETA`` times the measured send rate on each throttle and grows
    back along a cubic curve, never above twice the measured rate. The rate
    arithmetic is botocore's. Two choices differ: the bucket starts empty
    when the limiter turns on (botocore's may hold a burst's worth of tokens
    saved while it was off), and :meth:`acquire` reserves a token and says how
    long to wait instead of blocking, so asyncio callers queue in order.

    All methods take the current time, so the arithmetic is testable; the
    transport sleeps for what :meth:`acquire` returns.

    Args:
        min_rate: the slowest the bucket fills, in requests per second.
    """

    SCALE = 0.4
    BETA = 0.7
    SMOOTHING = 0.8
    BUCKET_SECONDS = 0.5

    def __init__(self, min_rate: float = 0.5) -> None:
        self.min_rate = min_rate
        self.enabled = False
        self.fill_rate = min_rate
        self.tokens = 0.0
        self.measured_rate = 0.0
        self._last_refill: float | None = None
        self._w_max = 0.0
        self._k = 0.0
        self._last_fail = 0.0
        self._bucket_start: float | None = None
        self._bucket_count = 0
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        if self._last_refill is not None:
            capacity = max(self.fill_rate, 1.0)
            elapsed = max(0.0, now - self._last_refill)
            self.tokens = min(capacity, self.tokens + elapsed * self.fill_rate)
        self._last_refill = now

    def acquire(self, now: float, *, max_wait: float | None = None) -> float | None:
        """Reserve a token for one send.

        Args:
            now: the monotonic time.
            max_wait: the longest the caller can wait (what is left of its deadline).

        Returns:
            How long to wait before sending: 0 when the limiter is off or a token is
            there. ``None``, with no token taken, when the wait would exceed ``max_wait``.
        """
        with self._lock:
            if not self.enabled:
                return 0.0
            self._refill(now)
            # The debt a caller would be behind once it takes its token.
            wait = max(0.0, (1.0 - self.tokens) / self.fill_rate)
            if max_wait is not None and wait >= max_wait:
                return None
            self.tokens -= 1.0
            return wait

    def _measure(self, now: float) -> None:
        # The send rate, smoothed over half-second buckets, as botocore's RateClocker.
        bucket = math.floor(now / self.BUCKET_SECONDS) * self.BUCKET_SECONDS
        if self._bucket_start is None:
            self._bucket_start = bucket
        self._bucket_count += 1
        if bucket > self._bucket_start:
            rate = self._bucket_count / (bucket - self._bucket_start)
            self.measured_rate = rate * self.SMOOTHING + self.measured_rate * (1 - self.SMOOTHING)
            self._bucket_count = 0
            self._bucket_start = bucket

    def on_response(self, now: float, *, throttled: bool) -> None:
        """Feed one attempt's outcome into the rate.

        Args:
            now: the monotonic time.
            throttled: whether the response was a throttling error.
        """
        with self._lock:
            self._measure(now)
            if throttled:
                rate = (
                    self.measured_rate
                    if not self.enabled
                    else min(self.measured_rate, self.fill_rate)
                )
                self._w_max = rate
                self._k = ((rate * (1 - self.BETA)) / self.SCALE) ** (1 / 3)
                self._last_fail = now
                new_rate = rate * self.BETA
                self.enabled = True
            elif self.enabled:
                new_rate = self.SCALE * (now - self._last_fail - self._k) ** 3 + self._w_max
            else:
                # botocore tracks a rate while off too, but nothing reads it
                # before the first throttle, which recomputes it from scratch.
                return
            # Tokens earned so far accrue at the old rate, before it changes.
            self._refill(now)
            self.fill_rate = max(min(new_rate, 2 * self.measured_rate), self.min_rate)


# -- the loop ----------------------------------------------------------------------


@attrs.frozen
class Outcome(Generic[R]):
    """What one attempt ended with: a result, or an error and whether to retry it.

    Build one with :meth:`success` or :meth:`failure`.

    Attributes:
        result: the attempt's result (``None`` on failure).
        error: the error to raise if no attempt follows (``None`` on success).
        kind: why the failure is worth retrying, or ``None`` when it is not.
        status: the HTTP status, when a response arrived.
        request_id: the service's request id, when a response arrived.
        retry_after: the server's ``Retry-After``, in seconds.
        summary: what happened, for the attempt's log line (never a header).
    """

    result: R | None
    error: LambdaESError | None
    kind: Kind | None
    status: int | None
    request_id: str | None
    retry_after: float | None
    summary: str

    @classmethod
    def success(cls, result: R, *, status: int, request_id: str | None) -> Outcome[R]:
        """An attempt that gave its result.

        Args:
            result: the result.
            status: the HTTP status.
            request_id: the service's request id.

        Returns:
            The outcome.
        """
        return cls(result, None, None, status, request_id, None, f"HTTP {status}")

    @classmethod
    def failure(
        cls,
        error: LambdaESError,
        kind: Kind | None,
        summary: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> Outcome[R]:
        """An attempt that failed.

        Args:
            error: the error, its ``attempts`` already set.
            kind: why it is worth retrying, or ``None``.
            summary: what happened, for the log line.
            status: the HTTP status, when a response arrived.
            request_id: the service's request id, when a response arrived.
            retry_after: the server's ``Retry-After``, in seconds.

        Returns:
            The outcome.
        """
        return cls(None, error, kind, status, request_id, retry_after, summary)


async def drive(
    attempt: Callable[[int], Awaitable[Outcome[R]]],
    *,
    label: str,
    policy: Retry,
    quota: RetryQuota,
    limiter: RateLimiter | None,
    clock: Clock,
    deadline: float | None,
    closed: Callable[[], bool],
) -> R:
    """Make attempts until one succeeds or the policy, quota or deadline says stop.

    Each attempt waits for the rate limiter (adaptive mode), then runs; a
    retryable failure takes its cost from the shared quota and is followed by
    a back-off (the server's ``Retry-After`` when it sent one, clamped), unless
    that back-off would pass the deadline. One DEBUG line per attempt says what
    happened and what comes next.

    Args:
        attempt: runs attempt number *n* (from 1) and returns its outcome.
        label: names the call in log lines and messages (the operation).
        policy: the retry policy.
        quota: the client's shared retry budget.
        limiter: the client's rate limiter, or ``None``.
        clock: the client's clock (back-off, limiter waits, deadline).
        deadline: the monotonic time the whole call must end by, or ``None``.
        closed: says whether the client was closed (checked before each attempt).

    Returns:
        The successful attempt's result.

    Raises:
        LambdaESError: the last attempt's error; a :class:`TimeoutError` when the
            rate limiter's first wait would pass the deadline; a plain
            :class:`LambdaESError` when the client was closed while retrying.
    """
    retries = 0
    taken: int | None = None
    last: LambdaESError | None = None
    number = 0
    while True:
        number += 1
        if closed():  # aclose() ran during the back-off
            raise LambdaESError(f"{label}: the client was closed while the call was retrying")
        waited = await _wait_for_limiter(label, number, limiter, clock, deadline, last)
        outcome = await attempt(number)
        if limiter is not None:
            limiter.on_response(clock.monotonic(), throttled=outcome.kind == "throttle")
        error = outcome.error
        if error is None:
            quota.release(taken)
            _log(label, number, policy, outcome, None, "done", waited)
            return cast(R, outcome.result)  # set on success
        delay, reason = _next_delay(outcome, number, retries, policy, clock, deadline)
        if delay is not None and outcome.kind is not None:
            taken = quota.acquire(outcome.kind)
            if taken is None:
                delay, reason = None, "retry quota exhausted"
        decision = f"retrying in {delay:.3f}s" if delay is not None else reason
        _log(label, number, policy, outcome, delay, decision, waited)
        if delay is None:
            raise error from error.__cause__
        retries += 1
        last = error
        await clock.sleep(delay)


def _next_delay(
    outcome: Outcome[Any],
    number: int,
    retries: int,
    policy: Retry,
    clock: Clock,
    deadline: float | None,
) -> tuple[float | None, str]:
    if outcome.kind is None:
        return None, "not retryable"
    if number >= policy.attempts:
        return None, f"no attempts left (max_attempts={policy.attempts})"
    delay = backoff_delay(policy, retries, clock.random)
    if outcome.retry_after is not None:
        delay = min(outcome.retry_after, policy.max_retry_after)
    if deadline is not None and clock.monotonic() + delay >= deadline:
        # Sleeping into the deadline only to fail there helps nobody.
        return None, f"a {delay:.3f}s back-off would pass the total timeout"
    return delay, ""


async def _wait_for_limiter(
    label: str,
    number: int,
    limiter: RateLimiter | None,
    clock: Clock,
    deadline: float | None,
    last: LambdaESError | None,
) -> float:
    if limiter is None:
        return 0.0
    now = clock.monotonic()
    wait = limiter.acquire(now, max_wait=None if deadline is None else deadline - now)
    if wait is None:
        logger.debug(
            "%s: giving up before attempt %d: the rate limiter's wait would pass the total timeout",
            label,
            number,
        )
        if last is not None:
            raise last from last.__cause__
        raise TimeoutError(
            f"{label}: the client-side rate limiter's wait would pass the total timeout",
            attempts=0,
        )
    if wait > 0:
        await clock.sleep(wait)
    return wait


def _log(
    label: str,
    number: int,
    policy: Retry,
    outcome: Outcome[Any],
    delay: float | None,
    decision: str,
    waited: float,
) -> None:
    # Only values composed here and by the attempt go in: never a header,
    # so never the Authorization header, the token or a signature.
    if not logger.isEnabledFor(logging.DEBUG):
        return
    limiter = f" after waiting {waited:.3f}s for the rate limiter" if waited > 0 else ""
    logger.debug(
        "%s attempt %d/%d%s: %s, request id %s; %s",
        label,
        number,
        policy.attempts,
        limiter,
        outcome.summary,
        outcome.request_id or "-",
        decision,
        extra={
            "operation": label,
            "attempt": number,
            "status": outcome.status,
            "request_id": outcome.request_id,
            "delay": delay,
        },
    )
