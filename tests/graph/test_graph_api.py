"""The PageRank endpoints over a published chwiki pagerank table, and the lookup they use."""

import pyarrow as pa
import pytest
from litestar.testing import TestClient

from bench.support.graph_generate import chwiki_sample_graph
from serving.app import create_app
from wikiforge.graph.lookup import PageRankIndex
from wikiforge.graph.scores import pagerank
from wikiforge.graph.tables import PAGERANK_SCHEMA, pagerank_table
from wikiforge.storage import DataRoot, describe_files, write_parquet


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The chwiki PageRank table published (as the pagerank asset writes it) and served."""
    data_root = tmp_path_factory.mktemp("graph-api") / "data"
    root = DataRoot(data_root)
    graph = chwiki_sample_graph()
    table = pagerank_table(graph, pagerank(graph.node_count, graph.source, graph.target))
    staged = root.staging()
    rows = write_parquet(staged, table, PAGERANK_SCHEMA, what="pagerank")
    root.publish(
        "pagerank",
        "chwiki",
        staged,
        {"asset": "pagerank", "partition": "chwiki", "files": describe_files(staged), "rows": rows},
    )
    with TestClient(app=create_app(data_root)) as test_client:
        yield test_client


def test_top_n_in_rank_order(client):
    response = client.get("/v1/pagerank/chwiki", params={"top": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["wiki"] == "chwiki" and body["nodes"] == 582 and len(body["checksum"]) == 64
    items = body["items"]
    assert [item["rank"] for item in items] == [1, 2, 3, 4, 5]
    assert items[0]["title"] == "Estados_Unidus"
    assert set(items[0]) == {"rank", "title", "page_id", "score", "in_degree", "out_degree"}
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    default = client.get("/v1/pagerank/chwiki").json()
    assert len(default["items"]) == 10
    everything = client.get("/v1/pagerank/chwiki", params={"top": 1000}).json()
    assert len(everything["items"]) == 582
    assert sum(item["score"] for item in everything["items"]) == pytest.approx(1.0)
    ranked = [(item["score"], item["page_id"]) for item in everything["items"]]
    assert ranked == sorted(ranked, key=lambda pair: (-pair[0], pair[1]))  # ties by page id


def test_one_article(client):
    top = client.get("/v1/pagerank/chwiki", params={"top": 2}).json()["items"][1]
    response = client.get(f"/v1/pagerank/chwiki/{top['title']}")
    assert response.status_code == 200
    body = response.json()
    assert (body["rank"], body["page_id"], body["score"]) == (2, top["page_id"], top["score"])
    assert body["in_degree"] == top["in_degree"] and body["out_degree"] == top["out_degree"]
    spaced = client.get("/v1/pagerank/chwiki/estados Unidus").json()
    assert spaced["rank"] == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/pagerank/chwiki/No_such_article", 404),
        ("/v1/pagerank/chwiki/AC/DC", 404),
        ("/v1/pagerank/xxwiki", 404),
        ("/v1/pagerank/xxwiki/Guam", 404),
        ("/v1/pagerank/BAD!", 400),
        ("/v1/pagerank/chwiki?top=0", 400),
        ("/v1/pagerank/chwiki?top=abc", 400),
        ("/v1/pagerank/chwiki?top=100000", 400),
        ("/v1/pagerank/chwiki/" + "x" * 600, 400),
    ],
)
def test_bad_requests_get_clear_errors(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == status and "description" in body


def test_lookup_refuses_a_table_out_of_rank_order():
    table = pa.table(
        {
            "rank": [2, 1],
            "title": ["A", "B"],
            "page_id": [1, 2],
            "score": [0.5, 0.5],
            "in_degree": [0, 0],
            "out_degree": [0, 0],
        }
    )
    with pytest.raises(ValueError, match="rank order"):
        PageRankIndex(table)
