"""Response shapes of the tasks endpoints."""

from __future__ import annotations

import msgspec


class TaskHit(msgspec.Struct):
    """One search result: enough to show a result list without fetching the TaskMap."""

    taskmap_id: str
    title: str
    source_url: str
    thumbnail_url: str
    domain_name: str
    steps: int
    score: float
    rank: int
    crawl: str


class TaskSearchResponse(msgspec.Struct):
    """Search results, best first."""

    query: str
    mode: str
    k: int
    hits: list[TaskHit]
    checksums: dict[str, str]
