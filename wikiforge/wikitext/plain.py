"""Plain text of wikitext through mwparserfromhell, with exact positions.

Two views:
- `top_level_text`: the top-level text nodes (what the link recommender may link: never inside
  links, templates, tables, references, headings, bold/italic, comments or file links), each with
  its code-point offset and section, computed by walking the nodes (the reference uses
  `str.find`, which can land on an earlier identical text).
- `readable_items`: everything a reader sees, in order, with links as separate items (for the
  as-text counts, the embedding corpus and sentence extraction).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import mwparserfromhell
from mwparserfromhell.nodes import Comment, Heading, Tag, Template, Text, Wikilink

# Tags whose content is not prose.
_NON_PROSE_TAGS = frozenset(
    {
        "ref",
        "references",
        "math",
        "code",
        "pre",
        "nowiki",
        "gallery",
        "timeline",
        "score",
        "syntaxhighlight",
        "source",
        "chem",
        "ce",
        "graph",
        "mapframe",
        "maplink",
        "imagemap",
        "templatedata",
        "templatestyles",
        "hiero",
        "poem",
        "inputbox",
        "categorytree",
        "style",
        "script",
        "noinclude",
        "onlyinclude",
        "includeonly",
        "indicator",
        "div",
    }
)


# Tags dropped without interrupting the prose around them (a reference sits after a full stop).
_SILENT_TAGS = frozenset({"ref", "references", "indicator", "templatestyles"})


@dataclass(frozen=True, slots=True)
class TextSpan:
    """A top-level text node: `wikitext[offset:offset+len(text)] == text`."""

    offset: int
    text: str
    section: int


@dataclass(frozen=True, slots=True)
class TopLevelText:
    """The top-level text of a page and the titles of its sections (index 0 is the lead)."""

    spans: list[TextSpan]
    section_titles: list[str]


def parse(wikitext: str) -> mwparserfromhell.wikicode.Wikicode | None:
    """Parse wikitext; None if the parser gives up (it is never allowed to crash a caller)."""
    try:
        return mwparserfromhell.parse(wikitext, skip_style_tags=False)
    except Exception:  # noqa: BLE001 - any parser failure means "no usable text"
        return None


def top_level_text(wikitext: str) -> TopLevelText:
    """The top-level text nodes of `wikitext` with exact offsets and section numbers."""
    code = parse(wikitext)
    spans: list[TextSpan] = []
    titles = ["%LEAD%"]
    if code is None:
        return TopLevelText(spans, titles)
    offset = 0
    for node in code.nodes:
        if isinstance(node, Text):
            text = node.value
            if text and wikitext.startswith(text, offset):
                spans.append(TextSpan(offset, text, len(titles) - 1))
            offset += len(text)
            continue
        source = str(node)
        if isinstance(node, Heading):
            titles.append(node.title.strip_code().strip())
        offset += len(source)
    return TopLevelText(spans, titles)


def is_namespaced(target: str, namespace_prefixes: frozenset[str]) -> bool:
    """Whether a link target names another namespace or wiki (`File:`, `Category:`, `fr:`)."""
    head, colon, _ = target.lstrip(":").partition(":")
    return bool(colon) and head.strip().lower() in namespace_prefixes


# Canonical namespace names every wiki understands, plus their common aliases.
CANONICAL_NAMESPACE_PREFIXES = frozenset(
    {
        "media",
        "special",
        "talk",
        "user",
        "user talk",
        "project",
        "project talk",
        "file",
        "file talk",
        "image",
        "image talk",
        "mediawiki",
        "mediawiki talk",
        "template",
        "template talk",
        "help",
        "help talk",
        "category",
        "category talk",
        "portal",
        "wikipedia",
        "wikipedia talk",
        "wp",
        "module",
        "draft",
        "timedtext",
        "book",
        "wikt",
        "wiktionary",
        "commons",
        "meta",
        "m",
        "w",
        "s",
        "q",
        "n",
        "b",
        "v",
        "d",
        "mw",
    }
)


def readable_items(
    code: mwparserfromhell.wikicode.Wikicode, namespace_prefixes: frozenset[str]
) -> Iterator[tuple[str, str, str]]:
    """Walk what a reader sees, in order.

    Yields `("text", text, "")` for prose, `("link", target_as_written, anchor)` for a link to
    an article-namespace page, and `("break", "", "")` where prose is interrupted (a template,
    a reference, a heading boundary, a table): callers must not join text across a break.
    Bold, italic and similar formatting are unwrapped.
    """
    for node in code.nodes:
        if isinstance(node, Text):
            yield ("text", node.value, "")
        elif isinstance(node, Wikilink):
            target = str(node.title)
            if is_namespaced(target, namespace_prefixes) or "\n" in target:
                yield ("break", "", "")
                continue
            anchor = node.text.strip_code() if node.text is not None else target
            yield ("link", target, anchor.strip() or target)
        elif isinstance(node, Tag):
            tag = str(node.tag).strip().lower()
            if tag in _SILENT_TAGS:
                continue
            if tag in _NON_PROSE_TAGS or node.contents is None:
                yield ("break", "", "")
                continue
            if node.wiki_markup in ("''", "'''") or tag in (
                "b",
                "i",
                "u",
                "s",
                "small",
                "big",
                "span",
                "sup",
                "sub",
                "abbr",
            ):
                yield from readable_items(node.contents, namespace_prefixes)
            else:
                yield ("break", "", "")
                yield from readable_items(node.contents, namespace_prefixes)
                yield ("break", "", "")
        elif isinstance(node, Heading):
            yield ("break", "", "")
            yield from readable_items(node.title, namespace_prefixes)
            yield ("break", "", "")
        elif isinstance(node, Comment):
            continue
        else:  # templates, external links, arguments, HTML entities' neighbours
            if isinstance(node, Template) or not hasattr(node, "normalize"):
                yield ("break", "", "")
            else:  # HTML entity: it is prose
                yield ("text", node.normalize(), "")


@dataclass(frozen=True, slots=True)
class Prose:
    """The prose of a page: text chunks (never joined across a link or a break) and the links
    met in reading order, as `(position_in_items, target_as_written, anchor)`.
    """

    chunks: list[str]
    items: list[tuple[str, str, str]]


def prose(wikitext: str, namespace_prefixes: frozenset[str]) -> Prose:
    """Split a page into prose chunks; links and breaks end a chunk."""
    code = parse(wikitext)
    if code is None:
        return Prose([], [])
    items = list(readable_items(code, namespace_prefixes))
    chunks: list[str] = []
    current: list[str] = []
    for kind, value, _ in items:
        if kind == "text":
            current.append(value)
        else:
            if current:
                chunks.append("".join(current))
                current = []
    if current:
        chunks.append("".join(current))
    return Prose(chunks, items)
