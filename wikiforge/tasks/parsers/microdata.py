"""Layers 2 and 3 input: schema.org items in microdata (extruct) and RDFa, as JSON-LD-shaped dicts.

RDFa is read here in document order (`typeof` scopes, `property` values) rather than through
extruct's rdflib graph, which returns a property's values in arbitrary order: ingredient lists
and steps would come out shuffled.
"""

from __future__ import annotations

from collections.abc import Iterator

from wikiforge.tasks.parsers.html import element_text
from wikiforge.tasks.parsers.jsonld import walk


def microdata_objects(html: str, url: str) -> Iterator[dict]:
    """schema.org items from microdata, shaped like JSON-LD (`@type` + properties)."""
    if "itemtype" not in html:
        return
    from extruct.w3cmicrodata import MicrodataExtractor

    try:
        items = MicrodataExtractor().extract(html, base_url=url)
    except Exception:  # noqa: BLE001 - extruct raises assorted errors on broken markup
        return
    for item in items:
        for obj in walk(item):
            if "type" in obj and "properties" in obj:
                flat = dict(obj["properties"])
                flat["@type"] = obj["type"]
                yield flat


def _local_name(term: str) -> str:
    return term.rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1]


def _rdfa_value(element):
    """A property's value: a nested item, the `content`/`href`/`src` attribute, or the text."""
    if element.get("typeof") is not None:
        return _rdfa_item(element)
    for attr in ("content", "href", "src", "resource"):
        if element.get(attr):
            return element.get(attr)
    return element_text(element)


def _rdfa_item(scope) -> dict:
    """The properties of one `typeof` scope, in document order (nested scopes not descended)."""
    item: dict = {"@type": [_local_name(t) for t in (scope.get("typeof") or "").split()]}
    stack = list(reversed([c for c in scope if isinstance(c.tag, str)]))
    while stack:
        element = stack.pop()
        for prop in (element.get("property") or "").split():
            item.setdefault(_local_name(prop), []).append(_rdfa_value(element))
        if element.get("typeof") is None:
            stack.extend(reversed([c for c in element if isinstance(c.tag, str)]))
    return item


def rdfa_objects(root) -> Iterator[dict]:
    """Top-level RDFa items (`typeof` not inside another item's property) and their children."""
    for scope in root.xpath("//*[@typeof]"):
        if scope.get("property") and any(
            a.get("typeof") is not None for a in scope.iterancestors()
        ):
            continue
        yield from walk(_rdfa_item(scope))
