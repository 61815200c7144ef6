"""Shared fixtures of the graph line's tests: the bundled real Chamorro Wikipedia SQL dumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.support.graph_generate import chwiki_sample_graph
from wikiforge.graph.link_graph import LinkGraph

REPO = Path(__file__).resolve().parents[2]
CHWIKI = REPO / "samples/dumps/chwiki/20240501"


def chwiki_dump(table: str) -> Path:
    """Path of one bundled chwiki SQL dump."""
    return CHWIKI / f"chwiki-20240501-{table}.sql.gz"


@pytest.fixture(scope="session")
def chwiki_graph() -> LinkGraph:
    """The link graph of the whole Chamorro Wikipedia (current pagelinks schema)."""
    return chwiki_sample_graph(CHWIKI)
