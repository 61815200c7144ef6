"""entity_pagerank and entity_views_smeared: page scores carried to Wikidata entities, and QRank's
planned signal smearing along the entity link graph (rules: wikiforge/graph/entity.py).
"""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets.code_version import step_version
from assets.graph.link_graph import load_link_graph
from resources.landing import LandingZone
from resources.storage import DataStore, table_schema
from wikiforge.graph.entity import (
    DEFAULT_SMEARING_SHARE,
    entity_links,
    page_entities_from_page_props,
    rank_correlation,
    smear_views,
)
from wikiforge.graph.entity import (
    entity_pagerank as combine_entity_pagerank,
)
from wikiforge.graph.tables import ENTITY_PAGERANK_SCHEMA, SMEARED_VIEWS_SCHEMA
from wikiforge.qrank.keys import sitelink_key


def page_entities(
    wiki: str, titles: pl.DataFrame, landing: LandingZone, store: DataStore
) -> tuple[pl.DataFrame | None, str]:
    """``page_id`` -> ``entity`` for a wiki's articles and where the mapping came from.

    The wiki's own `page_props` SQL dump (``wikibase_item``) when the landing zone has it, else
    the sitelinks of the newest published Wikidata dump (the qrank line's `sitelinks` table).

    Args:
        wiki: Wiki database name.
        titles: ``page_id``, ``title`` of the wiki's articles.
        landing: The landing zone.
        store: The data store.

    Returns:
        The mapping (None when neither source exists) and a description of its source.
    """
    dump = landing.landing.latest_wiki_dump(wiki)
    if dump is not None and "page_props" in dump.sql:
        frame, _ = page_entities_from_page_props(dump.sql["page_props"])
        return frame, f"page_props {dump.date}"
    newest = store.newest("sitelinks")
    if newest is None:
        return None, "no page_props dump and no published sitelinks"
    date, stored = newest
    keyed = titles.with_columns(
        pl.col("title")
        .map_elements(lambda t: sitelink_key(wiki, t), return_dtype=pl.String)
        .alias("key")
    )
    sitelinks = stored.scan().select("key", "qid")
    mapped = (
        keyed.lazy()
        .join(sitelinks, on="key", how="inner")
        .select("page_id", pl.format("Q{}", pl.col("qid")).alias("entity"))
        .sort("page_id")
        .collect()
    )
    return mapped, f"sitelinks {date} ({stored.version})"  # type: ignore[attr-defined]


@dg.asset(
    group_name="graph",
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(ENTITY_PAGERANK_SCHEMA),
    deps=[
        dg.AssetDep("pagerank", partition_mapping=dg.AllPartitionMapping()),
        dg.AssetDep("sitelinks", partition_mapping=dg.AllPartitionMapping()),
    ],
    output_required=False,
    code_version=step_version(__name__),
)
def entity_pagerank(
    context: dg.AssetExecutionContext, landing: LandingZone, store: DataStore
) -> Iterator[dg.Output[pl.DataFrame]]:
    """PageRank carried to Wikidata entities: the equal-weight mean over every wiki with a
    published `pagerank` of the entity's page score there (0 where the wiki has no page).

    Pages map to entities through the wiki's `page_props` dump (``wikibase_item``) or else the
    newest Wikidata dump's sitelinks. The metadata lists every wiki used, its pagerank version
    and mapping source, and the wikis left out (no mapping).
    """
    scores: list[pl.DataFrame] = []
    links: list[pl.DataFrame] = []
    used: dict[str, dict[str, object]] = {}
    left_out: dict[str, str] = {}
    for wiki in store.partitions("pagerank"):
        stored = store.current("pagerank", wiki)
        if stored is None:
            continue
        table = pl.from_arrow(stored.table(["page_id", "title", "score"]))
        mapping, source = page_entities(wiki, table.select("page_id", "title"), landing, store)
        if mapping is not None:  # only the wiki's articles (page_props also covers other pages)
            mapping = mapping.join(table.select("page_id"), on="page_id", how="semi")
        if mapping is None or mapping.height == 0:
            left_out[wiki] = source
            continue
        scores.append(table.select(pl.lit(wiki).alias("wiki"), "page_id", "score"))
        links.append(mapping.with_columns(pl.lit(wiki).alias("wiki")))
        used[wiki] = {
            "pagerank_version": stored.version,
            "entities_from": source,
            "mapped_articles": mapping.height,
            "articles": table.height,
        }
    if not scores:
        context.log.info(f"no wiki with both a pagerank and an entity mapping: {left_out}")
        return
    result = combine_entity_pagerank(pl.concat(scores), pl.concat(links))
    yield dg.Output(
        result,
        metadata={
            "wikis": dg.MetadataValue.json(used),
            "wikis_left_out": dg.MetadataValue.json(left_out),
            "entities": result.height,
            "score_sum": float(result["score"].sum()),
            "rule": "equal-weight mean over wikis of the page's PageRank (0 where absent)",
            "top10": dg.MetadataValue.json(result.head(10).to_dicts()),
        },
    )


@dg.asset(
    group_name="graph",
    kinds={"python", "polars", "parquet"},
    metadata=table_schema(SMEARED_VIEWS_SCHEMA),
    deps=[
        dg.AssetDep("link_graph", partition_mapping=dg.AllPartitionMapping()),
        dg.AssetDep("qviews", partition_mapping=dg.AllPartitionMapping()),
    ],
    output_required=False,
    code_version=step_version(__name__),
)
def entity_views_smeared(
    context: dg.AssetExecutionContext, landing: LandingZone, store: DataStore
) -> Iterator[dg.Output[pl.DataFrame]]:
    """QRank's planned "signal smearing", offered to the qrank line: every entity keeps 90% of
    its 12-month views and passes 10% in equal parts to the entities it links to (article links
    of every wiki with a `link_graph`, mapped to entities); an entity linking nowhere keeps all.

    Reads the newest published `qviews`; the metadata shows the effect (rank correlation with
    the plain views, the entities that gained and lost most, totals before and after).
    """
    newest = store.newest("qviews")
    if newest is None:
        context.log.info("no published qviews: nothing to smear")
        return
    dump_date, qviews = newest
    views = pl.DataFrame(qviews.table(["qid", "views"])).select(
        pl.format("Q{}", pl.col("qid")).alias("entity"), pl.col("views").cast(pl.Float64)
    )
    edges: list[pl.DataFrame] = []
    entities: list[pl.DataFrame] = []
    for wiki in store.partitions("link_graph"):
        stored = store.current("link_graph", wiki)
        if stored is None:
            continue
        graph = load_link_graph(stored)
        titles = pl.DataFrame({"page_id": graph.page_id, "title": graph.title.to_pylist()})
        mapping, _ = page_entities(wiki, titles, landing, store)
        if mapping is None or mapping.height == 0:
            continue
        edges.append(
            pl.DataFrame(
                {
                    "wiki": wiki,
                    "source_page_id": graph.page_id[graph.source],
                    "target_page_id": graph.page_id[graph.target],
                }
            )
        )
        entities.append(mapping.with_columns(pl.lit(wiki).alias("wiki")))
    if edges:
        entity_graph = entity_links(pl.concat(edges), pl.concat(entities))
    else:
        entity_graph = pl.DataFrame(schema={"source_entity": pl.String, "target_entity": pl.String})
    smeared = smear_views(views, entity_graph, share=DEFAULT_SMEARING_SHARE)
    change = smeared.with_columns(
        (pl.col("smeared_views") - pl.col("views")).alias("change"),
        pl.col("views").rank("min", descending=True).alias("rank_views"),
        pl.col("smeared_views").rank("min", descending=True).alias("rank_smeared"),
    )
    columns = ["entity", "views", "smeared_views", "rank_views", "rank_smeared"]
    gainers = (
        change.filter(pl.col("change") > 0)
        .sort(["change", "entity"], descending=[True, False])
        .head(5)
    )
    losers = change.filter(pl.col("change") < 0).sort(["change", "entity"]).head(5)
    correlation = (
        rank_correlation(smeared["views"].to_numpy(), smeared["smeared_views"].to_numpy())
        if smeared.height > 1
        else 1.0
    )
    yield dg.Output(
        smeared,
        metadata={
            "qviews_partition": dump_date,
            "qviews_version": qviews.version,  # type: ignore[attr-defined]
            "share": DEFAULT_SMEARING_SHARE,
            "entity_links": entity_graph.height,
            "entities_with_views": views.height,
            "views_total": float(views["views"].sum()),
            "smeared_total": float(smeared["smeared_views"].sum()),
            "spearman_views_vs_smeared": correlation,
            "entities_gaining": int((change["change"] > 0).sum()),
            "entities_losing": int((change["change"] < 0).sum()),
            "entities_only_reached_by_links": int((smeared["views"] == 0).sum()),
            "largest_gains": dg.MetadataValue.json(gainers.select(columns).to_dicts()),
            "largest_losses": dg.MetadataValue.json(losers.select(columns).to_dicts()),
        },
    )
