"""Cursor pagination: walks `after=list_metadata.after` until it is null."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from gatehouse_client.types import UNSET

from .errors import unwrap


def paginate(fetch: Callable[..., Any], limit: int = 100, **params: Any) -> Iterator[Any]:
    """Yields every item of a list endpoint.

    `fetch` is a generated `sync_detailed` function (e.g. `get_organizations.sync_detailed`);
    `params` are its other arguments (`client=...`, filters)."""
    after: Any = UNSET
    while True:
        page = unwrap(fetch(limit=limit, after=after, **params))
        yield from page.data
        cursor = page.list_metadata.after
        if not cursor:
            return
        after = cursor
