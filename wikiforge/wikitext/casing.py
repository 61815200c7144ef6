"""Language-aware case mapping for titles and anchors.

Python's `str.lower` is locale-blind: it maps the Turkish/Azeri dotted capital `İ` to `i̇`
(two code points) and `I` to `i`, where those languages expect `i` and `ı`. Wikimedia uses ICU
with the wiki's language for this; these are the special-casing rules ICU applies (the tr/az
rules from Unicode SpecialCasing.txt, shared by the Turkic wikis MediaWiki configures the same way).
"""

from __future__ import annotations

from functools import lru_cache

# Languages whose Latin script uses dotted/dotless i (MediaWiki's Turkic language classes).
TURKIC_LANGUAGES = frozenset({"tr", "az", "crh", "gag", "kaa", "kk", "tt", "ba"})

_TURKIC_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_TURKIC_UPPER = str.maketrans({"i": "İ", "ı": "I"})


@lru_cache(maxsize=1024)
def base_language(language_code: str | None) -> str:
    """The base language of a code such as `az`, `kk-latn` or `zh_yue` (lower-cased)."""
    if not language_code:
        return ""
    return language_code.replace("_", "-").split("-", 1)[0].lower()


def lower(text: str, language_code: str | None = None) -> str:
    """Lower-case `text` with the language's rules (Turkic dotted/dotless i)."""
    if base_language(language_code) in TURKIC_LANGUAGES:
        text = text.translate(_TURKIC_LOWER)
    return text.lower()


def upper_first(text: str, language_code: str | None = None) -> str:
    """Upper-case the first character the way MediaWiki capitalises a title.

    A first character whose upper case is more than one code point (`ß`, `ŉ`) is kept as is, as
    MediaWiki keeps such titles distinct rather than expanding them.
    """
    if not text:
        return text
    first = text[0]
    if base_language(language_code) in TURKIC_LANGUAGES:
        first_upper = first.translate(_TURKIC_UPPER).upper()
    else:
        first_upper = first.upper()
    if len(first_upper) != 1:
        first_upper = first
    return first_upper + text[1:]
