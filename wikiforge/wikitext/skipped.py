"""Where wikitext is not wikitext: comments and the tags whose content MediaWiki does not parse
as markup (``<nowiki>``, ``<pre>``, ``<math>``, code blocks ...). Links and file uses inside
them are not links; every extractor skips the same ranges.
"""

from __future__ import annotations

import re

NOT_WIKITEXT = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(nowiki|pre|math|syntaxhighlight|source|code|score|chem|ce|graph|timeline)\b[^>]*?"
    r"(?:/>|>.*?(?:</\1\s*>|\Z))",
    re.DOTALL | re.IGNORECASE,
)


def skipped_ranges(wikitext: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets of every comment and non-markup tag, in order; an unclosed
    one runs to the end of the text.
    """
    if "<" not in wikitext:
        return []
    return [m.span() for m in NOT_WIKITEXT.finditer(wikitext)]
