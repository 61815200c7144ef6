"""What kind of page is this, when it is not a task: the reason a page gives no TaskMap.

Signals are generic (any site): the software that made the page (a wiki engine), the schema.org
and Open Graph types it declares (news article, item list, web site), and the shape of its URL
(a site's front page, a category/tag/search listing). Only pages without recipe or how-to
markup are classified; a page that declares a Recipe/HowTo is taken at its word.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from wikiforge.tasks.parsers.html import meta_content
from wikiforge.tasks.parsers.jsonld import jsonld_objects, schema_types

NEWS_TYPES = {"newsarticle", "reportagenewsarticle", "analysisnewsarticle", "liveblogposting"}
LISTING_TYPES = {"itemlist", "collectionpage", "searchresultspage", "breadcrumblist-only"}
_LISTING_PATH = re.compile(
    r"/(?:category|categories|tag|tags|topics?|search|archive|page/\d+|recipes/?$|collections?)(?:/|$)",
    re.I,
)
_WIKI_GENERATOR = re.compile(r"mediawiki|dokuwiki|tiddlywiki|confluence|xwiki", re.I)


def _declared_types(root) -> set[str]:
    types = {t for obj in jsonld_objects(root) for t in schema_types(obj)}
    og = meta_content(root, "og:type").lower()
    if og:
        types.add(f"og:{og}")
    return types


def is_encyclopedia(root) -> bool:
    """A wiki engine's page (MediaWiki and kin), by its generator tag or content container."""
    generator = meta_content(root, "generator")
    return bool(_WIKI_GENERATOR.search(generator)) or bool(
        root.xpath('//*[@id="mw-content-text"] | //body[contains(@class, "mediawiki")]')
    )


def non_task_kind(root, url: str) -> str:
    """`encyclopedia`, `news`, `listing`, `home` or `other` for a page with no task markup."""
    if is_encyclopedia(root):
        return "encyclopedia"
    types = _declared_types(root)
    if types & NEWS_TYPES:
        return "news"
    path = urlsplit(url).path
    if types & LISTING_TYPES or _LISTING_PATH.search(path):
        return "listing"
    if path in ("", "/") or re.fullmatch(r"/(?:index|default|home)\.\w+", path or ""):
        return "home"
    return "other"
