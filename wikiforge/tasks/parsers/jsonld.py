"""Layer 1 input: schema.org objects of a page's JSON-LD blocks, read leniently.

Real pages break JSON in a handful of ways (HTML comments or CDATA around the block, raw
control characters in strings, trailing commas, several objects pasted one after another);
each is repaired before giving up. `@graph`, arrays and nested objects are all walked, so a
Recipe inside a WebPage's `mainEntity` or a `@graph` is found like a top-level one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_DEPTH = 12


def _concatenated_objects(text: str) -> list:
    """Several JSON values pasted one after another ("{...}{...}" or "{...};{...}")."""
    decoder = json.JSONDecoder(strict=False)
    items, pos = [], 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n;,":
            pos += 1
        if pos >= len(text):
            break
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        items.append(obj)
    return items


def load_json_lenient(text: str):
    """Parse one JSON-LD block; None when nothing can be recovered."""
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    text = text.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError:
        pass
    fixed = _TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", text))
    try:
        return json.loads(fixed, strict=False)
    except json.JSONDecodeError:
        return _concatenated_objects(fixed) or None


def schema_types(obj: dict) -> list[str]:
    """An object's types, lowercased, without vocabulary prefix (`schema:Recipe`, IRIs)."""
    raw = obj.get("@type") or obj.get("type") or []
    raw = raw if isinstance(raw, list) else [raw]
    return [str(t).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for t in raw]


def walk(obj, depth: int = 0) -> Iterator[dict]:
    """Every dict inside a JSON value (itself first), depth-first, `@context` skipped."""
    if depth > MAX_DEPTH:
        return
    if isinstance(obj, list):
        for item in obj:
            yield from walk(item, depth + 1)
    elif isinstance(obj, dict):
        yield obj
        for key, value in obj.items():
            if key != "@context" and isinstance(value, (dict, list)):
                yield from walk(value, depth + 1)


def jsonld_objects(root) -> Iterator[dict]:
    """Every JSON object (nested ones too) of the page's JSON-LD blocks."""
    for script in root.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        data = load_json_lenient(script.text or "")
        if data is not None:
            yield from walk(data)
