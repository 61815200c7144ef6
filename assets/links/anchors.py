"""anchors: anchor text to {target: number of distinct source articles}, filtered as the
reference filters it, with as-text counts that mask matched n-grams.
"""

import functools
import tempfile
import uuid
from collections import Counter
from pathlib import Path

import dagster as dg
import pyarrow as pa

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.engine import Engine
from resources.storage import table_schema
from wikiforge.links.anchors import (
    SINGLE_LINK_MIN_PROBABILITY,
    build_anchor_dictionary,
    candidate_anchor_keys,
    link_probabilities,
)
from wikiforge.links.index import compile_matcher
from wikiforge.links.mapped import (
    ANCHOR_TARGET_SCHEMA,
    ANCHOR_TARGET_SQL,
    AS_TEXT_SCHEMA,
    AS_TEXT_SQL,
    LEARNING_LINKS_SCHEMA,
    anchor_counts,
    as_text_counts,
    learning_links,
)
from wikiforge.links.sentences import DEFAULT_HELD_OUT_SHARE
from wikiforge.links.stored import PAGE_COLUMNS, is_partial_dump, namespace_prefixes
from wikiforge.links.tables import ANCHORS_SCHEMA, anchors_table
from wikiforge.storage import StoredAsset
from wikiforge.wikis import language_of


class AnchorsConfig(dg.Config):
    """Per-run settings of the anchor filters."""

    #: Keep anchors linked only once when their link probability reaches this (None: the
    #: reference's rule, never; chosen by leave-one-wiki-out). Default: `wikiforge.links.anchors.SINGLE_LINK_MIN_PROBABILITY`.
    single_link_min_probability: float | None = SINGLE_LINK_MIN_PROBABILITY


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="links",
    kinds={"python", "duckdb", "spark", "parquet"},
    metadata=table_schema(ANCHORS_SCHEMA),
    code_version=step_version(__name__),
)
def anchors(
    context: dg.AssetExecutionContext,
    config: AnchorsConfig,
    engine: Engine,
    pages: StoredAsset,
    links: StoredAsset,
) -> dg.Output[pa.Table]:
    """Anchor (lower-cased with the wiki language's rules) to target and the number of distinct
    source articles, with the anchor's link probability.

    The reference's filters: numeric anchors out, anchors linked only once out (unless their
    link probability reaches `single_link_min_probability`), link probability
    aslink/(aslink+astext) at least 0.065. The as-text count masks matched n-grams (longest
    first), which the reference intends but does not do. Articles of the held-out share are left
    out of the counts (the honest backtest relinks them).

    Both counts run on the engine resource (maps over `links` and over `pages`, reduced in
    SQL); only the dictionary's filters run here, on the reduced counts. The as-text map's
    candidate anchors are compiled once into a memory-mapped trie that every worker shares.
    """
    wiki = context.partition_key
    language = language_of(wiki)
    single = config.single_link_min_probability
    partial = is_partial_dump(links)
    keep = functools.partial(learning_links, wiki=wiki, partial=partial)
    with engine.stage(
        keep,
        links,
        LEARNING_LINKS_SCHEMA,
        batch_size=50_000,
        columns=["source", "anchor_key", "target", "target_exists"],
    ) as learning:
        counts = anchor_counts(
            engine.iter_sql(ANCHOR_TARGET_SQL, ANCHOR_TARGET_SCHEMA, learning_links=learning)
        )
    as_text: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="wikiforge-anchors-") as work:
        # Compiled once, mapped by every worker (shipped to executors on Spark); the name is
        # unique because Spark registers shipped directories for the session's lifetime.
        matcher = compile_matcher(
            Path(work) / f"matcher-{uuid.uuid4().hex}",
            candidate_anchor_keys(counts, single_link_min_probability=single),
            language,
        )
        count_text = functools.partial(
            as_text_counts,
            wiki=wiki,
            language_code=language,
            prefixes=namespace_prefixes(pages),
            matcher_location=engine.side_directory(matcher),
        )
        with engine.stage(
            count_text, pages, AS_TEXT_SCHEMA, columns=PAGE_COLUMNS, batch_size=200
        ) as found:
            for batch in engine.iter_sql(AS_TEXT_SQL, AS_TEXT_SCHEMA, as_text=found):
                as_text.update(dict(zip(*batch.to_pydict().values(), strict=True)))
    kept, stats = build_anchor_dictionary(counts, as_text, single_link_min_probability=single)
    probability = link_probabilities(counts, as_text)
    table = anchors_table(kept, probability)
    top = sorted(kept, key=lambda k: -counts.as_link[k])[:10]
    return dg.Output(
        table,
        metadata={
            **stats.__dict__,
            "partial_dump": partial,
            "engine": engine.kind,
            "held_out_share": DEFAULT_HELD_OUT_SHARE,
            "single_link_min_probability": single,
            "most_linked": dg.MetadataValue.json(
                [
                    {"anchor": k, "as_link": counts.as_link[k], "as_text": as_text.get(k, 0)}
                    for k in top
                ]
            ),
        },
    )
