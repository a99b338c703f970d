"""The mapping waiter's pure part: the states a mapping goes through, and what each means.

No I/O: :meth:`AsyncClient.wait_for_event_source_mapping` polls, and
:func:`wait_outcome` decides after each poll whether it is done, waits on, or
can never get there. ``ensure_event_source_mapping`` uses :data:`TRANSITIONAL`
to let a changing mapping settle before comparing it.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["SETTLED", "STATES", "TRANSITIONAL", "WAIT_TARGETS", "wait_outcome"]

#: The states a mapping goes through, as Lambda reports them. The service
#: model types ``State`` as a plain string, so the list is the library's.
STATES = (
    "Creating",
    "Enabling",
    "Enabled",
    "Disabling",
    "Disabled",
    "Updating",
    "Deleting",
)

#: States a mapping rests in; every other known state leads to one of these.
SETTLED = frozenset({"Enabled", "Disabled"})
#: States that end by themselves (Deleting ends with the mapping gone).
TRANSITIONAL = frozenset({"Creating", "Enabling", "Disabling", "Updating"})

#: The states :meth:`AsyncClient.wait_for_event_source_mapping` can wait for.
WAIT_TARGETS = ("Enabled", "Disabled", "Deleted")
#: For each target, the states from which it can still be reached.
_PENDING: Mapping[str, frozenset[str]] = {
    "Enabled": frozenset({"Creating", "Enabling", "Updating"}),
    "Disabled": frozenset({"Creating", "Disabling", "Updating"}),
    "Deleted": frozenset(STATES),
    "settled": TRANSITIONAL,
}


def wait_outcome(target: str, state: str | None) -> str:
    """Decide what a waiter does after seeing ``state``.

    Args:
        target: one of :data:`WAIT_TARGETS`, or ``"settled"`` (any of :data:`SETTLED`).
        state: the mapping's state, or ``None`` when Lambda did not report one.

    Returns:
        ``"done"``, ``"wait"`` or ``"unreachable"``. An unknown state (one
        Lambda adds in the future) means wait: the deadline still bounds it.

    Raises:
        ValueError: ``target`` is not one of them (the client checks it first).
    """
    if target not in _PENDING:
        raise ValueError(f"unknown wait target {target!r}; expected one of {sorted(_PENDING)}")
    if state == target or (target == "settled" and state in SETTLED):
        return "done"
    if state is None or state in _PENDING[target]:
        return "wait"
    return "unreachable" if state in STATES else "wait"
