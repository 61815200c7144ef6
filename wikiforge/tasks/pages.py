"""Saved HTML pages in a folder (e.g. `Save page as...` or a scraper's output) as HTMLDocuments.

The URL comes from the page's `<link rel="canonical">`, else `og:url`, else a `file://` URL of
the saved file, so parsers that dispatch on the URL still work on saved pages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from wikiforge.tasks.records import HTMLDocument, registered_domain
from wikiforge.tasks.warc import MAX_HTML_BYTES, decode_html

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".testhtml")
_CANONICAL = re.compile(r"<link\b[^>]*\brel\s*=\s*[\"']?canonical[\"']?[^>]*>", re.I)
_OG_URL = re.compile(r"<meta\b[^>]*\bproperty\s*=\s*[\"']og:url[\"'][^>]*>", re.I)
_HREF = re.compile(r"\b(?:href|content)\s*=\s*[\"']([^\"']+)[\"']", re.I)


def canonical_url(html: str) -> str:
    """The page's canonical URL (`<link rel=canonical>`, then `og:url`), or ''."""
    head = html[:400_000]
    for pattern in (_CANONICAL, _OG_URL):
        for tag in pattern.finditer(head):
            href = _HREF.search(tag.group(0))
            if href and href.group(1).startswith(("http://", "https://")):
                return href.group(1).strip()
    return ""


def read_page(path: str | Path, url: str | None = None) -> HTMLDocument:
    """One saved page as an HTMLDocument (URL given, else canonical link, else file URL)."""
    path = Path(path)
    html = decode_html(path.read_bytes(), None)
    url = url or canonical_url(html) or path.resolve().as_uri()
    return HTMLDocument(
        url=url,
        html=html,
        url_host_registered_domain=registered_domain(url),
        fetch_status=200,
        warc_filename=str(path.name),
    )


def iter_page_folder(folder: str | Path, counts: Counter | None = None) -> Iterator[HTMLDocument]:
    """Every HTML file under `folder` (recursively, in sorted path order)."""
    folder = Path(folder)
    counts = counts if counts is not None else Counter()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix.lower() not in HTML_SUFFIXES:
            counts["skipped_not_html_file"] += 1
            continue
        if path.stat().st_size > MAX_HTML_BYTES:
            counts["skipped_too_large"] += 1
            continue
        counts["html_documents"] += 1
        doc = read_page(path)
        yield HTMLDocument(**{**doc.to_row(), "warc_filename": str(path.relative_to(folder))})
