"""The link graph of one wiki: ns0 articles as nodes, resolved article-to-article links as edges.

Built here from the SQL dumps (``link_graph_from_sql_dumps``); the XML and `links` routes of
the ``link_graph`` step assemble the same graph in SQL on the engine
(``wikiforge.graph.engine_sql``). Rules, the same for every route:

- **Nodes** are the wiki's main-namespace (ns 0) pages that are not redirects. Node ids are dense
  (0..n-1) in ascending page id order, so ids are stable for a given dump.
- **Edges** go from an article to an article. A link to a redirect is followed **one hop**, as
  MediaWiki does when it serves a page; a redirect to a redirect (a "double redirect", which
  MediaWiki shows as the redirect page itself), an interwiki redirect and a redirect out of ns 0
  are not followed and the link is dropped (counted). Links from or to other namespaces, links to
  missing pages (red links), self-links (also after redirect resolution) and duplicates are
  removed and counted.
- Edges are sorted by (source, target): the edge list is a CSR layout of the adjacency matrix.

Titles are kept in MediaWiki's database form (underscores, no namespace prefix).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from wikiforge.dumps.sql_reader import SqlDump
from wikiforge.errors import InputError

#: Arrow schema of a graph's node table.
NODES_SCHEMA = pa.schema(
    [
        pa.field("node_id", pa.int32(), nullable=False),
        pa.field("page_id", pa.int64(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
    ]
)
#: Arrow schema of a graph's edge table (sorted by source, then target).
EDGES_SCHEMA = pa.schema(
    [
        pa.field("source", pa.int32(), nullable=False),
        pa.field("target", pa.int32(), nullable=False),
    ]
)

_STREAM_BATCH_ROWS = 262_144


@dataclass
class LinkGraph:
    """A directed, simple (no duplicate edge, no self-loop) graph with dense int node ids.

    Attributes:
        page_id: Page id of each node, ascending (node id = position).
        title: Title of each node (database form), aligned with `page_id`.
        source: Source node of each edge, edges sorted by (source, target).
        target: Target node of each edge.
        stats: Counters from construction (links read, dropped and why), for metadata.
    """

    page_id: np.ndarray
    title: pa.Array
    source: np.ndarray
    target: np.ndarray
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return int(self.page_id.shape[0])

    @property
    def edge_count(self) -> int:
        """Number of edges."""
        return int(self.source.shape[0])

    def nodes_table(self) -> pa.Table:
        """Nodes as an Arrow table with :data:`NODES_SCHEMA`."""
        return pa.table(
            [
                pa.array(np.arange(self.node_count, dtype=np.int32)),
                pa.array(self.page_id, type=pa.int64()),
                self.title.cast(pa.string()),
            ],
            schema=NODES_SCHEMA,
        )

    def edges_table(self) -> pa.Table:
        """Edges as an Arrow table with :data:`EDGES_SCHEMA`."""
        return pa.table(
            [pa.array(self.source, type=pa.int32()), pa.array(self.target, type=pa.int32())],
            schema=EDGES_SCHEMA,
        )

    @classmethod
    def from_tables(
        cls, nodes: pa.Table, edges: pa.Table, stats: dict[str, int] | None = None
    ) -> LinkGraph:
        """Rebuild a graph from its node and edge tables (as written by an asset).

        Args:
            nodes: Table with :data:`NODES_SCHEMA` columns, in node id order.
            edges: Table with :data:`EDGES_SCHEMA` columns.
            stats: Optional construction counters.

        Returns:
            The graph.

        Raises:
            ValueError: If node ids are not 0..n-1 in order or edges point outside the nodes.
        """
        node_ids = nodes.column("node_id").to_numpy()
        if not np.array_equal(node_ids, np.arange(len(node_ids))):
            raise ValueError("node table is not in node id order 0..n-1")
        source = edges.column("source").to_numpy().astype(np.int32, copy=False)
        target = edges.column("target").to_numpy().astype(np.int32, copy=False)
        n = len(node_ids)
        if len(source) and (
            min(source.min(), target.min()) < 0 or max(source.max(), target.max()) >= n
        ):
            raise ValueError("edge endpoint outside the node table")
        return cls(
            page_id=nodes.column("page_id").to_numpy().astype(np.int64, copy=False),
            title=nodes.column("title").combine_chunks(),
            source=source,
            target=target,
            stats=dict(stats or {}),
        )


def assemble_link_graph(
    articles: pl.LazyFrame,
    title_to_article: pl.LazyFrame,
    links: pl.LazyFrame,
    stats: dict[str, int] | None = None,
) -> LinkGraph:
    """Build the graph from normalised inputs (the SQL-dump route; the other routes run the
    same rules as engine SQL, ``wikiforge.graph.engine_sql``).

    Args:
        articles: Nodes: ``page_id`` (int64), ``title`` (str); one row per ns0 non-redirect page.
        title_to_article: ``title`` -> ``page_id`` of the article a ns0 title leads to: every
            article under its own title plus every resolvable redirect under the redirect's title.
        links: ``source_page_id`` (int64), ``target_title`` (str, ns0 target): raw links.
        stats: Counters gathered so far, extended and stored on the graph.

    Returns:
        The graph, with counters ``links_read``, ``links_from_non_articles``,
        ``links_to_missing_pages``, ``self_links``, ``duplicate_links``, ``nodes``, ``edges``.
    """
    stats = dict(stats or {})
    nodes = (
        articles.select(pl.col("page_id").cast(pl.Int64), pl.col("title").cast(pl.String))
        .unique(subset="page_id", keep="first", maintain_order=False)
        .sort("page_id")
        .with_row_index("node_id")
        .with_columns(pl.col("node_id").cast(pl.Int32))
    )
    title_map = title_to_article.select(
        pl.col("title").cast(pl.String), pl.col("page_id").cast(pl.Int64).alias("target_page_id")
    ).unique(subset="title", keep="first")

    links = links.select(
        pl.col("source_page_id").cast(pl.Int64), pl.col("target_title").cast(pl.String)
    )
    with_source = links.join(
        nodes.select(pl.col("page_id").alias("source_page_id"), pl.col("node_id").alias("source")),
        on="source_page_id",
        how="left",
    )
    resolved = with_source.join(title_map, left_on="target_title", right_on="title", how="left")
    resolved = resolved.join(
        nodes.select(pl.col("page_id").alias("target_page_id"), pl.col("node_id").alias("target")),
        on="target_page_id",
        how="left",
    )
    counted = resolved.select(
        pl.len().alias("links_read"),
        pl.col("source").is_null().sum().alias("links_from_non_articles"),
        (pl.col("source").is_not_null() & pl.col("target").is_null())
        .sum()
        .alias("links_to_missing_pages"),
        (pl.col("source") == pl.col("target")).sum().alias("self_links"),
    )
    kept = resolved.filter(
        pl.col("source").is_not_null()
        & pl.col("target").is_not_null()
        & (pl.col("source") != pl.col("target"))
    ).select("source", "target")
    edges = kept.unique().sort(["source", "target"])

    node_frame, edge_frame, count_frame = pl.collect_all(
        [nodes, edges, counted], engine="streaming"
    )
    counts = count_frame.row(0, named=True)
    return assembled_graph(node_frame.to_arrow(), edge_frame.to_arrow(), counts, stats)


def assembled_graph(
    nodes: pa.Table, edges: pa.Table, counts: Mapping[str, int], stats: dict[str, int]
) -> LinkGraph:
    """The graph from an assembly's output, whichever route built it (polars here, engine SQL
    in ``wikiforge.graph.engine_sql``).

    Args:
        nodes: ``page_id`` and ``title`` in node id order.
        edges: ``source`` and ``target``, distinct and sorted.
        counts: ``links_read``, ``links_from_non_articles``, ``links_to_missing_pages`` and
            ``self_links`` over every link read.
        stats: Counters gathered so far; ``counts``, ``duplicate_links``, ``nodes`` and
            ``edges`` are added to them.
    """
    stats.update({name: int(value) for name, value in counts.items()})
    kept = counts["links_read"] - counts["links_from_non_articles"]
    kept -= counts["links_to_missing_pages"] + counts["self_links"]
    stats["duplicate_links"] = int(kept - edges.num_rows)
    stats["nodes"] = nodes.num_rows
    stats["edges"] = edges.num_rows
    return LinkGraph(
        page_id=nodes.column("page_id").to_numpy().astype(np.int64, copy=False),
        title=nodes.column("title").combine_chunks().cast(pa.string()),
        source=edges.column("source").to_numpy().astype(np.int32, copy=False),
        target=edges.column("target").to_numpy().astype(np.int32, copy=False),
        stats=stats,
    )


def _frame_from_dump(
    path: str | PathLike[str],
    columns: list[str],
    where: pl.Expr | None,
    keep: dict[str, str],
    stats: dict[str, int],
    stats_prefix: str,
    workdir: Path | None,
) -> pl.LazyFrame:
    """Stream some columns of a dump into a polars frame, keeping only rows matching `where`.

    Filtering happens batch by batch, and only the `keep` columns (renamed) are held: for
    `pagelinks`, two int columns of ns0 links. With a `workdir` the kept rows go to a Parquet
    file there instead of memory, and the frame scans it (bounded memory for big wikis).
    """
    kept: list[pl.DataFrame] = []
    writer: pq.ParquetWriter | None = None
    target = workdir / f"{stats_prefix}.parquet" if workdir is not None else None
    with SqlDump(path) as dump:
        available = set(dump.column_names)
        wanted = [name for name in columns if name in available]
        output_schema = pa.schema(
            [dump.arrow_schema([name]).field(0).with_name(new) for name, new in keep.items()]
        )
        for batch in dump.batches(wanted, batch_rows=_STREAM_BATCH_ROWS):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            if where is not None:
                frame = frame.filter(where)
            frame = frame.select([pl.col(name).alias(new) for name, new in keep.items()])
            if target is None:
                kept.append(frame)
                continue
            if writer is None:
                writer = pq.ParquetWriter(target, output_schema)
            writer.write_table(frame.to_arrow().cast(output_schema))
        for name, value in dump.stats.as_dict().items():
            stats[f"{stats_prefix}_{name}"] = value
    if target is not None:
        if writer is None:
            pq.write_table(output_schema.empty_table(), target)
        else:
            writer.close()
        return pl.scan_parquet(target)
    if not kept:
        empty = pl.from_arrow(output_schema.empty_table())
        assert isinstance(empty, pl.DataFrame)
        return empty.lazy()
    return pl.concat(kept, rechunk=False).lazy()


def dump_columns(path: str | PathLike[str]) -> list[str]:
    """Column names of the table in a SQL dump (reads only the header)."""
    with SqlDump(path) as dump:
        return dump.column_names


def link_graph_from_sql_dumps(
    page: str | PathLike[str],
    pagelinks: str | PathLike[str],
    redirect: str | PathLike[str] | None = None,
    linktarget: str | PathLike[str] | None = None,
    workdir: str | PathLike[str] | None = None,
) -> LinkGraph:
    """Build a wiki's link graph from its MediaWiki SQL dumps.

    Both `pagelinks` schemas are read: the current one (``pl_target_id`` into `linktarget`,
    MediaWiki 1.42+) when a `linktarget` dump is given and the table has ``pl_target_id``, else
    the old one (``pl_namespace``, ``pl_title``).

    Args:
        page: The `page` table dump.
        pagelinks: The `pagelinks` table dump.
        redirect: The `redirect` table dump; without it links to redirects are dropped.
        linktarget: The `linktarget` table dump (needed by the current pagelinks schema).
        workdir: Directory for intermediate Parquet files (bounded memory on big wikis);
            default: keep the filtered rows in memory.

    Returns:
        The graph; its ``stats`` hold the construction counters, ``pagelinks_schema``
        (1 = current, 0 = old) and each dump's reader counters.

    Raises:
        InputError: If a dump is malformed or `pagelinks` has neither schema's columns.
    """
    stats: dict[str, int] = {}
    spill = Path(workdir) if workdir is not None else None
    pages = _frame_from_dump(
        page,
        ["page_id", "page_namespace", "page_title", "page_is_redirect"],
        pl.col("page_namespace") == 0,
        {"page_id": "page_id", "page_title": "title", "page_is_redirect": "page_is_redirect"},
        stats,
        "page",
        spill,
    )
    articles = pages.filter(pl.col("page_is_redirect") == 0).select("page_id", "title")

    link_columns = set(dump_columns(pagelinks))
    use_target_id = linktarget is not None and "pl_target_id" in link_columns
    if not use_target_id and not {"pl_namespace", "pl_title"} <= link_columns:
        raise InputError(
            pagelinks,
            "header",
            "pagelinks has no pl_title (old schema) and no linktarget dump was given "
            "for pl_target_id (current schema)",
        )
    from_article = pl.col("pl_from_namespace") == 0 if "pl_from_namespace" in link_columns else None
    if use_target_id:
        assert linktarget is not None
        raw = _frame_from_dump(
            pagelinks,
            ["pl_from", "pl_from_namespace", "pl_target_id"],
            from_article,
            {"pl_from": "source_page_id", "pl_target_id": "pl_target_id"},
            stats,
            "pagelinks",
            spill,
        )
        targets = _frame_from_dump(
            linktarget,
            ["lt_id", "lt_namespace", "lt_title"],
            pl.col("lt_namespace") == 0,
            {"lt_id": "lt_id", "lt_title": "target_title"},
            stats,
            "linktarget",
            spill,
        )
        stats["pagelinks_schema"] = 1
        links = raw.join(targets, left_on="pl_target_id", right_on="lt_id", how="inner")
    else:
        ns0_target = pl.col("pl_namespace") == 0
        links = _frame_from_dump(
            pagelinks,
            ["pl_from", "pl_from_namespace", "pl_namespace", "pl_title"],
            ns0_target if from_article is None else ns0_target & from_article,
            {"pl_from": "source_page_id", "pl_title": "target_title"},
            stats,
            "pagelinks",
            spill,
        )
        stats["pagelinks_schema"] = 0
    links = links.select("source_page_id", "target_title")

    if redirect is not None:
        redirects = _frame_from_dump(
            redirect,
            ["rd_from", "rd_namespace", "rd_title", "rd_interwiki"],
            None,
            {name: name for name in ("rd_from", "rd_namespace", "rd_title", "rd_interwiki")},
            stats,
            "redirect",
            spill,
        )
    else:
        redirects = pl.LazyFrame(
            schema={
                "rd_from": pl.Int64,
                "rd_namespace": pl.Int64,
                "rd_title": pl.String,
                "rd_interwiki": pl.String,
            }
        )
    title_map, redirect_stats = resolve_redirect_titles(pages, redirects)
    stats.update(redirect_stats)
    return assemble_link_graph(articles, title_map, links, stats)


def resolve_redirect_titles(
    pages: pl.LazyFrame, redirects: pl.LazyFrame
) -> tuple[pl.LazyFrame, dict[str, int]]:
    """Map every ns0 title to the article it leads to, following redirects one hop.

    Args:
        pages: ns0 pages: ``page_id``, ``title``, ``page_is_redirect``.
        redirects: `redirect` rows: ``rd_from``, ``rd_namespace``, ``rd_title``,
            ``rd_interwiki`` (NULL or empty for local redirects).

    Returns:
        A frame ``title`` -> ``page_id`` and counters ``redirects`` (ns0 redirect pages),
        ``redirects_resolved``, ``redirects_unresolved`` (to a missing page, to another
        redirect, interwiki, out of ns0 or without a `redirect` row).
    """
    articles = pages.filter(pl.col("page_is_redirect") == 0).select("page_id", "title")
    redirect_pages = pages.filter(pl.col("page_is_redirect") != 0).select(
        pl.col("page_id").alias("rd_from"), pl.col("title")
    )
    local = redirects.filter(
        (pl.col("rd_namespace") == 0)
        & (pl.col("rd_interwiki").is_null() | (pl.col("rd_interwiki") == ""))
    ).select(pl.col("rd_from").cast(pl.Int64), pl.col("rd_title"))
    resolved = (
        redirect_pages.join(local, on="rd_from", how="inner")
        .join(articles.rename({"title": "rd_title"}), on="rd_title", how="inner")
        .select("title", "page_id")
    )
    redirect_count, resolved_frame = pl.collect_all([redirect_pages.select(pl.len()), resolved])
    title_map = pl.concat([articles, resolved_frame.lazy().select("page_id", "title")])
    total = int(redirect_count.item())
    return title_map, {
        "redirects": total,
        "redirects_resolved": resolved_frame.height,
        "redirects_unresolved": total - resolved_frame.height,
    }


def iter_edges(graph: LinkGraph) -> Iterator[tuple[int, int]]:
    """Yield edges as (source page id, target page id) pairs (for comparisons and tests)."""
    page_id = graph.page_id
    for source, target in zip(graph.source.tolist(), graph.target.tolist(), strict=True):
        yield int(page_id[source]), int(page_id[target])


#: File names of a stored link graph.
NODES_FILE = "nodes.parquet"
EDGES_FILE = "edges.parquet"


def write_link_graph(graph: LinkGraph, nodes_path: Path, edges_path: Path) -> None:
    """Write a graph as two Parquet files (nodes in node order, edges sorted)."""
    pq.write_table(graph.nodes_table(), nodes_path, compression="zstd")
    pq.write_table(graph.edges_table(), edges_path, compression="zstd")


def read_link_graph(nodes_path: Path, edges_path: Path) -> LinkGraph:
    """Read a graph written by :func:`write_link_graph` (schemas and node order checked)."""
    nodes = pq.read_table(nodes_path, schema=NODES_SCHEMA)
    edges = pq.read_table(edges_path, schema=EDGES_SCHEMA)
    return LinkGraph.from_tables(nodes, edges)
