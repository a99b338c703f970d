"""The keywords of the List operations, on both wire versions, and their check.

``list_event_sources`` (2014-11-13) and ``list_event_source_mappings``
(2015-03-31) take the same filters and paging, and so do the two ``iter_*``
methods. The keywords are typed here once, as the ``TypedDict``\\s of their
``**query: Unpack[...]``, so that type checkers and IDEs know every keyword
and its type, and a method states only what its wire version adds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from ._errors import ParamTypeError

__all__ = ["MAX_EMPTY_PAGES", "IterQuery", "ListQuery", "MappingFilters", "check_query"]

#: How many empty pages in a row that still carry a next marker are followed.
MAX_EMPTY_PAGES = 100


class MappingFilters(TypedDict, total=False):
    """Which mappings a List call returns: those matching every filter given.

    Attributes:
        event_source_arn: only mappings of this source (the legacy API sends it
            as ``EventSource``).
        function_name: only mappings of this function (the current API also
            takes its ARN or a partial ARN).
    """

    event_source_arn: str | None
    function_name: str | None


class ListQuery(MappingFilters, total=False):
    """The keywords of one page's request: the filters and where the page starts.

    Attributes:
        marker: the ``next_marker`` of the previous page.
        max_items: the most mappings on this page, 1 to 10,000.
    """

    marker: str | None
    max_items: int | None


class IterQuery(MappingFilters, total=False):
    """The keywords of an iteration over every page: the filters and its pace.

    Attributes:
        page_size: mappings per request, 1 to 10,000 (the service's default if
            ``None``).
        max_empty_pages: how many empty pages in a row that still carry a next
            marker are followed before giving up (default 100).
    """

    page_size: int | None
    max_empty_pages: int


def check_query(method: str, query: Mapping[str, object], kind: type[Mapping[str, object]]) -> None:
    """Refuse a keyword that the query type does not name, as Python would.

    ``**query`` accepts any keyword at run time; a type checker catches a typo,
    but a caller without one must still get an error before anything is sent.

    Args:
        method: the public method's name, for the message.
        query: the keywords the caller passed.
        kind: the method's query ``TypedDict``.

    Raises:
        ParamTypeError: a keyword that ``kind`` does not name (also a ``TypeError``,
            as an unexpected keyword argument is).
    """
    known = kind.__annotations__
    for name in query:
        if name not in known:
            raise ParamTypeError(
                name, f"is not a keyword of {method}(); it takes {', '.join(known)}"
            )
