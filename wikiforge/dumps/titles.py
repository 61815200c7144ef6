"""MediaWiki's rules for a valid page title, as a pure function.

The checks follow ``MediaWikiTitleCodec::splitTitleString`` (MediaWiki core): characters outside
``$wgLegalTitleChars``, percent-escapes, HTML-entity look-alikes, relative path segments, three
tildes (signature syntax), an empty name and names longer than 255 bytes are rejected. The input is
a title as dumps write it (namespace prefix included, spaces not underscores).
"""

from __future__ import annotations

import re

__all__ = ["MAX_TITLE_BYTES", "invalid_title_reason", "split_namespace_prefix"]

MAX_TITLE_BYTES = 255

# Characters MediaWiki never allows in a title: the complement of $wgLegalTitleChars in ASCII
# (controls, DEL, # < > [ ] { | }) and U+FFFD (what invalid bytes were decoded to).
_ILLEGAL_CHARS = re.compile(r"[\x00-\x1f\x7f#<>\[\]{|}\ufffd]")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_ENTITY_LIKE = re.compile(r"&[A-Za-z0-9\x80-\uffff]+;")


def split_namespace_prefix(title: str) -> tuple[str, str] | None:
    """Split ``"Prefix:rest"`` into its two parts (``None`` when there is no colon).

    Args:
        title: A full page title.

    Returns:
        The prefix and the rest, neither stripped of anything but the colon.
    """
    prefix, sep, rest = title.partition(":")
    if not sep:
        return None
    return prefix, rest


def invalid_title_reason(title: str, *, namespace: int = 0, namespace_name: str = "") -> str | None:
    """Say why ``title`` is not a valid MediaWiki title, or return ``None`` when it is valid.

    Args:
        title: The full title as written in a dump (with its namespace prefix).
        namespace: The page's namespace number.
        namespace_name: The local name of that namespace; when the title starts with it and a
            colon, the length and emptiness rules apply to the rest, as in MediaWiki.

    Returns:
        A short reason (``"empty"``, ``"illegal character"``, ...) or ``None``.
    """
    if not title or not title.strip(" _"):
        return "empty"
    if title[0] == ":" or title[0] == " " or title[-1] == " ":
        return "not normalised (leading colon or surrounding space)"
    name = title
    if namespace != 0 and namespace_name:
        head = title[: len(namespace_name) + 1]
        if head[:-1].casefold() == namespace_name.casefold() and head.endswith(":"):
            name = title[len(namespace_name) + 1 :]
            if not name.strip(" _"):
                return "empty name after the namespace prefix"
    if _ILLEGAL_CHARS.search(title):
        return "illegal character"
    if "%" in title and _PERCENT_ESCAPE.search(title):
        return "percent-escape"
    if "&" in title and _ENTITY_LIKE.search(title):
        return "HTML entity"
    if "." in name and (
        name in (".", "..")
        or name.startswith(("./", "../"))
        or "/./" in name
        or "/../" in name
        or name.endswith(("/.", "/.."))
    ):
        return "relative path"
    if "~~~" in name:
        return "three tildes"
    if namespace != -1 and len(name.encode("utf-8")) > MAX_TITLE_BYTES:
        return "longer than 255 bytes"
    return None
