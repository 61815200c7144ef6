"""Page -> TaskMap: the site parser for the URL (wikiHow, Serious Eats), else the generic
layered extractor (`generic`), which works on any site.

`parse_document` never raises on a bad page: it returns (None, reason) and the caller counts
the reason (`unparseable_html`, `no_task_markup`, `not_a_task_page:<kind>`,
`markup_without_steps`, `ingredients_without_steps`, `no_title`). Rejects follow OAT's rules
(no title, no steps) but without OAT's bug that skipped the first configured domain (wikiHow).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml.etree import ParserError

from wikiforge.tasks.parsers import generic, seriouseats, wikihow
from wikiforge.tasks.parsers.html import parse_html
from wikiforge.tasks.parsers.model import ParsedTask, build_taskmap
from wikiforge.tasks.parsers.rules import ALL_RULES
from wikiforge.tasks.proto import TaskMap

SITE_PARSERS = (
    ("wikihow", wikihow.is_wikihow, wikihow.parse),
    ("seriouseats", seriouseats.is_seriouseats, seriouseats.parse),
)


@dataclass(frozen=True)
class ParseResult:
    """A TaskMap, or None with the reason the page was rejected."""

    taskmap: TaskMap | None
    reason: str
    parser: str = ""  # the layer that produced it (also the TaskMap's extraction_layer)
    parsed: ParsedTask | None = None  # what was found, also for rejected pages


def parse_page(html: str, url: str, rules: frozenset[str] = ALL_RULES) -> generic.Extraction:
    """Run the matching site parser, falling back to the generic layered extractor."""
    root = parse_html(html)
    for _, matches, parser in SITE_PARSERS:
        if matches(url):
            parsed = parser(root, html, url)
            if parsed is not None and parsed.steps:
                return generic.Extraction(parsed)
            break
    return generic.extract(root, html, url, rules)


def parse_document(
    html: str, url: str, dataset: str = "common-crawl", rules: frozenset[str] = ALL_RULES
) -> ParseResult:
    """Parse one page into a TaskMap, or say why not. `rules` only differs from ALL_RULES in
    the leave-one-site-out bench, which switches rules off to judge them.
    """
    try:
        found = parse_page(html, url, rules)
    except (ValueError, ParserError) as exc:
        return ParseResult(None, f"unparseable_html: {exc}")
    parsed = found.parsed
    if found.reason != "ok":
        return ParseResult(None, found.reason, parsed.parser if parsed else "", parsed)
    assert parsed is not None
    if not parsed.title:
        return ParseResult(None, "no_title", parsed.parser, parsed)
    if not parsed.steps:
        return ParseResult(None, "markup_without_steps", parsed.parser, parsed)
    return ParseResult(build_taskmap(parsed, dataset), "ok", parsed.parser, parsed)
