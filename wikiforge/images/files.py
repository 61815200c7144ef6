"""File names: one normal form, the File/Media namespace prefixes of a wiki, and the reference's
file-name filters.

Every file name in this line is kept in MediaWiki's database form (``Flag_of_Guam.svg``: no
namespace prefix, underscores for spaces, first letter upper-cased), the form ``imagelinks``
and ``page_props`` use, so that a file written ``[[Image:flag of Guam.svg]]``, ``Flag of
Guam.svg`` (a Wikidata P18 value) or ``Flag_of_Guam.svg`` is one file and never appears twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources

from wikiforge.wikitext.titles import normalize_title

#: Namespace numbers of file pages and of direct media links.
FILE_NAMESPACE = 6
MEDIA_NAMESPACE = -2

#: Names every wiki accepts, whatever its language (MediaWiki's canonical names and the
#: canonical alias ``Image``).
CANONICAL_FILE_PREFIXES = ("File", "Image", "Media")

#: Where the per-language names of the File and Media namespaces are kept (data, with provenance).
FILE_NAMESPACE_TABLE = "data/file_namespaces.json"


@lru_cache(maxsize=1)
def file_namespace_table() -> dict[str, tuple[str, ...]]:
    """Language code -> local names and aliases of the File and Media namespaces.

    Every Wikipedia language edition's names as its siteinfo reports them (MediaWiki core's
    ``$namespaceNames``/``$namespaceAliases`` of the language plus the cluster's per-wiki
    aliases), so that articles still written with an old name (``Hình:`` on Vietnamese,
    ``Ákwúkwó orünotu:`` on Igbo, ``Bild:`` on German wikis) are read. An XML dump's
    ``<siteinfo>`` lists only the current local name, never the aliases.
    """
    text = resources.files("wikiforge.images").joinpath(FILE_NAMESPACE_TABLE).read_text("utf-8")
    languages = json.loads(text)["languages"]
    return {code: tuple(names) for code, names in languages.items()}


def file_namespace_names(language: str | None) -> tuple[str, ...]:
    """The File/Media names the table gives for a language (``zh-yue``, else ``zh``)."""
    code = (language or "").replace("_", "-").lower()
    table = file_namespace_table()
    if code in table:
        return table[code]
    return table.get(code.split("-", 1)[0], ())


#: Extensions of files that can illustrate an article (what PageImages would pick). Sound,
#: video and documents (``.ogg``, ``.webm``, ``.pdf``, ``.djvu``) are file uses, not pictures.
IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "png", "gif", "svg", "tif", "tiff", "webp", "xcf", "bmp"}
)

#: Substrings the reference's ``image_language_checks`` rejects in other wikis' lead images:
#: vector art, flags, maps and the many spellings of "no image available" placeholders. Matched
#: case-insensitively here (the reference matched case-sensitively, so ``Flag_of_X.jpg`` and
#: ``ImageNA.png``'s lower-case twins slipped through).
REFERENCE_NAME_FILTERS = (
    ".svg",
    "flag",
    "noantimage",
    "no_free_image",
    "image_manquante",
    "replace_this_image",
    "disambig",
    "regions",
    "map",
    "default",
    "defaut",
    "falta_imagem_",
    "imagena",
    "noimage",
    "noenzyimage",
)

#: The one filter the reference applies to a Wikidata P18 image.
P18_NAME_FILTERS = ("flag",)

#: Kinds of file that are never a picture of an article's subject, by name (regular
#: expressions, case-insensitive), applied to every source after the reference's checks and
#: counted each on its own. Written from what wikis and the 2021 reference output show (its
#: most suggested files were placeholders: ``Picto_infobox_reptile.png``,
#: ``300x60_siyah_galaksi.jpg``, ``Missing_Arachnida.png``, and relief maps), never for one
#: wiki: the same list holds on every wiki.
KIND_FILTERS: dict[str, str] = {
    "placeholder": (
        r"missing|placeholder|picto[_ -]?infobox|no[_ -]?(?:photo|picture|foto|image|img)|"
        r"silhouette|blank|sin[_ -]imagen|kein[_ -]bild|\d+x\d+_"
    ),
    "locator_map": (
        r"locat(?:ion|or)|karte|(?:^|[_ (-])(?:map|mapa|carte|karta|карта)(?:[_ ).-]|$)|"
        r"(?:^|_)(?:eu|europe|world)[_-]|orthographic|[_-]in[_-](?:its[_-])?(?:region|europe)"
    ),
    "logo_or_icon": (
        r"logo|icon|wordmark|pictogram|[_-]stub|wikipedia|wiki[_-]?letter|commons[_-]|"
        r"nuvola|crystal|gnome[_-]|tango[_-]|symbol[_-]support|question[_-]?mark"
    ),
    "emblem": r"coat[_ ]of[_ ]arms|wappen|escudo|герб|emblem|seal[_ ]of|blason|stemma|herb[_ ]",
}

#: A regular expression (for polars) matching the name of a picture file.
PICTURE_PATTERN = "(?i)\\.(?:" + "|".join(sorted(IMAGE_EXTENSIONS)) + ")$"

_HAS_EXTENSION = re.compile(r"\.([A-Za-z0-9]{2,5})$")


def normalize_file_name(raw: str | None) -> str | None:
    """The database form of a file name, or None when nothing valid remains.

    URL escapes and HTML entities are decoded, runs of spaces and underscores become one
    underscore, the first letter is upper-cased (file namespaces are first-letter case on
    every Wikimedia wiki) and a trailing ``#fragment`` is dropped. The namespace prefix must
    already be removed.

    Args:
        raw: A file name as written (``flag of Guam.svg``, ``Flag_of_Guam.svg``).

    Returns:
        ``Flag_of_Guam.svg``, or None for an empty or invalid name or one with no extension.
    """
    if not raw:
        return None
    title = normalize_title(raw, None, capitalize=True)
    if title is None or ":" in title[:1] or not _HAS_EXTENSION.search(title):
        return None
    return title.replace(" ", "_")


def normalize_category(raw: str | None) -> str | None:
    """A Commons category name in database form (``Guam`` / ``Churches_in_Guam``)."""
    if not raw:
        return None
    title = normalize_title(raw.removeprefix("Category:"), None, capitalize=True)
    return None if title is None else title.replace(" ", "_")


def extension(name: str) -> str:
    """The lower-cased extension of a file name (``Foo.JPG`` -> ``jpg``), or ``""``."""
    match = _HAS_EXTENSION.search(name)
    return match.group(1).lower() if match else ""


def is_image(name: str) -> bool:
    """Whether a file is a picture (by extension) rather than sound, video or a document."""
    return extension(name) in IMAGE_EXTENSIONS


def failed_name_filter(name: str, filters: Iterable[str] = REFERENCE_NAME_FILTERS) -> str | None:
    """The first filter substring found in a file name (case-insensitive), or None.

    Args:
        name: A normalised file name.
        filters: Lower-case substrings; default: the reference's lead-image checks.
    """
    folded = name.lower()
    for needle in filters:
        if needle in folded:
            return needle
    return None


def file_prefixes(
    namespaces: Mapping[int | str, str] | None,
    language: str | None = None,
    extra_aliases: Iterable[str] = (),
) -> list[str]:
    """Every prefix that makes a wikilink embed a file on this wiki.

    Args:
        namespaces: The wiki's siteinfo namespaces (number -> local name; keys may be strings,
            as stored in the ``pages`` manifest). Namespaces 6 (File) and -2 (Media) are used.
        language: The wiki's language code (for its names and aliases in ``file_namespace_table``).
        extra_aliases: More names for the File namespace (e.g. the API's namespacealiases).

    Returns:
        Distinct prefixes, longest first (so a regex alternation prefers the longest match).
    """
    names: list[str] = list(CANONICAL_FILE_PREFIXES)
    for key, name in (namespaces or {}).items():
        if int(key) in (FILE_NAMESPACE, MEDIA_NAMESPACE) and name:
            names.append(name)
    names.extend(file_namespace_names(language))
    names.extend(extra_aliases)
    seen: dict[str, str] = {}
    for name in names:
        folded = name.replace("_", " ").strip().casefold()
        if folded:
            seen.setdefault(folded, name.replace("_", " ").strip())
    return sorted(seen.values(), key=lambda n: (-len(n), n))
