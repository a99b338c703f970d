"""The retry policy without I/O: settings, classification, back-off, quota, limiter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.retries import adaptive, bucket, throttling
from hypothesis import given, settings
from hypothesis import strategies as st

import lambda_es
from lambda_es._retry import (
    Kind,
    Outcome,
    RateLimiter,
    Retry,
    RetryQuota,
    backoff_delay,
    classify,
    drive,
    parse_retry_after,
)

from ._clock import FakeClock

NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


# -- settings ---------------------------------------------------------------


def test_retry_defaults_are_botocore_standard() -> None:
    """Retry() is standard mode, 3 attempts, 1 s base, 20 s cap, a 500-token quota."""
    retry = lambda_es.Retry()
    assert (retry.mode, retry.max_attempts, retry.attempts) == ("standard", 3, 3)
    assert (retry.base_delay, retry.max_backoff) == (1.0, 20.0)
    assert retry.max_retry_after == 20.0
    assert retry.quota == 500


def test_retry_is_keyword_only() -> None:
    """Positional settings are refused, so that their order is never a contract."""
    with pytest.raises(TypeError):
        lambda_es.Retry("standard")  # type: ignore[call-arg]


def test_off_mode_makes_one_attempt_whatever_max_attempts() -> None:
    """mode="off" means a single attempt even with max_attempts set higher."""
    assert lambda_es.Retry(mode="off", max_attempts=5).attempts == 1
    assert lambda_es.Retry(mode="adaptive", max_attempts=5).attempts == 5


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"mode": "legacy"}, "mode"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 2.0}, "max_attempts"),
        ({"max_attempts": True}, "max_attempts"),
        ({"base_delay": 0}, "base_delay"),
        ({"base_delay": -1.0}, "base_delay"),
        ({"max_backoff": float("inf")}, "max_backoff"),
        ({"max_retry_after": float("nan")}, "max_retry_after"),
        ({"max_retry_after": "20"}, "max_retry_after"),
        ({"quota": 0}, "quota"),
    ],
)
def test_bad_retry_settings_name_the_setting(kwargs: dict[str, Any], param: str) -> None:
    """A bad setting raises ParamValidationError naming that very setting."""
    with pytest.raises(lambda_es.ParamValidationError) as caught:
        lambda_es.Retry(**kwargs)
    assert caught.value.param == param


def test_timeout_defaults_are_sane() -> None:
    """Timeout() connects within 5 s (not botocore's 60), reads within 30, ends within 90."""
    timeout = lambda_es.Timeout()
    assert (timeout.connect, timeout.read, timeout.total) == (5.0, 30.0, 90.0)
    assert lambda_es.Timeout(total=None).total is None


@pytest.mark.parametrize("kwargs", [{"connect": 0}, {"read": -1}, {"total": "9"}, {"read": True}])
def test_bad_timeouts_are_refused(kwargs: dict[str, Any]) -> None:
    """A deadline must be a positive number of seconds, or None."""
    with pytest.raises(lambda_es.ParamValidationError) as caught:
        lambda_es.Timeout(**kwargs)
    assert caught.value.param == next(iter(kwargs))


# -- classification ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "timed_out", "kind"),
    [
        (500, "ServiceException", False, "transient"),
        (502, None, False, "transient"),
        (503, None, False, "transient"),
        (504, None, False, "transient"),
        (429, "TooManyRequestsException", False, "throttle"),
        (429, None, False, "throttle"),
        (400, "ThrottlingException", False, "throttle"),
        (400, "Throttling", False, "throttle"),
        (400, "RequestLimitExceeded", False, "throttle"),
        (502, "EC2ThrottledException", False, "throttle"),
        (408, "RequestTimeout", False, "transient"),
        (400, "RequestTimeoutException", False, "transient"),
        (400, "InvalidParameterValueException", False, None),
        (404, "ResourceNotFoundException", False, None),
        (409, "ResourceConflictException", False, None),
        (403, None, False, None),
        (501, None, False, None),
    ],
)
def test_classify_follows_botocore_standard_rules(
    status: int, code: str | None, timed_out: bool, kind: str | None
) -> None:
    """5xx gateway statuses, throttling and timeout codes are retried; any other
    4xx (and 501) is not. (A lost response is classified by the HTTP layer.)"""
    assert classify(status, code) == kind


# -- back-off ------------------------------------------------------------------


def test_backoff_is_full_jitter_exponential_and_capped() -> None:
    """The n-th delay is rand() * min(base * 2**n, max_backoff)."""
    retry = Retry()
    assert [backoff_delay(retry, n, lambda: 0.5) for n in range(7)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        10.0,
        10.0,
    ]
    assert backoff_delay(retry, 3, lambda: 0.0) == 0.0
    custom = Retry(base_delay=0.1, max_backoff=0.3)
    assert [backoff_delay(custom, n, lambda: 1.0) for n in range(3)] == pytest.approx(
        [0.1, 0.2, 0.3]
    )


def test_backoff_survives_a_huge_retry_count() -> None:
    """A retry count past float range still yields the cap, not an OverflowError."""
    assert backoff_delay(Retry(), 10_000, lambda: 1.0) == 20.0


# -- Retry-After -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-5", 0.0),
        ("Wed, 01 May 2024 12:00:07 GMT", 7.0),
        ("Wednesday, 01-May-24 12:00:07 GMT", 7.0),
        ("Wed May  1 12:00:07 2024", 7.0),
        ("Wed, 01 May 2024 11:59:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(
    header: str | None, seconds: float | None
) -> None:
    """Retry-After is delta seconds or any RFC 9110 date form; a past date means
    now, and anything unparseable is ignored (None), never an error."""
    assert parse_retry_after(header, NOW) == seconds


# -- retry quota -------------------------------------------------------------------


def test_quota_costs_five_per_retry_and_ten_per_timeout() -> None:
    """A retry takes 5 tokens, a retry after a timeout 10, and the take is returned."""
    quota = RetryQuota(500)
    assert quota.acquire("transient") == 5
    assert quota.acquire("throttle") == 5
    assert quota.acquire("timeout") == 10
    assert quota.available == 480


def test_quota_runs_dry_without_going_negative() -> None:
    """Once the budget cannot cover a retry, acquire says None and takes nothing."""
    quota = RetryQuota(500)
    taken = [quota.acquire("transient") for _ in range(100)]
    assert taken == [5] * 100
    assert quota.available == 0
    assert quota.acquire("transient") is None
    assert quota.available == 0
    quota.release(None)
    quota.release(None)
    assert quota.acquire("timeout") is None
    assert quota.available == 2


def test_quota_refills_by_one_per_success_or_the_retry_cost_and_is_capped() -> None:
    """A first-try success gives back 1, a retried success its last retry's cost,
    and the budget never exceeds its capacity."""
    quota = RetryQuota(20)
    quota.acquire("timeout")
    quota.release(None)
    assert quota.available == 11
    quota.release(10)
    assert quota.available == 20
    quota.release(None)
    assert quota.available == 20


# -- adaptive rate limiter, with explicit times ---------------------------------------


def test_limiter_is_off_until_the_first_throttle() -> None:
    """Before any throttle, sends wait for nothing whatever the traffic."""
    limiter = RateLimiter()
    for step in range(50):
        limiter.on_response(step * 0.01, throttled=False)
        assert limiter.acquire(step * 0.01) == 0.0
    assert limiter.enabled is False


def test_first_throttle_without_a_measured_rate_drops_to_the_minimum() -> None:
    """A throttle before a rate could be measured starts the bucket at min_rate
    (0.5/s) and empty: queued sends wait 2 s, 4 s, 6 s."""
    limiter = RateLimiter()
    limiter.on_response(0.1, throttled=True)
    assert limiter.enabled is True
    assert limiter.fill_rate == 0.5
    assert [limiter.acquire(0.1) for _ in range(3)] == pytest.approx([2.0, 4.0, 6.0])


def _ten_per_second(limiter: RateLimiter) -> None:
    # Ten successes a second over t = 0.0 .. 0.9: the rate clock sees 12/s in
    # the first half-second bucket (6 responses), smoothed to 9.6.
    for step in range(10):
        limiter.on_response(step / 10, throttled=False)


def test_throttle_cuts_the_rate_to_beta_times_the_measured_rate() -> None:
    """At 10 req/s, a throttle at t=1.0 measures 9.92/s and sets the fill rate
    to 0.7 times that; the empty bucket then spaces sends 1/rate apart."""
    limiter = RateLimiter()
    _ten_per_second(limiter)
    assert limiter.measured_rate == pytest.approx(9.6)
    limiter.on_response(1.0, throttled=True)
    assert limiter.measured_rate == pytest.approx(0.8 * 10 + 0.2 * 9.6)
    assert limiter.fill_rate == pytest.approx(0.7 * 9.92)
    waits = [limiter.acquire(1.0) for _ in range(3)]
    assert waits == pytest.approx([1 / 6.944, 2 / 6.944, 3 / 6.944])


def test_rate_recovers_along_the_cubic_curve() -> None:
    """After a throttle, successes raise the rate as 0.4*(t - t_fail - K)**3 + W_max,
    where W_max is the rate at the throttle and K = cbrt(W_max * 0.3 / 0.4)."""
    limiter = RateLimiter()
    _ten_per_second(limiter)
    limiter.on_response(1.0, throttled=True)
    w_max = 9.92
    k = (w_max * 0.3 / 0.4) ** (1 / 3)
    # t=1.2 and 1.4 fall in the throttle's half-second bucket: the measured
    # rate (and so the 2x ceiling) stays put while the curve climbs.
    limiter.on_response(1.2, throttled=False)
    first = limiter.fill_rate
    assert first == pytest.approx(0.4 * (0.2 - k) ** 3 + w_max)
    limiter.on_response(1.4, throttled=False)
    assert limiter.fill_rate == pytest.approx(0.4 * (0.4 - k) ** 3 + w_max)
    assert 0.7 * w_max < first < limiter.fill_rate < w_max


def test_rate_never_exceeds_twice_the_measured_rate() -> None:
    """Long after a throttle the cubic term is huge, but the rate is held to
    twice what the client was measured sending."""
    limiter = RateLimiter()
    _ten_per_second(limiter)
    limiter.on_response(1.0, throttled=True)
    limiter.on_response(60.0, throttled=False)
    assert limiter.fill_rate == pytest.approx(2 * limiter.measured_rate)


def test_a_second_throttle_uses_the_lower_of_measured_and_current_rate() -> None:
    """Throttled again, the limiter backs off from min(measured, fill rate)."""
    limiter = RateLimiter()
    _ten_per_second(limiter)
    limiter.on_response(1.0, throttled=True)
    current = limiter.fill_rate
    limiter.on_response(1.1, throttled=True)
    assert limiter.fill_rate == pytest.approx(0.7 * min(current, limiter.measured_rate))


def test_the_bucket_refills_at_the_fill_rate_up_to_its_capacity() -> None:
    """Idle time earns tokens at the fill rate, but never more than max(rate, 1)."""
    limiter = RateLimiter()
    limiter.on_response(0.0, throttled=True)
    assert limiter.acquire(0.0) == pytest.approx(2.0)
    assert limiter.acquire(2.0) == pytest.approx(2.0)
    # A long idle spell leaves one token (the capacity at 0.5/s), not fifty.
    assert limiter.acquire(100.0) == 0.0
    assert limiter.acquire(100.0) == pytest.approx(2.0)


def test_acquire_refuses_a_wait_beyond_the_callers_deadline_and_keeps_the_token() -> None:
    """A wait that would outlast max_wait returns None and reserves nothing."""
    limiter = RateLimiter()
    limiter.on_response(0.0, throttled=True)
    assert limiter.acquire(0.0, max_wait=1.0) is None
    assert limiter.acquire(0.0, max_wait=3.0) == pytest.approx(2.0)
    assert limiter.acquire(0.0) == pytest.approx(4.0)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def current_time(self) -> float:
        return self.now

    def sleep(self, amount: float) -> None:  # pragma: no cover - never blocks here
        raise AssertionError("the reference limiter must not sleep in this test")


class _Detector:
    def is_throttling_error(self, **kwargs: Any) -> bool:
        return bool(kwargs["throttled"])


@settings(max_examples=150, deadline=None)
@given(
    start=st.floats(min_value=0.0, max_value=0.49),
    events=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=2.0), st.booleans()),
        min_size=1,
        max_size=40,
    ),
)
def test_limiter_rate_matches_botocores_adaptive_mode(
    start: float, events: list[tuple[float, bool]]
) -> None:
    """Fed the same responses at the same times, the fill rate equals that of
    botocore's own ClientRateLimiter (CubicCalculator, RateClocker, TokenBucket)
    once throttling has switched it on."""
    clock = _Clock()
    reference = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=0.0),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=bucket.TokenBucket(max_rate=1, clock=clock),
        throttling_detector=_Detector(),
        clock=clock,
    )
    ours = RateLimiter()
    now = start
    for gap, throttled in events:
        clock.now = now
        reference.on_receiving_response(throttled=throttled)
        ours.on_response(now, throttled=throttled)
        if ours.enabled:
            assert ours.fill_rate == pytest.approx(reference._token_bucket.max_rate, rel=1e-9)
        now += gap


# -- the loop (drive) ---------------------------------------------------------------


def _failure(kind: Kind | None, number: int, retry_after: float | None = None) -> Outcome[str]:
    error = lambda_es.ConnectError(f"attempt {number} failed", attempts=number)
    return Outcome.failure(error, kind, "ConnectError (scripted)", retry_after=retry_after)


async def _drive(
    script: list[Kind | str | None],
    *,
    quota: RetryQuota | None = None,
    policy: Retry | None = None,
    deadline: float | None = None,
) -> tuple[str | BaseException, list[int], RetryQuota, FakeClock]:
    """Run drive() over scripted outcomes: a Kind or None fails, "ok" succeeds."""
    clock = FakeClock(jitter=0.5)
    quota = quota if quota is not None else RetryQuota(500)
    made: list[int] = []

    async def attempt(number: int) -> Outcome[str]:
        made.append(number)
        step = script[number - 1]
        if step == "ok":
            return Outcome.success(f"result {number}", status=200, request_id=None)
        return _failure(step, number)  # type: ignore[arg-type]

    try:
        result: str | BaseException = await drive(
            attempt,
            label="Op",
            policy=policy or Retry(),
            quota=quota,
            limiter=None,
            clock=clock,
            deadline=deadline,
            closed=lambda: False,
        )
    except lambda_es.LambdaESError as exc:
        result = exc
    return result, made, quota, clock


async def test_drive_retries_then_returns_and_the_quota_gets_the_last_cost_back() -> None:
    """Two transient failures cost 5 each; the success gives back what the last retry
    took, so 495 of 500 remain. Back-offs are full-jitter (0.5 x 1 s, 0.5 x 2 s)."""
    result, made, quota, clock = await _drive(["transient", "transient", "ok"])
    assert result == "result 3"
    assert made == [1, 2, 3]
    assert quota.available == 495
    assert clock.sleeps == [0.5, 1.0]


async def test_drive_charges_a_timeout_double() -> None:
    """A retry after a timeout costs 10; a first-try success gives back 1 (capped at full)."""
    result, _, quota, _ = await _drive(["timeout", "ok"])
    assert result == "result 2"
    assert quota.available == 500
    quota = RetryQuota(500)
    result, _, quota, _ = await _drive(["timeout", "timeout", "timeout"], quota=quota)
    assert isinstance(result, lambda_es.ConnectError)
    assert result.attempts == 3
    assert quota.available == 480


async def test_drive_stops_at_once_on_a_non_retryable_outcome() -> None:
    """A failure whose kind is None is raised as it is, after one attempt, at no cost."""
    result, made, quota, clock = await _drive([None, "ok"])
    assert isinstance(result, lambda_es.ConnectError)
    assert result.attempts == 1
    assert made == [1]
    assert quota.available == 500
    assert clock.sleeps == []


async def test_drive_stops_when_the_quota_is_spent() -> None:
    """With less than one retry's cost left, the failure is raised without a retry."""
    result, made, quota, _ = await _drive(["transient", "ok"], quota=RetryQuota(4))
    assert isinstance(result, lambda_es.ConnectError)
    assert made == [1]
    assert quota.available == 4


async def test_drive_stops_before_a_back_off_past_the_deadline() -> None:
    """A back-off that would end past the deadline is not slept: the error is raised."""
    result, made, _, clock = await _drive(["transient", "ok"], deadline=1000.4)
    assert isinstance(result, lambda_es.ConnectError)
    assert made == [1]
    assert clock.sleeps == []


async def test_drive_honours_retry_after_clamped() -> None:
    """A server's Retry-After replaces the back-off, clamped to max_retry_after."""
    clock = FakeClock(jitter=0.5)
    hints = iter([3.0, 100.0])

    async def attempt(number: int) -> Outcome[str]:
        if number < 3:
            return _failure("throttle", number, retry_after=next(hints))
        return Outcome.success("done", status=200, request_id=None)

    result = await drive(
        attempt,
        label="Op",
        policy=Retry(max_retry_after=20.0),
        quota=RetryQuota(500),
        limiter=None,
        clock=clock,
        deadline=None,
        closed=lambda: False,
    )
    assert result == "done"
    assert clock.sleeps == [3.0, 20.0]
