"""Page title normalisation, as MediaWiki stores titles (and as the reference normalises links)."""

from __future__ import annotations

import contextlib
import html
import re
from urllib.parse import unquote

from wikiforge.wikitext.casing import upper_first

_SPACES = re.compile(r"[\s_\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Bidi marks MediaWiki strips from titles.
_INVISIBLE = re.compile(r"[\u200e\u200f\u202a-\u202e]")
_INVALID = re.compile(r"[\[\]{}<>|\x00-\x1f\x7f\ufffd]")

MAX_TITLE_LENGTH = 255


def normalize_title(
    raw: str, language_code: str | None = None, capitalize: bool = True
) -> str | None:
    """Normalise a link target or page title to MediaWiki's stored form.

    URL-decodes and HTML-unescapes, turns underscores and runs of whitespace into one space,
    strips, drops a `#fragment` and a leading `:`, and upper-cases the first character with the
    wiki language's rules (unless the wiki does not capitalise titles, like Wiktionary).

    Args:
        raw: the target as written, e.g. `new_York#History` or `:fr:Paris`.
        language_code: the wiki's language, for the casing rules.
        capitalize: whether the wiki capitalises the first letter of titles.

    Returns:
        The normalised title, or None when nothing valid remains (an empty target, a pure
        `#section` link, characters MediaWiki forbids in titles, or over 255 characters).
    """
    title = raw
    if "%" in title:
        with contextlib.suppress(UnicodeDecodeError):  # not percent-encoded UTF-8: keep as is
            title = unquote(title, errors="strict")
    if "&" in title:
        title = html.unescape(title)
    title = title.split("#", 1)[0]
    title = _INVISIBLE.sub("", title)
    title = _SPACES.sub(" ", title).strip()
    if title.startswith(":"):
        title = title[1:].strip()
    if not title or _INVALID.search(title) or len(title) > MAX_TITLE_LENGTH:
        return None
    if capitalize:
        title = upper_first(title, language_code)
    return title
