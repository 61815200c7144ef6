"""anchors: anchor text to {target: number of distinct source articles}, filtered as the
reference filters it, with as-text counts that mask matched n-grams."""

from collections import Counter

import dagster as dg
import pyarrow as pa

from partitions import wiki_partitions
from resources.storage import table_schema
from wikiforge.links.anchors import (
    LinkAnchorCounts,
    build_anchor_dictionary,
    candidate_anchor_keys,
    count_as_text,
    link_probabilities,
)
from wikiforge.links.build import language_of
from wikiforge.links.matching import MentionMatcher
from wikiforge.links.pipeline import article_prose_chunks
from wikiforge.links.sentences import DEFAULT_HELD_OUT_SHARE, is_held_out
from wikiforge.links.stored import is_partial_dump, iter_articles, namespace_prefixes
from wikiforge.links.tables import ANCHORS_SCHEMA, anchors_table
from wikiforge.storage import StoredAsset


def _link_counts(links: StoredAsset, wiki: str, partial: bool) -> LinkAnchorCounts:
    """As-link counts and distinct sources per (anchor, target), over learning articles only."""
    import duckdb

    files = [str(p) for p in links.parquet_paths()]
    as_link: Counter = Counter()
    sources: dict[str, Counter] = {}
    with duckdb.connect() as con:
        cursor = con.execute(
            "SELECT source, anchor_key, target, count(*) AS n FROM read_parquet($f) "
            "WHERE anchor_key <> '' AND (target_exists OR $partial) "
            "GROUP BY ALL ORDER BY source, anchor_key, target",
            {"f": files, "partial": partial},
        )
        while rows := cursor.fetchmany(50_000):
            for source, key, target, n in rows:
                if is_held_out(wiki, source):
                    continue
                as_link[key] += n
                sources.setdefault(key, Counter())[target] += 1
    return LinkAnchorCounts(as_link, sources)


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "duckdb", "parquet"},
    metadata=table_schema(ANCHORS_SCHEMA),
    code_version="1",
)
def anchors(
    context: dg.AssetExecutionContext, pages: StoredAsset, links: StoredAsset
) -> dg.Output[pa.Table]:
    """Anchor (lower-cased with the wiki language's rules) to target and the number of distinct
    source articles, with the anchor's link probability.

    The reference's filters: numeric anchors out, anchors linked only once out, link probability
    aslink/(aslink+astext) at least 0.065. The as-text count masks matched n-grams (longest
    first), which the reference intends but does not do. Articles of the held-out share are left
    out of the counts (the honest backtest relinks them).
    """
    wiki = context.partition_key
    language = language_of(wiki)
    partial = is_partial_dump(links)
    counts = _link_counts(links, wiki, partial)
    matcher = MentionMatcher(candidate_anchor_keys(counts), language)
    prefixes = namespace_prefixes(pages)
    as_text: Counter = Counter()
    learning = (row for row in iter_articles(pages) if not is_held_out(wiki, row["title"]))
    for row in learning:
        count_as_text(article_prose_chunks(row, prefixes), matcher, language, counts=as_text)
    kept, stats = build_anchor_dictionary(counts, as_text)
    probability = link_probabilities(counts, as_text)
    table = anchors_table(kept, probability)
    top = sorted(kept, key=lambda k: -counts.as_link[k])[:10]
    return dg.Output(
        table,
        metadata={
            **stats.__dict__,
            "partial_dump": partial,
            "held_out_share": DEFAULT_HELD_OUT_SHARE,
            "most_linked": dg.MetadataValue.json(
                [{"anchor": k, "as_link": counts.as_link[k], "as_text": as_text.get(k, 0)}
                 for k in top]
            ),
        },
    )


