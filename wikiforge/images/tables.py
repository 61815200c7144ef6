"""Arrow schemas of the images line's tables (what each asset declares and writes)."""

from __future__ import annotations

import pyarrow as pa

#: Every ns0, non-redirect article of a wiki with its Wikidata item and PageImages properties.
IMAGE_ARTICLES_SCHEMA = pa.schema(
    [
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("page_title", pa.string(), nullable=False),  # spaces, as the pages table
        pa.field("item", pa.string()),  # "Q42", or null when the article has no item
        pa.field("page_image", pa.string()),  # page_props page_image (database form)
        pa.field("page_image_free", pa.string()),  # page_props page_image_free
    ]
)

#: The files each article uses (one row per article and distinct file).
IMAGE_LINKS_SCHEMA = pa.schema(
    [
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("page_title", pa.string(), nullable=False),
        pa.field("image", pa.string(), nullable=False),
        # Order of first use in the article (0 = first); null when read from imagelinks,
        # which keeps no order.
        pa.field("position", pa.int32()),
        # link | gallery | imagemap | template | imagelinks
        pa.field("origin", pa.string(), nullable=False),
        # First use before the first heading; null when read from imagelinks.
        pa.field("in_lead", pa.bool_()),
        # The size the markup shows it at (px), when it says; see extract.FileUse.
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
    ]
)

#: Files used on more ns0 articles than the wiki-size threshold: icons, not illustrations.
ICON_IMAGES_SCHEMA = pa.schema(
    [
        pa.field("image", pa.string(), nullable=False),
        pa.field("articles", pa.int64(), nullable=False),
    ]
)

#: The lead image of each article that has one, and its pictures best first.
LEAD_IMAGE_SCHEMA = pa.schema(
    [
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("page_title", pa.string(), nullable=False),
        pa.field("item", pa.string()),
        pa.field("image", pa.string(), nullable=False),
        # page_image_free | page_image (PageImages properties) | pageimages_score (the
        # PageImages choice recomputed from the wikitext, where the dumps have no page_props)
        pa.field("source", pa.string(), nullable=False),
        # The article's non-icon pictures, best PageImages score first (at most 5): what other
        # wikis' suggestions draw on when the lead itself is filtered out (a flag, a map).
        pa.field("candidates", pa.list_(pa.string())),
    ]
)

#: Articles with a Wikidata item and no non-icon file: the ones that need a picture.
UNILLUSTRATED_SCHEMA = pa.schema(
    [
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("page_title", pa.string(), nullable=False),
        pa.field("item", pa.string(), nullable=False),
    ]
)

#: The claims image suggestions need, per Wikidata item (items with a sitelink or a P373).
ITEM_IMAGES_SCHEMA = pa.schema(
    [
        pa.field("item", pa.string(), nullable=False),
        pa.field("instance_of", pa.list_(pa.string()), nullable=False),  # P31
        pa.field("image", pa.list_(pa.string()), nullable=False),  # P18, database form
        pa.field("commons_category", pa.list_(pa.string()), nullable=False),  # P373, db form
        pa.field("sitelinks", pa.int32(), nullable=False),
    ]
)

#: Up to three suggestions per unillustrated article; every other article of every wiki keeps
#: one row with null image (the reference kept its unillustrated ones), so the table is the
#: whole coverage picture and the API tells an article it knows from one it does not.
IMAGE_SUGGESTIONS_SCHEMA = pa.schema(
    [
        pa.field("wiki", pa.string(), nullable=False),
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("page_title", pa.string(), nullable=False),
        pa.field("state", pa.string(), nullable=False),  # illustrated | unillustrated
        pa.field("item", pa.string()),  # null for an article without a Wikidata item
        pa.field("rank", pa.int8()),  # 1..3; null when there is no suggestion
        pa.field("image", pa.string()),
        pa.field("confidence", pa.string()),  # high | medium | low
        pa.field("score", pa.float64()),  # 0..1, monotone with confidence
        pa.field("source", pa.string()),  # wikidata | wikipedia | commons
        pa.field("found_on", pa.list_(pa.string())),  # wikis whose lead image it is
        pa.field("instance_of", pa.list_(pa.string())),
        # False for items of the excluded kinds (disambiguation, list, year, name...), which
        # get no suggestion (the reference's is_article_page); null where not asked (articles
        # that are illustrated or have no item).
        pa.field("is_article_page", pa.bool_()),
        pa.field("dump_date", pa.string(), nullable=False),  # the wiki's dump
        pa.field("wikidata_dump_date", pa.string()),  # the Wikidata dump of the claims
    ]
)

#: One row per illustrated article of the offline evaluation.
IMAGE_EVALUATION_SCHEMA = pa.schema(
    [
        pa.field("wiki", pa.string(), nullable=False),
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("page_title", pa.string(), nullable=False),
        pa.field("item", pa.string(), nullable=False),
        pa.field("hidden", pa.list_(pa.string()), nullable=False),  # the article's own files
        pa.field("suggested", pa.list_(pa.string()), nullable=False),  # top 3, best first
        pa.field("hit", pa.bool_(), nullable=False),  # a hidden file is among the top 3
        pa.field("hit_1", pa.bool_(), nullable=False),  # the first suggestion is a hidden file
        # A hidden file is a picture that passes the name filters (could come back at all).
        pa.field("hidden_suggestible", pa.bool_(), nullable=False),
        # A hidden file is the item's P18 or among other wikis' pictures of the item, and one
        # of those passes the filters: the ceiling of what any ranking could find.
        pa.field("reachable", pa.bool_(), nullable=False),
        pa.field("reachable_after_filters", pa.bool_(), nullable=False),
        pa.field("has_p18", pa.bool_(), nullable=False),
        pa.field("has_other_lead", pa.bool_(), nullable=False),
        pa.field("has_commons_category", pa.bool_(), nullable=False),
        pa.field("hit_wikidata", pa.bool_()),  # null when that source had no candidate
        pa.field("hit_wikipedia", pa.bool_()),
        pa.field("hit_commons", pa.bool_()),
        pa.field("is_article_page", pa.bool_(), nullable=False),
    ]
)
