"""Walk every page of a start/take listing, in parallel when DocuSign says how many there are.

Why: a 10,000-user account is 100 pages of 100. Following ``paging.next`` one page at a time
costs 100 round trips back to back; once the first page reports ``total_set_size`` the remaining
start positions are known, so they are fetched concurrently on a bounded pool, in order. When the
total is unknown (or the set grew meanwhile) ``paging.next`` is followed as DocuSign wrote it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from tools.docusign.models import PagingResponseProperties

T = TypeVar("T")

# One page: (items, paging) for the given start position (and any query overrides from `next`).
FetchPage = Callable[[int, dict[str, str]], tuple[list[T], PagingResponseProperties | None]]

MAX_PAGES = 100_000


class PagingError(RuntimeError):
    """DocuSign's paging went round in circles (a ``next`` that does not move forward)."""


def next_query(next_url: str) -> dict[str, str]:
    """The query parameters of a ``paging.next`` link (absolute or relative)."""
    return dict(parse_qsl(urlsplit(next_url).query, keep_blank_values=True))


def _next_start(paging: PagingResponseProperties | None, start: int, count: int) -> int:
    if paging is not None and paging.result_set_end_position is not None:
        return paging.result_set_end_position + 1
    return start + count


def collect(fetch: FetchPage[T], take: int, executor: Executor | None) -> list[T]:
    """Every item of the listing, in DocuSign's order."""
    items, paging = fetch(0, {})
    items = list(items)
    start = _next_start(paging, 0, len(items))
    total = paging.total_set_size if paging is not None else None

    if executor is not None and total is not None and paging is not None and paging.next and start < total:
        starts = list(range(start, total, take))
        # each worker runs in a copy of the caller's context, so the audit record of page N
        # still names the actor and session that asked for the listing
        contexts = [contextvars.copy_context() for _ in starts]
        pages = list(executor.map(lambda s, ctx: ctx.run(fetch, s, {}), starts, contexts))
        for page_start, (page_items, page_paging) in zip(starts, pages, strict=True):
            items.extend(page_items)
            paging = page_paging
            start = _next_start(page_paging, page_start, len(page_items))
            if not page_items:
                break

    seen_starts: set[int] = set()
    while paging is not None and paging.next:
        override = next_query(paging.next)
        start = int(override.pop("start", start))
        if start in seen_starts or len(seen_starts) > MAX_PAGES:
            raise PagingError(f"paging.next {paging.next!r} does not advance; stopped to avoid a loop")
        seen_starts.add(start)
        page_items, paging = fetch(start, override)
        items.extend(page_items)
        if not page_items:
            break
        start = _next_start(paging, start, len(page_items))
    return items
