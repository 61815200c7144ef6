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
from wikiforge.wikitext.skipped import skipped_ranges

_GALLERY = re.compile(
    r"<(gallery|imagemap)\b[^>]*?(?:/>|>(.*?)(?:</\1\s*>|\Z))", re.DOTALL | re.IGNORECASE
)
_EXTENSIONS = "|".join(sorted(IMAGE_EXTENSIONS, key=len, reverse=True))
_HEADING = re.compile(r"^=+[^=\n].*?=+[ \t]*$", re.MULTILINE)
_SIZE = re.compile(r"^\s*(\d+)?\s*(?:x\s*(\d+))?\s*px\s*$", re.IGNORECASE)
_FRAME_WORD = re.compile(
    r"^\s*(thumb|thumbnail|mini|miniatur|miniatura|vignette|frame|framed|frameless|мини|міні|"
    r"μικρογραφία|サムネイル|left|right|center|links|rechts)\s*$",
    re.IGNORECASE,
)
_UPRIGHT = re.compile(r"^\s*upright\s*(?:=?\s*([0-9.]+))?\s*$", re.IGNORECASE)
#: MediaWiki's default thumbnail width ($wgThumbLimits / the "thumb" option), in pixels: what a
#: framed or thumbnail picture without a size is shown at.
THUMB_WIDTH = 220
#: What an infobox shows a picture named by a template parameter at: infobox templates render
#: their main picture at 220-300 px (PageImages sees the rendered size).
TEMPLATE_WIDTH = 250


def _link_options(wikitext: str, start: int) -> list[str]:
    """The ``|``-separated options of the link whose name ends at ``start``, up to ``]]``
    (captions with nested links are skipped over).
    """
    depth, i, end = 0, start, min(len(wikitext), start + 2000)
    while i < end:
        if wikitext.startswith("[[", i):
            depth, i = depth + 1, i + 2
        elif wikitext.startswith("]]", i):
            if depth == 0:
                break
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return wikitext[start:i].split("|")[1:]


def declared_size(options: list[str]) -> tuple[int | None, int | None]:
    """The width and height a link's options show the picture at (see ``FileUse``)."""
    framed = False
    for option in options:
        size = _SIZE.match(option)
        if size and (size.group(1) or size.group(2)):
            width = int(size.group(1)) if size.group(1) else None
            return width, int(size.group(2)) if size.group(2) else None
        upright = _UPRIGHT.match(option)
        if upright:
            factor = float(upright.group(1)) if upright.group(1) else 0.75
            return round(THUMB_WIDTH * factor / 10) * 10, None
        # Any option but the caption (the last one) is a frame/thumb/placement keyword, in any
        # of the languages' spellings (thumb, mini, vignette, мини...).
        framed = framed or option is not options[-1] or bool(_FRAME_WORD.match(option))
    return (THUMB_WIDTH if framed else None), None


@dataclass(frozen=True, slots=True)
class FileUse:
    """One file an article uses, where it is first used and how.

    Attributes:
        image: The file name in database form (``Flag_of_Guam.svg``).
        offset: Code-point offset of the first use in the wikitext.
        origin: ``link`` (``[[File:...]]``), ``gallery``, ``imagemap`` or ``template``.
        in_lead: The first use is in the lead section (before the first heading).
        width: The width it is shown at, in pixels, when the markup says (``220px``,
            ``x150px``, ``upright``, a thumbnail's default 220 px); None when it is shown at
            its own size (unknown without the file) or in a gallery.
        height: The declared height (``x150px``, ``200x150px``), or None.
    """

    image: str
    offset: int
    origin: str
    in_lead: bool = True
    width: int | None = None
    height: int | None = None


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
    skipped = skipped_ranges(wikitext)
    heading = next(
        (m.start() for m in _HEADING.finditer(wikitext) if not _inside(m.start(), skipped)),
        len(wikitext),
    )
    found: dict[str, FileUse] = {}

    def add(
        raw: str, offset: int, origin: str, size: tuple[int | None, int | None] = (None, None)
    ) -> None:
        name = normalize_file_name(raw)
        if name is None or _inside(offset, skipped):
            return
        previous = found.get(name)
        if previous is None or offset < previous.offset:
            found[name] = FileUse(name, offset, origin, offset < heading, *size)

    if "[[" in wikitext:
        for match in link.finditer(wikitext):
            options = _link_options(wikitext, match.end())
            add(match.group(1), match.start(), "link", declared_size(options))
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
            add(match.group(1), match.start(1), "template", (TEMPLATE_WIDTH, None))
    return sorted(found.values(), key=lambda use: use.offset)
