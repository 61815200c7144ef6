"""The link graph as an engine step: a map that reads XML dump files into rows, and the SQL that
assembles nodes and edges (the same rules as ``link_graph.assemble_link_graph``), portable
between DuckDB and Spark SQL.

Inputs of the assembly are three relations, defined per route by ``*_inputs`` CTEs:

* ``articles(page_id, title)``: ns0 pages that are not redirects;
* ``redirects(title, target_title)``: ns0 redirect pages and their target, followed one hop;
* ``raw_links(source_page_id, target_title)``: every link.

Titles are compared in database form (spaces to underscores, trimmed). Node ids are dense in
ascending page id order; edges are distinct, without self-links, sorted by (source, target).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from wikiforge.graph.link_graph import EDGES_SCHEMA, NODES_SCHEMA, assembled_graph
from wikiforge.mapreduce import data_batch, stats_batch, with_stats

_BATCH_ROWS = 100_000

#: Output of the XML map: one row per article (``a``), redirect (``r``) or link (``l``).
GRAPH_ROWS_SCHEMA = with_stats(
    pa.schema(
        [
            ("kind", pa.string()),
            ("page_id", pa.int64()),
            ("title", pa.string()),
            ("target_title", pa.string()),
        ]
    )
)

_ROW_COLUMNS = ("kind", "page_id", "title", "target_title")


def _db(expr: str) -> str:
    return f"replace(trim({expr}), ' ', '_')"


#: The three relations from the map's rows (staged as ``graph_rows``).
XML_INPUTS = f"""
    articles AS (SELECT page_id, {_db("title")} AS title FROM graph_rows WHERE kind = 'a'),
    redirects AS (SELECT {_db("title")} AS title, {_db("target_title")} AS target_title
                  FROM graph_rows WHERE kind = 'r'),
    raw_links AS (SELECT page_id AS source_page_id, {_db("target_title")} AS target_title
                  FROM graph_rows WHERE kind = 'l')"""

#: The three relations from the published ``pages`` and ``links`` tables.
TABLE_INPUTS = f"""
    articles AS (SELECT page_id, {_db("title")} AS title FROM pages
                 WHERE namespace = 0 AND redirect IS NULL),
    redirects AS (SELECT {_db("title")} AS title, {_db("redirect")} AS target_title FROM pages
                  WHERE namespace = 0 AND redirect IS NOT NULL),
    raw_links AS (SELECT source_id AS source_page_id, {_db("target")} AS target_title
                  FROM links)"""


def nodes_sql(inputs: str) -> str:
    """Nodes (node_id, page_id, title), one per page id, ids dense in page id order."""
    return f"""
        WITH {inputs}
        SELECT CAST(ROW_NUMBER() OVER (ORDER BY page_id) - 1 AS INT) AS node_id, page_id, title
        FROM (SELECT page_id, MIN(title) AS title FROM articles GROUP BY page_id) a
        ORDER BY node_id"""


def resolved_sql(inputs: str) -> str:
    """Every link with its source and target node (null where it does not resolve); needs the
    staged ``nodes``. A title is an article's own, else a redirect's to an article.
    """
    return f"""
        WITH {inputs},
        title_map AS (
          SELECT title, page_id FROM (
            SELECT title, page_id,
                   ROW_NUMBER() OVER (PARTITION BY title ORDER BY priority, page_id) AS n
            FROM (
              SELECT title, page_id, 0 AS priority FROM articles
              UNION ALL
              SELECT r.title, a.page_id, 1 AS priority
              FROM redirects r JOIN articles a ON r.target_title = a.title
            ) u
          ) t WHERE n = 1
        )
        SELECT s.node_id AS source, d.node_id AS target
        FROM raw_links l
        LEFT JOIN nodes s ON l.source_page_id = s.page_id
        LEFT JOIN title_map m ON l.target_title = m.title
        LEFT JOIN nodes d ON m.page_id = d.page_id"""


RESOLVED_SCHEMA = pa.schema([("source", pa.int32()), ("target", pa.int32())])
#: Over ``resolved``: the edge list.
EDGES_SQL = """
    SELECT DISTINCT source, target FROM resolved
    WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target
    ORDER BY source, target"""
#: Over ``resolved``: the counters of ``assemble_link_graph``.
COUNTS_SQL = """
    SELECT CAST(COUNT(*) AS BIGINT) AS links_read,
      CAST(COALESCE(SUM(CASE WHEN source IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT)
        AS links_from_non_articles,
      CAST(COALESCE(SUM(CASE WHEN source IS NOT NULL AND target IS NULL THEN 1 ELSE 0 END), 0)
        AS BIGINT) AS links_to_missing_pages,
      CAST(COALESCE(SUM(CASE WHEN source = target THEN 1 ELSE 0 END), 0) AS BIGINT) AS self_links
    FROM resolved"""
COUNTS_SCHEMA = pa.schema(
    [
        ("links_read", pa.int64()),
        ("links_from_non_articles", pa.int64()),
        ("links_to_missing_pages", pa.int64()),
        ("self_links", pa.int64()),
    ]
)


def graph_rows_of_tasks(
    batch: pa.RecordBatch, *, language_code: str | None
) -> Iterator[pa.RecordBatch]:
    """Map over XML dump files (tasks with a ``path``): articles, redirects and links (with the
    shared wikitext extractor), then each file's stats row.
    """
    from wikiforge.dumps.xml_reader import read_pages
    from wikiforge.wikitext.links import extract_links

    columns: dict[str, list] = {}

    def add(kind: str, page_id: int | None, title: str | None, target: str | None) -> None:
        columns["kind"].append(kind)
        columns["page_id"].append(page_id)
        columns["title"].append(title)
        columns["target_title"].append(target)

    for task in batch.to_pylist():
        columns.update({name: [] for name in _ROW_COLUMNS})
        stats = {"task": task["task"], "xml_pages": 0, "xml_articles": 0, "xml_redirects": 0}

        reader = read_pages(task["path"])
        capitalize = getattr(reader.siteinfo, "case", "first-letter") != "case-sensitive"
        for page in reader:
            stats["xml_pages"] += 1
            if page.namespace != 0:
                continue
            if page.redirect is not None:
                stats["xml_redirects"] += 1
                add("r", None, page.title, page.redirect)
                continue
            stats["xml_articles"] += 1
            add("a", page.page_id, page.title, None)
            for link in extract_links(page.text or "", language_code, capitalize):
                if link.target is not None:
                    add("l", page.page_id, None, link.target)
            if len(columns["kind"]) >= _BATCH_ROWS:
                yield data_batch(GRAPH_ROWS_SCHEMA, columns)
                columns.update({name: [] for name in _ROW_COLUMNS})
        yield data_batch(GRAPH_ROWS_SCHEMA, columns)
        yield stats_batch(GRAPH_ROWS_SCHEMA, stats)


def assemble_on_engine(engine, inputs: str, stats: dict | None = None, **tables):
    """Build the ``LinkGraph`` with an engine (``resources.engine.Engine``, passed in: this
    library does not import the platform) from the relations ``inputs`` defines over ``tables``.

    Nodes and the resolved links are staged by the engine; nodes and edges then come back to
    this process in order, as the graph's arrays.
    """
    stats = dict(stats or {})
    with engine.staged_sql(nodes_sql(inputs), NODES_SCHEMA, **tables) as nodes:
        node_table = engine.sql_table(
            "SELECT node_id, page_id, title FROM nodes ORDER BY node_id", NODES_SCHEMA, nodes=nodes
        )
        with engine.staged_sql(
            resolved_sql(inputs), RESOLVED_SCHEMA, nodes=nodes, **tables
        ) as resolved:
            edge_table = engine.sql_table(EDGES_SQL, EDGES_SCHEMA, resolved=resolved)
            counts = engine.sql_table(COUNTS_SQL, COUNTS_SCHEMA, resolved=resolved).to_pylist()[0]
    return assembled_graph(node_table, edge_table, counts, stats)
