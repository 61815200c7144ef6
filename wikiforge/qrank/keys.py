"""Join keys shared by page views and Wikidata sitelinks: ``lang.project/folded_title``.

Both sides of the QRank join must produce byte-identical keys for the same page. The rules are
the reference's (``formatLine`` in brawer/wikidata-qrank ``util.go``):

* language codes rewritten to BCP 47 (``als`` -> ``gsw``, ``simple`` -> ``en-x-simple``, ...),
  dash and underscore spellings alike;
* the special wikis get the language ``und`` (``commons`` -> ``und.commons``, ``meta`` ->
  ``und.metawiki``, ``species`` -> ``und.wikispecies``, ``wikidatawiki`` -> ``und.wikidata``,
  ...); Incubator pages ``Wp/<code>/Title`` become ``<code>.wikipedia/title``;
* titles are Unicode case folded (``Straße`` -> ``strasse``), Turkish and Azeri titles
  lowercased with the dotted/dotless i rules first, then NFC normalised, and every character at
  or below U+0020 becomes ``_``.

Fixed here, where the reference broke the join:

* page-view titles are percent-decoded without turning ``+`` into a space (the reference used
  ``url.QueryUnescape``, so ``C++`` became ``c__`` and never met its sitelink);
* Wikidata's own pages join: the view files say ``www.wikidata`` while the sitelink says
  ``wikidatawiki``; both now give ``und.wikidata`` (likewise ``www.mediawiki`` and
  ``mediawikiwiki``, ``<x>.wikimedia`` and ``<x>wiki`` for the other special wikis, and
  Incubator from either side);
* ``wiktionary`` sites (``enwiktionary`` has no ``wiki`` substring) map to ``en.wiktionary``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Language codes as the wikis spell them -> the BCP 47 tag used in keys.
_LANGUAGE_REWRITES = {
    "als": "gsw",
    "bat-smg": "sgs",
    "be-x-old": "be-tarask",
    "cbk-zam": "cbk-x-zam",
    "fiu-vro": "vro",
    "map-bms": "jv-x-bms",
    "nds-nl": "nds-NL",
    "roa-rup": "rup",
    "roa-tara": "nap-x-tara",
    "simple": "en-x-simple",
    "zh-classical": "lzh",
    "zh-min-nan": "nan",
    "zh-yue": "yue",
}

# Wikis that are not per-language: the first part of their code (``commons`` in
# ``commons.wikimedia`` and in the sitelink site ``commonswiki``) -> the project name in the key,
# whose language is always ``und``. The first six are the reference's; the rest are the other
# Wikimedia wikis Wikidata holds sitelinks for, so that views and sitelinks agree.
_SPECIAL_WIKIS = {
    "commons": "commons",
    "meta": "metawiki",
    "media": "mediawiki",
    "species": "wikispecies",
    "sources": "wikisource",
    "wikimania": "wikimania",
    "wikidata": "wikidata",
    "wikifunctions": "wikifunctions",
    "outreach": "outreach",
    "foundation": "foundation",
    "wikitech": "wikitech",
}

# pageview_complete ``www.<project>`` codes for wikis whose sitelink site starts with ``wiki``
# or names the project directly (``www.wikidata`` <-> ``wikidatawiki``).
_WWW_PROJECTS = {
    "wikidata": "wikidata",
    "mediawiki": "mediawiki",
    "wikisource": "wikisource",
    "wikifunctions": "wikifunctions",
    "wikimania": "wikimania",
}

# pagecounts-raw project suffixes (``en.d`` is English Wiktionary).
_PAGECOUNTS_SUFFIXES = {
    "": "wikipedia",
    "b": "wikibooks",
    "d": "wiktionary",
    "n": "wikinews",
    "q": "wikiquote",
    "s": "wikisource",
    "v": "wikiversity",
    "voy": "wikivoyage",
    "m": "wikimedia",
    "w": "mediawiki",
    "wd": "wikidata",
    "f": "wikimediafoundation",
}

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20]")
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _canonical_language(lang: str) -> str:
    lang = lang.replace("_", "-")
    return _LANGUAGE_REWRITES.get(lang, lang)


def fold_title(title: str, lang: str = "") -> str:
    """Case-fold, NFC-normalise and underscore a title exactly as the key requires.

    Args:
        title: The page title as stored by the wiki (spaces or underscores).
        lang: The key's language; ``tr`` and ``az`` get the Turkish/Azeri dotted and dotless i.

    Returns:
        The title part of a join key.
    """
    if lang == "tr" or lang == "az":
        # Go's ToLowerSpecial(TurkishCase/AzeriCase): I -> dotless i, dotted I -> i.
        title = title.replace("I", "\u0131").replace("\u0130", "i")
    folded = title.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFC", folded)
    folded = folded.replace(" ", "_")
    if folded.isprintable():  # fast path: no control character left to replace
        return folded
    return _CONTROL_OR_SPACE.sub("_", folded)


@functools.lru_cache(maxsize=65536)
def _key_prefix(lang: str, project: str) -> tuple[str, str, bool]:
    """(key language, key project, is incubator) for a site; cached: there are a few thousand."""
    if lang == "incubator":
        return "incubator", project, True
    special = _SPECIAL_WIKIS.get(lang)
    if special is not None:
        return "und", special, False
    if lang == "":
        # Sitelink sites starting with "wiki": wikidatawiki -> wikidata, wikimaniawiki -> ...
        if project.endswith("wiki") and len(project) > 4:
            project = project[:-4]
        return "und", project, False
    if lang == "www":
        return "und", _WWW_PROJECTS.get(project, project), False
    return _canonical_language(lang), project, False


def format_key(lang: str, project: str, title: str) -> str:
    """Build the join key ``lang.project/folded_title`` from a site split and a title.

    Args:
        lang: The part of the site code before the project (``en``, ``commons``, ``zh_min_nan``,
            ``www``, or empty for sitelink sites starting with ``wiki``).
        project: ``wikipedia``, ``wikivoyage``, ``wikimedia``, ``wikidatawiki``, ...
        title: The page title, not yet folded.

    Returns:
        The key, e.g. ``gsw.wikipedia/wähe``.
    """
    key_lang, key_project, incubator = _key_prefix(lang, project)
    if not incubator:
        return f"{key_lang}.{key_project}/{fold_title(title, key_lang)}"
    parts = title.split("/", 2)
    if len(parts) == 3 and parts[0] in ("Wp", "wp") and len(parts[1]) < 20:
        key_lang = _canonical_language(parts[1].lower())
        key_project, title = "wikipedia", parts[2]
    else:
        key_lang, key_project = "und", "incubator"
    return f"{key_lang}.{key_project}/{fold_title(title, key_lang)}"


@functools.lru_cache(maxsize=65536)
def split_sitelink_site(site: str) -> tuple[str, str] | None:
    """Split a Wikidata sitelink site (a wiki database name) into (lang, project).

    ``enwiki`` -> (``en``, ``wikipedia``), ``alswikiquote`` -> (``als``, ``wikiquote``),
    ``wikidatawiki`` -> (``""``, ``wikidatawiki``), ``enwiktionary`` -> (``en``, ``wiktionary``).

    Returns:
        The split, or None for a site that names no wiki.
    """
    at = site.find("wiki")
    if at < 0:
        if site.endswith("wiktionary") and len(site) > len("wiktionary"):
            return site[: -len("wiktionary")], "wiktionary"
        return None
    rest = site[at:]
    return site[:at], ("wikipedia" if rest == "wiki" else rest)


@functools.lru_cache(maxsize=65536)
def _sitelink_prefix(site: str) -> tuple[str, str, bool] | None:
    """(``lang.project/``, key language, is incubator) of a sitelink site; cached per site."""
    split = split_sitelink_site(site)
    if split is None:
        return None
    lang, project, incubator = _key_prefix(split[0], split[1])
    return f"{lang}.{project}/", lang, incubator


def sitelink_key(site: str, title: str) -> str | None:
    """The join key of one Wikidata sitelink, or None if its site names no wiki."""
    prefix = _sitelink_prefix(site)
    if prefix is None:
        return None
    if prefix[2]:
        split = split_sitelink_site(site)
        assert split is not None  # the site has a prefix, so it splits
        return format_key(split[0], split[1], title)
    return prefix[0] + fold_title(title, prefix[1])


@functools.lru_cache(maxsize=65536)
def split_wiki_code(code: str) -> tuple[str, str] | None:
    """Split a ``pageview_complete`` wiki code (``en.wikipedia``) into (lang, project).

    Returns:
        The split, or None for a code the reference skips (``en-wg.wikipedia``, closed 2008) or
        that has no project part.
    """
    lang, dot, project = code.partition(".")
    if not dot or not project or code == "en-wg.wikipedia":
        return None
    return lang, project


@functools.lru_cache(maxsize=65536)
def split_pagecounts_project(code: str) -> tuple[str, str] | None:
    """Split a ``pagecounts-raw`` project code (``en``, ``en.d``, ``www.wd``) into (lang, project).

    Returns:
        The split, or None for codes that are not a page's wiki (``en.mw`` lines are per-language
        mobile totals) or are unknown.
    """
    lang, _, suffix = code.partition(".")
    project = _PAGECOUNTS_SUFFIXES.get(suffix)
    if project is None or not lang:
        return None
    return lang, project


def unescape_view_title(title: str) -> str | None:
    """Percent-decode a page-view title the way the files need, keeping ``+`` as it is.

    Some, not all, titles in the view files are URL-escaped. A title with a malformed escape is
    kept raw (as the reference does); a decoded title that is not UTF-8 is rejected.

    Returns:
        The decoded title, or None if it decodes to invalid UTF-8.
    """
    if "%" not in title or _BAD_PERCENT.search(title):
        return title
    data = bytearray()
    last = 0
    for match in _PERCENT_ESCAPE.finditer(title):
        data += title[last : match.start()].encode("utf-8", "surrogatepass")
        data.append(int(match.group(1), 16))
        last = match.end()
    data += title[last:].encode("utf-8", "surrogatepass")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _row_key(split: tuple[str, str] | None, title: str) -> str | None:
    """The join key of a view row whose wiki was split into (lang, project), or None to skip."""
    if split is None:
        return None
    decoded = unescape_view_title(title)
    if decoded is None:
        return None
    return format_key(split[0], split[1], decoded)


def view_key(wiki_code: str, title: str) -> str | None:
    """The join key of one ``pageview_complete`` row (wiki code and raw title), or None to skip."""
    return _row_key(split_wiki_code(wiki_code), title)


def pagecounts_key(project_code: str, title: str) -> str | None:
    """The join key of one ``pagecounts-raw`` row, or None to skip."""
    return _row_key(split_pagecounts_project(project_code), title)
