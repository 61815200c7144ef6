"""File uses in wikitext: what the ``imagelinks`` table would record for an article.

Three kinds of markup embed a file, and all three are found here, in one pass of regular
expressions (a whole wiki goes through quickly; a full parse is 50-100x slower):

* ``[[File:Name.jpg|thumb|...]]`` and ``[[Media:Name.ogg]]`` under any of the wiki's File/Media
  prefixes and aliases (case-insensitive, ``_`` and space alike). ``[[:File:X]]`` links to the
  description page and embeds nothing, so it is not a use.
* ``<gallery>`` lines (the prefix is optional there) and the image line of ``<imagemap>``.
* template parameters whose value is a bare file name (``| image = Name.jpg``): infoboxes and
  most image templates pass the file this way. Only picture extensions count here, so that
  ``| caption = see fig.png`` style text is rare and ``| file = song.ogg`` is not mistaken.

Files that templates build from other parameters (``{{flagicon|Guam}}``) are invisible to any
wikitext reading: only the real ``imagelinks`` table has them (they are mostly icons anyway).
Markup inside comments, ``<nowiki>``, ``<pre>``, ``<math>`` and code blocks is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from wikiforge.images.files import IMAGE_EXTENSIONS, normalize_file_name

_NOT_WIKITEXT = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(nowiki|pre|math|syntaxhighlight|source|code|score|chem|ce|graph|timeline)\b[^>]*?"
    r"(?:/>|>.*?(?:</\1\s*>|\Z))",
    re.DOTALL | re.IGNORECASE,
)
_GALLERY = re.compile(
    r"<(gallery|imagemap)\b[^>]*?(?:/>|>(.*?)(?:</\1\s*>|\Z))", re.DOTALL | re.IGNORECASE
)
_EXTENSIONS = "|".join(sorted(IMAGE_EXTENSIONS, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class FileUse:
    """One file an article uses, where it is first used and how.

    Attributes:
        image: The file name in database form (``Flag_of_Guam.svg``).
        offset: Code-point offset of the first use in the wikitext.
        origin: ``link`` (``[[File:...]]``), ``gallery``, ``imagemap`` or ``template``.
    """

    image: str
    offset: int
    origin: str


@lru_cache(maxsize=256)
def _patterns(
    prefixes: tuple[str, ...],
) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    names = "|".join(
        r"[ _]*".join(re.escape(part) for part in name.split(" ")) for name in prefixes
    )
    link = re.compile(r"\[\[[ _]*(?:" + names + r")[ _]*:[ _]*([^|\]\[\n{}<>]+)", re.IGNORECASE)
    prefixed = re.compile(r"^[ _]*(?:" + names + r")[ _]*:[ _]*(.*)$", re.IGNORECASE | re.DOTALL)
    template = re.compile(
        r"\|[ \t]*[^=|{}\[\]\n]{1,60}?[ \t]*=[ \t]*"
        r"(?:(?:" + names + r")[ _]*:[ _]*)?"
        r"([^=|{}\[\]<>\n]{1,240}?\.(?:" + _EXTENSIONS + r"))"
        r"[ \t]*(?=\||\}\}|\n|<!--)",
        re.IGNORECASE,
    )
    return link, prefixed, template


def _skipped_ranges(wikitext: str) -> list[tuple[int, int]]:
    if "<" not in wikitext:
        return []
    return [m.span() for m in _NOT_WIKITEXT.finditer(wikitext)]


def _inside(offset: int, ranges: list[tuple[int, int]]) -> bool:
    # Few ranges per page: a linear scan is faster than bisect bookkeeping.
    return any(start <= offset < end for start, end in ranges)


def extract_file_uses(wikitext: str, prefixes: Sequence[str]) -> list[FileUse]:
    """Every distinct file the wikitext embeds, in order of first use.

    Args:
        wikitext: The page source.
        prefixes: The wiki's File/Media prefixes (see ``files.file_prefixes``).

    Returns:
        One ``FileUse`` per distinct normalised file name, sorted by offset.
    """
    link, prefixed, template = _patterns(tuple(prefixes))
    skipped = _skipped_ranges(wikitext)
    found: dict[str, FileUse] = {}

    def add(raw: str, offset: int, origin: str) -> None:
        name = normalize_file_name(raw)
        if name is None or _inside(offset, skipped):
            return
        previous = found.get(name)
        if previous is None or offset < previous.offset:
            found[name] = FileUse(name, offset, origin)

    if "[[" in wikitext:
        for match in link.finditer(wikitext):
            add(match.group(1), match.start(), "link")
    if "<" in wikitext:
        for match in _GALLERY.finditer(wikitext):
            body = match.group(2) or ""
            kind = match.group(1).lower()
            body_start = match.start(2) if match.group(2) is not None else match.end()
            line_start = body_start
            for line in body.split("\n"):
                entry = line.split("|", 1)[0].strip()
                offset = line_start
                line_start += len(line) + 1
                if not entry:
                    continue
                has_prefix = prefixed.match(entry)
                if kind == "imagemap":
                    # The first non-blank line is the image; it must carry a prefix.
                    if has_prefix:
                        add(has_prefix.group(1), offset, "imagemap")
                    break
                add(has_prefix.group(1) if has_prefix else entry, offset, "gallery")
    if "=" in wikitext and "|" in wikitext:
        for match in template.finditer(wikitext):
            add(match.group(1), match.start(1), "template")
    return sorted(found.values(), key=lambda use: use.offset)
