"""Credentials refreshed before they expire, one refresh at a time.

A :class:`Refreshing` provider wraps the function that fetches credentials
from one source. Credentials without an expiry are fetched once. For the
others, two windows before the expiry decide:

* the advisory window (15 minutes): one refresh starts in the background
  while the current credentials keep serving every call; if it fails, the
  failure is logged and the next try waits ``retry_delay`` seconds;
* the mandatory window (10 minutes): calls wait for the refresh, and its
  failure is theirs.

Credentials that live less than twice the advisory window (15-minute role
sessions, test fixtures) get windows of a half and a third of their lifetime,
so that they are not refreshed on every call. However many calls are in
flight, a single task refreshes; everyone who must wait awaits that task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import attrs

from ._credentials import Credentials, Issued

__all__ = ["ADVISORY_WINDOW", "MANDATORY_WINDOW", "RefreshPolicy", "Refreshing"]

logger = logging.getLogger("lambda_es")

#: Seconds before the expiry when a background refresh starts.
ADVISORY_WINDOW = 15 * 60.0
#: Seconds before the expiry when calls wait for a refresh.
MANDATORY_WINDOW = 10 * 60.0


@attrs.frozen
class RefreshPolicy:
    """When a :class:`Refreshing` provider refreshes.

    Args:
        advisory: the advisory window, in seconds.
        mandatory: the mandatory window, in seconds.
        retry_delay: how long after a failed background refresh the next may start.
        min_interval: the shortest time between two refreshes that calls wait for
            (a source that hands out credentials already inside the window would
            otherwise be asked on every call).
    """

    advisory: float = ADVISORY_WINDOW
    mandatory: float = MANDATORY_WINDOW
    retry_delay: float = 30.0
    min_interval: float = 1.0


@attrs.define(eq=False, repr=False)
class Refreshing:
    """A provider that keeps one source's credentials fresh.

    Args:
        fetch: fetches new credentials from the source.
        source: a description of the source, without secrets (``"assume-role (profile 'dev')"``).
        first: credentials already fetched, to serve first.
        policy: when to refresh.
        clock: the wall clock, in seconds since the epoch.
    """

    _fetch: Callable[[], Awaitable[Issued]]
    source: str = attrs.field(kw_only=True)
    _issued: Issued | None = attrs.field(default=None, kw_only=True, alias="first")
    policy: RefreshPolicy = attrs.field(factory=RefreshPolicy, kw_only=True)
    _clock: Callable[[], float] = attrs.field(default=time.time, kw_only=True)
    _task: asyncio.Task[Issued] | None = attrs.field(default=None, init=False)
    _next_background: float = attrs.field(default=0.0, init=False)
    #: How many refreshes ran (for tests and diagnostics).
    refreshes: int = attrs.field(default=0, init=False)

    def __repr__(self) -> str:
        return f"<credentials from {self.source}>"

    @property
    def issued(self) -> Issued | None:
        """The credentials being served and their expiry, if any yet."""
        return self._issued

    async def __call__(self) -> Credentials:
        """Return current credentials, refreshing them as the windows say.

        Returns:
            Credentials to sign with.

        Raises:
            ConfigurationError: a refresh the call had to wait for failed.
        """
        issued = self._issued
        now = self._clock()
        if issued is None:
            return (await self._wait()).credentials
        state = self._state(issued, now)
        if state == "mandatory":
            return (await self._wait()).credentials
        if state == "advisory" and self._task is None and now >= self._next_background:
            self._start(background=True)
        return issued.credentials

    async def refresh_after_rejection(self, access_key_id: str) -> bool:
        """Refresh because the service said the credentials with this key id expired.

        Calls that were rejected with credentials already replaced do not
        refresh again; concurrent ones share one refresh.

        Args:
            access_key_id: the key id of the rejected credentials.

        Returns:
            True: the next credentials may differ, so a retry is worth it.

        Raises:
            ConfigurationError: the refresh failed.
        """
        issued = self._issued
        if self._task is None and (
            issued is not None and issued.credentials.access_key_id != access_key_id
        ):
            return True
        await self._wait()
        return True

    def _state(self, issued: Issued, now: float) -> str:
        if issued.expires is None:
            return "fresh"
        policy = self.policy
        lifetime = max(issued.expires - issued.fetched, 0.0)
        advisory = min(policy.advisory, lifetime / 2)
        mandatory = min(policy.mandatory, lifetime / 3)
        remaining = issued.expires - now
        if remaining <= mandatory and now - issued.fetched >= policy.min_interval:
            return "mandatory"
        if remaining <= advisory:
            return "advisory"
        return "fresh"

    async def _wait(self) -> Issued:
        task = self._task if self._task is not None else self._start(background=False)
        # Shielded: a caller that is cancelled (its own timeout) must not
        # cancel the refresh the other callers wait for.
        return await asyncio.shield(task)

    def _start(self, *, background: bool) -> asyncio.Task[Issued]:
        task = asyncio.get_running_loop().create_task(self._run())
        self._task = task
        task.add_done_callback(lambda done: self._finished(done, background))
        return task

    async def _run(self) -> Issued:
        self.refreshes += 1
        issued = await self._fetch()
        if issued.expires is not None and issued.expires - self._clock() <= 0:
            logger.warning(
                "credentials from %s are already expired when handed out; using them anyway",
                self.source,
            )
        self._issued = issued
        return issued

    def _finished(self, task: asyncio.Task[Issued], background: bool) -> None:
        if self._task is task:
            self._task = None
        if task.cancelled():
            return
        error = task.exception()  # retrieved here, so an unawaited failure never warns
        if error is not None:
            self._next_background = self._clock() + self.policy.retry_delay
            if background:
                logger.warning(
                    "refreshing credentials from %s failed (retrying in %.0fs; the current "
                    "ones serve until the mandatory window): %s",
                    self.source,
                    self.policy.retry_delay,
                    error,
                )
