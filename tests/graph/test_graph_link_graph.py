"""Link graph construction from SQL dumps (both pagelinks schemas) and by the engine SQL of the
XML and `links` routes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from resources.engine import Staged, local_engine
from tests.graph.conftest import chwiki_dump
from wikiforge.dumps.sql_reader import SqlDump
from wikiforge.errors import InputError
from wikiforge.graph.engine_sql import GRAPH_ROWS_SCHEMA, XML_INPUTS, assemble_on_engine
from wikiforge.graph.link_graph import (
    LinkGraph,
    iter_edges,
    link_graph_from_sql_dumps,
)


def reference_edges_from_chwiki() -> tuple[list[int], set[tuple[int, int]]]:
    """The chwiki graph computed the plain way, with dicts, straight from the dump rows."""
    with SqlDump(chwiki_dump("page")) as dump:
        pages = list(dump.rows(["page_id", "page_namespace", "page_title", "page_is_redirect"]))
    articles = sorted(pid for pid, ns, _, red in pages if ns == 0 and not red)
    article_set = set(articles)
    by_title = {title: pid for pid, ns, title, _ in pages if ns == 0}
    with SqlDump(chwiki_dump("redirect")) as dump:
        redirects = {
            rd_from: title
            for rd_from, ns, title, interwiki in dump.rows(
                ["rd_from", "rd_namespace", "rd_title", "rd_interwiki"]
            )
            if ns == 0 and not interwiki
        }
    with SqlDump(chwiki_dump("linktarget")) as dump:
        targets = {lt_id: title for lt_id, ns, title in dump.rows() if ns == 0}
    edges = set()
    with SqlDump(chwiki_dump("pagelinks")) as dump:
        for source, target_id in dump.rows(["pl_from", "pl_target_id"]):
            if source not in article_set or target_id not in targets:
                continue
            target = by_title.get(targets[target_id])
            if target is not None and target not in article_set:
                target = by_title.get(redirects.get(target, ""))  # one hop
            if target in article_set and target != source:
                edges.add((source, target))
    return articles, edges


def test_chwiki_graph_matches_a_plain_reference(chwiki_graph: LinkGraph) -> None:
    articles, edges = reference_edges_from_chwiki()
    assert chwiki_graph.page_id.tolist() == articles
    assert set(iter_edges(chwiki_graph)) == edges
    assert chwiki_graph.edge_count == len(edges)
    # 662 ns0 pages of which 80 redirects (reference notes); about 1,200 raw ns0 links.
    assert chwiki_graph.node_count == 582
    assert chwiki_graph.stats["redirects"] == 80
    assert chwiki_graph.stats["pagelinks_schema"] == 1


def test_graph_is_simple_sorted_and_dense(chwiki_graph: LinkGraph) -> None:
    source, target = chwiki_graph.source, chwiki_graph.target
    assert source.dtype == np.int32 and target.dtype == np.int32
    assert not np.any(source == target)
    keys = source.astype(np.int64) * chwiki_graph.node_count + target
    assert np.all(np.diff(keys) > 0)  # sorted by (source, target), hence no duplicates
    assert np.all(np.diff(chwiki_graph.page_id) > 0)
    stats = chwiki_graph.stats
    accounted = (
        stats["links_from_non_articles"]
        + stats["links_to_missing_pages"]
        + stats["self_links"]
        + stats["duplicate_links"]
        + stats["edges"]
    )
    assert accounted == stats["links_read"]


def write_old_schema_pagelinks(path: Path) -> None:
    """Rewrite the real chwiki pagelinks in the pre-1.42 schema (pl_namespace, pl_title)."""
    with SqlDump(chwiki_dump("pagelinks")) as dump:
        rows = list(dump.rows(["pl_from", "pl_namespace", "pl_title", "pl_from_namespace"]))
    header = (
        "CREATE TABLE `pagelinks` (\n"
        "  `pl_from` int(8) unsigned NOT NULL DEFAULT 0,\n"
        "  `pl_namespace` int(11) NOT NULL DEFAULT 0,\n"
        "  `pl_title` varbinary(255) NOT NULL DEFAULT '',\n"
        "  `pl_from_namespace` int(11) NOT NULL DEFAULT 0,\n"
        "  PRIMARY KEY (`pl_from`,`pl_namespace`,`pl_title`)\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=binary;\n"
    )
    statements = []
    for start in range(0, len(rows), 1000):
        values = ",".join(
            "({},{},'{}',{})".format(f, ns, t.replace("\\", "\\\\").replace("'", "\\'"), fns)
            for f, ns, t, fns in rows[start : start + 1000]
        )
        statements.append(f"INSERT INTO `pagelinks` VALUES {values};\n")
    path.write_bytes(gzip.compress((header + "".join(statements)).encode()))


def test_old_pagelinks_schema_gives_the_same_graph(tmp_path: Path, chwiki_graph: LinkGraph) -> None:
    old = tmp_path / "chwiki-old-pagelinks.sql.gz"
    write_old_schema_pagelinks(old)
    graph = link_graph_from_sql_dumps(
        chwiki_dump("page"), old, chwiki_dump("redirect"), linktarget=None, workdir=tmp_path
    )
    assert graph.stats["pagelinks_schema"] == 0
    assert np.array_equal(graph.source, chwiki_graph.source)
    assert np.array_equal(graph.target, chwiki_graph.target)
    assert graph.title.to_pylist() == chwiki_graph.title.to_pylist()


PAGE_DUMP = """CREATE TABLE `page` (
  `page_id` int(8) unsigned NOT NULL AUTO_INCREMENT,
  `page_namespace` int(11) NOT NULL DEFAULT 0,
  `page_title` varbinary(255) NOT NULL DEFAULT '',
  `page_is_redirect` tinyint(1) unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`page_id`)
) ENGINE=InnoDB DEFAULT CHARSET=binary;
INSERT INTO `page` VALUES (30,0,'Zeta',0),(10,0,'Alpha',0),(20,0,'Beta',0),(40,0,'To_Alpha',1),\
(50,0,'To_To_Alpha',1),(60,0,'Elsewhere',1),(70,1,'Alpha',0),(80,0,'Talky',1),(90,0,'Lost',1);
"""
REDIRECT_DUMP = """CREATE TABLE `redirect` (
  `rd_from` int(8) unsigned NOT NULL DEFAULT 0,
  `rd_namespace` int(11) NOT NULL DEFAULT 0,
  `rd_title` varbinary(255) NOT NULL DEFAULT '',
  `rd_interwiki` varbinary(32) DEFAULT NULL,
  `rd_fragment` varbinary(255) DEFAULT NULL,
  PRIMARY KEY (`rd_from`)
) ENGINE=InnoDB DEFAULT CHARSET=binary;
INSERT INTO `redirect` VALUES (40,0,'Alpha','',''),(50,0,'To_Alpha','',NULL),\
(60,0,'Alpha','en',''),(80,1,'Alpha','','');
"""
OLD_PAGELINKS_DUMP = """CREATE TABLE `pagelinks` (
  `pl_from` int(8) unsigned NOT NULL DEFAULT 0,
  `pl_namespace` int(11) NOT NULL DEFAULT 0,
  `pl_title` varbinary(255) NOT NULL DEFAULT '',
  `pl_from_namespace` int(11) NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=binary;
INSERT INTO `pagelinks` VALUES (20,0,'Alpha',0),(20,0,'To_Alpha',0),(20,0,'Zeta',0),\
(20,0,'Missing',0),(20,0,'To_To_Alpha',0),(20,0,'Elsewhere',0),(20,0,'Talky',0),\
(20,0,'Lost',0),(10,0,'To_Alpha',0),(10,0,'Beta',0),(70,0,'Beta',1),(30,1,'Alpha',0),\
(40,0,'Alpha',0);
"""


def test_hand_made_old_schema_dump_follows_the_rules(tmp_path: Path) -> None:
    for name, text in [
        ("page", PAGE_DUMP),
        ("redirect", REDIRECT_DUMP),
        ("pagelinks", OLD_PAGELINKS_DUMP),
    ]:
        (tmp_path / f"{name}.sql").write_text(text)
    graph = link_graph_from_sql_dumps(
        tmp_path / "page.sql", tmp_path / "pagelinks.sql", tmp_path / "redirect.sql"
    )
    assert graph.page_id.tolist() == [10, 20, 30]  # ns0 non-redirects, by page id
    assert graph.title.to_pylist() == ["Alpha", "Beta", "Zeta"]
    # Beta->Alpha (direct and via To_Alpha: one edge), Beta->Zeta, Alpha->Beta. Dropped:
    # Alpha->To_Alpha (self-link after resolution), the double, interwiki, talk-namespace and
    # target-less redirects, the red link, links from ns1 pages and from the redirect page.
    assert sorted(iter_edges(graph)) == [(10, 20), (20, 10), (20, 30)]
    stats = graph.stats
    assert stats["redirects"] == 5 and stats["redirects_resolved"] == 1
    assert stats["self_links"] == 1
    assert stats["duplicate_links"] == 1
    assert stats["links_from_non_articles"] == 1  # from the redirect page To_Alpha (ns0)
    assert stats["links_to_missing_pages"] == 5  # Missing, To_To_Alpha, Elsewhere, Talky, Lost


def test_pagelinks_without_a_usable_schema_is_refused(tmp_path: Path) -> None:
    (tmp_path / "page.sql").write_text(PAGE_DUMP)
    new_only = OLD_PAGELINKS_DUMP.replace("`pl_namespace`", "`pl_target_id`").replace(
        "`pl_title` varbinary(255) NOT NULL DEFAULT '',\n", ""
    )
    (tmp_path / "pagelinks.sql").write_text(new_only)
    with pytest.raises(InputError, match="no linktarget dump"):
        link_graph_from_sql_dumps(tmp_path / "page.sql", tmp_path / "pagelinks.sql")


def test_xml_route_assembly_with_spaces_and_redirects(tmp_path: Path) -> None:
    """The link_graph step's SQL over the rows its XML map emits (articles, redirects, links)."""
    rows = [
        {"kind": "a", "page_id": 3, "title": "Third"},
        {"kind": "a", "page_id": 1, "title": "First"},
        {"kind": "a", "page_id": 2, "title": "Second_page"},
        {"kind": "r", "title": "Old name", "target_title": "Third"},
    ] + [
        {"kind": "l", "page_id": source, "target_title": target}
        for source, target in [
            (1, "Second page"),
            (1, "Old name"),
            (1, "Nowhere"),
            (2, "First"),
            (3, "First"),
            (3, "First"),
        ]
    ]
    path = tmp_path / "graph_rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=GRAPH_ROWS_SCHEMA), path)
    graph = assemble_on_engine(local_engine(), XML_INPUTS, graph_rows=Staged([path]))
    assert graph.title.to_pylist() == ["First", "Second_page", "Third"]
    assert sorted(iter_edges(graph)) == [(1, 2), (1, 3), (2, 1), (3, 1)]
    assert graph.stats["links_to_missing_pages"] == 1
    assert graph.stats["duplicate_links"] == 1


def test_tables_round_trip(chwiki_graph: LinkGraph) -> None:
    again = LinkGraph.from_tables(chwiki_graph.nodes_table(), chwiki_graph.edges_table())
    assert np.array_equal(again.source, chwiki_graph.source)
    assert np.array_equal(again.page_id, chwiki_graph.page_id)
    broken = chwiki_graph.edges_table().slice(0, 3)
    with pytest.raises(ValueError, match="node id order"):
        LinkGraph.from_tables(chwiki_graph.nodes_table().slice(1), broken)
