"""link_graph: a wiki's article link graph (redirects resolved, simple, dense int node ids)."""

import functools
import os
import tempfile
from collections.abc import Iterator, Sequence

import dagster as dg

from assets.code_version import step_version
from partitions import wiki_partitions
from resources.engine import Engine
from resources.landing import LandingZone
from resources.storage import Artifacts, DataStore, source_metadata
from wikiforge.graph.engine_sql import (
    GRAPH_ROWS_SCHEMA,
    TABLE_INPUTS,
    XML_INPUTS,
    assemble_on_engine,
    graph_rows_of_tasks,
)
from wikiforge.graph.link_graph import (
    EDGES_FILE,
    NODES_FILE,
    LinkGraph,
    link_graph_from_sql_dumps,
    read_link_graph,
    write_link_graph,
)
from wikiforge.mapreduce import merge_stats, task_table
from wikiforge.storage import StoredAsset

SQL_TABLES = ("page", "pagelinks", "redirect", "linktarget")


def load_link_graph(stored: StoredAsset) -> LinkGraph:
    """The graph of a published `link_graph` partition."""
    return read_link_graph(stored.path(NODES_FILE), stored.path(EDGES_FILE))


def _language(wiki: str) -> str:
    return wiki[: -len("wiki")] if wiki.endswith("wiki") else wiki


def _links_of_dump(
    store: DataStore, wiki: str, date: str
) -> tuple[StoredAsset, StoredAsset] | None:
    """The links line's `links` and the `pages` partitions, if both come from this dump date."""
    links = store.current("links", wiki)
    pages = store.current("pages", wiki)
    if links is None or pages is None:
        return None
    for stored in (links, pages):
        if date not in {source.get("date") for source in stored.manifest.get("sources", [])}:
            return None
    return links, pages


def link_graph_of_xml(
    engine: Engine, paths: Sequence[str | os.PathLike], language_code: str | None
) -> LinkGraph:
    """The link_graph step's XML route on an engine: a map reads the pages-articles part files
    (one task per file) into articles, redirects and links (the shared wikitext extractor),
    and SQL assembles nodes and edges.

    Args:
        engine: The engine resource (``local_engine()`` outside Dagster).
        paths: The dump's part files, in order.
        language_code: The wiki's language (title casing of link targets).

    Returns:
        The graph; its ``stats`` hold the construction counters and ``xml_pages``,
        ``xml_articles``, ``xml_redirects``.
    """
    tasks = task_table({"path": str(path)} for path in paths)
    read = functools.partial(graph_rows_of_tasks, language_code=language_code)
    with engine.stage(read, tasks, GRAPH_ROWS_SCHEMA, parallel=len(paths) > 1) as rows:
        counts = merge_stats(engine.stats_of(rows))
        graph = assemble_on_engine(engine, XML_INPUTS, graph_rows=rows)
    graph.stats.update(counts)
    return graph


@dg.asset(
    partitions_def=wiki_partitions,
    group_name="graph",
    deps=["wiki_dump"],
    kinds={"python", "polars", "spark", "parquet"},
    output_required=False,
    code_version=step_version(__name__),
)
def link_graph(
    context: dg.AssetExecutionContext, landing: LandingZone, store: DataStore, engine: Engine
) -> Iterator[dg.Output[Artifacts]]:
    """Article link graph of the wiki: ns0 articles as nodes, links between them as edges.

    Built from the MediaWiki SQL dumps when the landing zone has `page` and `pagelinks` (current
    schema through `linktarget`, or the old pl_namespace/pl_title one), else from the
    pages-articles XML dump: through the links line's `links` table when it is published for the
    same dump, or by extracting the links from the XML with the shared wikitext extractor.
    Redirects are followed one hop; self-links, duplicates, red links and links from or to other
    namespaces are dropped and counted in the metadata. Files: nodes.parquet (node_id, page_id,
    title), edges.parquet (source, target), sorted.

    The XML and `links` routes run on the engine resource: a map reads the XML part files (one
    task per file) and SQL assembles nodes and edges (DuckDB or Spark SQL). The SQL-dump route
    reads the dumps here.
    """
    wiki = context.partition_key
    dump = landing.landing.latest_wiki_dump(wiki)
    if dump is None:
        context.log.info(f"{wiki}: no dump in the landing zone")
        return
    sql = {table: dump.sql[table] for table in SQL_TABLES if table in dump.sql}
    if "page" in sql and "pagelinks" in sql:
        with tempfile.TemporaryDirectory(prefix="graph-sql-") as work:
            graph = link_graph_from_sql_dumps(
                page=sql["page"],
                pagelinks=sql["pagelinks"],
                redirect=sql.get("redirect"),
                linktarget=sql.get("linktarget"),
                workdir=work,
            )
        built_from, sources = "sql_dumps", [(path, dump.date) for path in sql.values()]
    elif (published := _links_of_dump(store, wiki, dump.date)) is not None:
        links, pages = published
        graph = assemble_on_engine(engine, TABLE_INPUTS, pages=pages, links=links)
        built_from, sources = f"links@{links.version}", [(path, dump.date) for path in dump.pages]
    elif dump.pages:
        graph = link_graph_of_xml(engine, dump.pages, _language(wiki))
        built_from, sources = "xml_dump", [(path, dump.date) for path in dump.pages]
    else:
        context.log.info(f"{wiki}: neither SQL link tables nor an XML dump in the landing zone")
        return
    art = Artifacts(
        rows=graph.edge_count,
        stats={"built_from": built_from, "engine": engine.kind, **graph.stats},
    )
    write_link_graph(graph, art.path(NODES_FILE), art.path(EDGES_FILE))
    yield dg.Output(
        art,
        data_version=dg.DataVersion(dump.date),
        metadata={"dump_date": dump.date, **source_metadata(*sources)},
    )


@dg.asset_check(
    asset=link_graph,
    blocking=True,
    description="Edges join existing nodes; no self-links, no duplicates.",
)
def link_graph_is_simple(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Scores downstream assume a simple graph with dense node ids; verify the files say so."""
    import numpy as np

    graph = load_link_graph(store.require("link_graph", context.partition_key))
    keys = graph.source.astype(np.int64) * max(graph.node_count, 1) + graph.target
    sorted_distinct = bool(np.all(np.diff(keys) > 0)) if keys.size > 1 else True
    self_links = int(np.count_nonzero(graph.source == graph.target))
    return dg.AssetCheckResult(
        passed=sorted_distinct and self_links == 0,
        metadata={
            "nodes": graph.node_count,
            "edges": graph.edge_count,
            "sorted_and_distinct": sorted_distinct,
            "self_links": self_links,
        },
    )
