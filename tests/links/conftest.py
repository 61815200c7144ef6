"""Shared fixtures of the links tests: page rows of the bundled sample wikis, small builds."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from pathlib import Path

import pytest

from wikiforge.dumps.xml_reader import read_pages
from wikiforge.links.build import LinkBuild, build_links

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_WIKIS = ("hawiki", "nvwiki", "enwiki", "jawiki", "elwiki", "ukwiki")


def dump_path(wiki: str) -> Path:
    """The bundled pages-articles dump of a sample wiki."""
    return next((SAMPLES / "dumps" / wiki).glob("*/*-pages-articles.xml.*"))


@cache
def page_rows(wiki: str) -> tuple[dict, ...]:
    """Every page of a sample wiki as a row dict (read once per test session)."""
    return tuple(asdict(page) for page in read_pages(dump_path(wiki)))


@cache
def quick_build(wiki: str) -> LinkBuild:
    """A build without embeddings (the slow part), enough to exercise candidate generation."""
    return build_links(page_rows(wiki), wiki, with_vectors=False, train_per_article=1)


@pytest.fixture(scope="session")
def hawiki_build() -> LinkBuild:
    """Hausa Wikipedia, no embeddings."""
    return quick_build("hawiki")
