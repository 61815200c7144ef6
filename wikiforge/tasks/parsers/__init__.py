"""Page -> TaskMap: pick the site parser for the URL, else the generic schema.org parser.

`parse_document` never raises on a bad page: it returns (None, reason) and the caller counts
the reason. Rejects follow OAT's rules (no title, no steps; a recipe page with no requirements)
but without OAT's bug that skipped the first configured domain (wikiHow).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml.etree import ParserError

from wikiforge.tasks.parsers import schema_org, seriouseats, wikihow
from wikiforge.tasks.parsers.html import parse_html
from wikiforge.tasks.parsers.model import ParsedTask, build_taskmap
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
    parser: str = ""
    parsed: ParsedTask | None = None  # what was found, also for rejected pages


def parse_page(html: str, url: str) -> ParsedTask | None:
    """Run the matching site parser (falling back to schema.org) on one page."""
    root = parse_html(html)
    for _, matches, parser in SITE_PARSERS:
        if matches(url):
            parsed = parser(root, html, url)
            if parsed is not None and parsed.steps:
                return parsed
            break
    return schema_org.parse(root, html, url)


def parse_document(html: str, url: str, dataset: str = "common-crawl") -> ParseResult:
    """Parse one page into a TaskMap, or say why not."""
    try:
        parsed = parse_page(html, url)
    except (ValueError, ParserError) as exc:
        return ParseResult(None, f"unparseable_html: {exc}")
    if parsed is None:
        return ParseResult(None, "no_task_found")
    if not parsed.title:
        return ParseResult(None, "no_title", parsed.parser, parsed)
    if not parsed.steps:
        return ParseResult(None, "no_steps", parsed.parser, parsed)
    return ParseResult(build_taskmap(parsed, dataset), "ok", parsed.parser, parsed)
