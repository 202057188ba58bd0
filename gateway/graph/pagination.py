"""Relay-style connections: `first` items after the opaque cursor `after`, with `pageInfo`."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

Node = TypeVar("Node")
Item = TypeVar("Item")

MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo
    total_count: int


class BadCursor(ValueError):
    pass


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor(f"not a cursor of this list: {cursor!r}") from error


def page(
    items: Sequence[Item],
    *,
    key: Callable[[Item], str],
    node: Callable[[Item], Node],
    first: int | None,
    after: str | None,
) -> Connection[Node]:
    """Return the connection of `items` (already in order, each with a unique `key`) from after the cursor."""
    count = min(MAX_PAGE, max(0, first if first is not None else 50))
    start = 0
    if after is not None:
        wanted = decode_cursor(after)
        keys = [key(item) for item in items]
        if wanted not in keys:
            raise BadCursor(f"not a cursor of this list: {after!r}")
        start = keys.index(wanted) + 1
    chosen = items[start : start + count]
    edges = [Edge(cursor=encode_cursor(key(item)), node=node(item)) for item in chosen]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=start + count < len(items), end_cursor=edges[-1].cursor if edges else None),
        total_count=len(items),
    )
