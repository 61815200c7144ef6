"""Wiki identifiers: what a database name such as `hawiki` says about the wiki."""

from __future__ import annotations


def language_of(wiki: str) -> str:
    """The language code of a wiki's database name: `hawiki` -> `ha`, `zh_yuewiki` -> `zh-yue`."""
    base = wiki[:-4] if wiki.endswith("wiki") else wiki
    return base.replace("_", "-")
