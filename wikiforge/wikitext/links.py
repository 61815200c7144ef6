"""Wikilink extraction: every `[[target|anchor]]` with its exact position in the wikitext.

A regular expression (research-mwaddlink's, see
docs/references.md#mwaddlink) rather than a full parse, so a whole
wiki goes through quickly; links inside comments, `<nowiki>`, `<pre>`, `<math>` and code blocks
are not links and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wikiforge.wikitext.skipped import skipped_ranges
from wikiforge.wikitext.titles import normalize_title

_LINK = re.compile(r"\[\[([^\n|\]\[<>{}]{0,256})(?:\|([^\[]*?))?\]\]")
_QUOTES = re.compile(r"'{2,}")


@dataclass(frozen=True, slots=True)
class WikiLink:
    """One wikilink as written.

    Attributes:
        target: the normalised target title (no fragment), or None if the target is invalid.
        target_raw: the target as written.
        anchor: the link text as written (the target as written when there is no `|text`),
            with bold/italic quote markup removed.
        offset: code-point offset of `[[` in the wikitext.
        length: length of the whole `[[...]]` markup.
    """

    target: str | None
    target_raw: str
    anchor: str
    offset: int
    length: int


def extract_links(
    wikitext: str, language_code: str | None = None, capitalize: bool = True
) -> list[WikiLink]:
    """Every wikilink of `wikitext` in order of position.

    Args:
        wikitext: the page source.
        language_code: the wiki's language (title casing).
        capitalize: whether the wiki capitalises the first letter of titles.

    Returns:
        The links, including those to other namespaces (`File:`, `Category:`, interwiki):
        callers keep the targets that resolve to articles.
    """
    if "[[" not in wikitext:
        return []
    skipped = skipped_ranges(wikitext)
    links = []
    skip_index = 0
    for match in _LINK.finditer(wikitext):
        start = match.start()
        while skip_index < len(skipped) and skipped[skip_index][1] <= start:
            skip_index += 1
        if skip_index < len(skipped) and skipped[skip_index][0] <= start:
            continue
        target_raw, anchor = match.group(1), match.group(2)
        if anchor is None or not anchor.strip():
            anchor = target_raw
        if "''" in anchor:
            anchor = _QUOTES.sub("", anchor)
        links.append(
            WikiLink(
                target=normalize_title(target_raw, language_code, capitalize),
                target_raw=target_raw,
                anchor=anchor.strip(),
                offset=start,
                length=match.end() - start,
            )
        )
    return links


def replace_links_with_anchors(wikitext: str) -> str:
    """The text with every wikilink replaced by its anchor (what a reader sees of it)."""
    parts = []
    cursor = 0
    for link in extract_links(wikitext):
        parts.append(wikitext[cursor : link.offset])
        parts.append(link.anchor)
        cursor = link.offset + link.length
    parts.append(wikitext[cursor:])
    return "".join(parts)
