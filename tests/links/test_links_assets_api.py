"""The links line through Dagster (hawiki), then the HTTP API and the CLI over what it published."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from tests.links.conftest import MaterializedLine


@pytest.fixture(scope="module")
def published(hawiki_line: MaterializedLine) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The whole links line materialized for hawiki (shared with the other links tests)."""
    return hawiki_line.root, hawiki_line.result


def _metadata(result, asset: str) -> dict:
    for event in result.get_asset_materialization_events():
        if event.asset_key.to_user_string() == asset:
            return {k: v.value for k, v in event.materialization.metadata.items()}
    raise AssertionError(f"{asset} was not materialized")


def test_assets_materialize_with_checks_and_metadata(published):
    root, result = published
    assert result.success
    assert [e.passed for e in result.get_asset_check_evaluations()] == [True]
    meta = _metadata(result, "backtest")
    assert meta["reference_precision_at_0.5"] >= 0.75 and meta["reference_recall_at_0.5"] >= 0.2
    assert meta["heldout_pages"] > 100 and "data:image/png;base64," in meta["plot"]
    assert 0.0 < meta["heldout_candidate_ceiling"] <= 1.0
    assert meta["heldout_recall_at_0.5"] <= meta["heldout_candidate_ceiling"]
    assert (
        0.0 <= meta["heldout_ece"] <= 1.0 and "data:image/png;base64," in meta["reliability_plot"]
    )
    model_meta = _metadata(result, "link_model")
    assert model_meta["calibration"] == "isotonic"
    assert model_meta["out_of_fold_ece_calibrated"] <= model_meta["out_of_fold_ece_raw"]
    assert _metadata(result, "anchors_filtered")["p31_filter"] in (
        "applied",
        "skipped: no Wikidata dump",
    )
    assert _metadata(result, "redirects")["resolved"] > 100
    version = json.loads((root / "link_datasets" / "hawiki" / "CURRENT.json").read_text())
    directory = root / "link_datasets" / "hawiki" / version["version"]
    for dataset in ("anchors", "redirects", "pageids", "w2vfiltered"):
        checksum = (directory / f"hawiki.{dataset}.sqlite.checksum").read_text().split()[0]
        assert len(checksum) == 64
        assert (directory / f"lr_hawiki_{dataset}.sql.gz").stat().st_size > 0
    assert (directory / "wikis.txt").read_text() == "hawiki\n"
    # The server maps the compiled index published in the bundle; it agrees with the tables.
    from serving.services.links import load_link_service
    from wikiforge.storage import StoredAsset

    manifest = json.loads((directory / "_manifest.json").read_text())
    service = load_link_service(StoredAsset(directory, manifest))
    assert service.index.directory == directory / "bundle" / "index"
    anchors_table = pq.read_table(directory / "bundle" / "anchors.parquet")
    assert len(service.index.entries) == len(set(anchors_table.column("anchor").to_pylist()))
    pageids_table = pq.read_table(directory / "bundle" / "pageids.parquet")
    assert len(service.index.pageids) == pageids_table.num_rows
    csv = (root / "backtest" / "hawiki").glob("*/hawiki.backtest.eval.csv")
    header = next(csv).read_text().splitlines()[0]
    assert header == ",threshold,number_of_sentences,precision,recall"
    links_table = pq.read_table(next((root / "links" / "hawiki").glob("*/*.parquet")))
    assert links_table.num_rows > 1000


def _client(root: Path) -> TestClient:
    from serving.app import create_app

    return TestClient(app=create_app(root, recheck_s=0.0))


def test_get_and_post_recommendations(published):
    root, _ = published
    with _client(root) as client:
        got = client.get("/v1/linkrecommendations/wikipedia/ha/Kano", params={"threshold": 0})
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["page_title"] == "Kano" and body["links_count"] == len(body["links"])
        assert set(body["meta"]["dataset_checksums"]) == {
            "anchors",
            "w2vfiltered",
            "redirects",
            "pageids",
            "model",
        }
        text = "Birnin Kano yana a arewacin Najeriya, kusa da Kaduna da Katsina a Afirka."
        posted = client.post(
            "/v1/linkrecommendations/wikipedia/ha/Gwaji",
            params={"threshold": 0.0, "max_recommendations": 2},
            json={"wikitext": text, "revid": 1, "pageid": 2},
        )
        assert posted.status_code == 200, posted.text
        result = posted.json()
        assert 0 < result["links_count"] <= 2
        for link in result["links"]:
            offset = link["wikitext_offset"]
            assert text[offset : offset + len(link["link_text"])] == link["link_text"]


def test_errors_are_the_references_and_never_500(published):
    root, _ = published
    with _client(root) as client:
        unknown = client.get("/v1/linkrecommendations/wikipedia/xx/Kano")
        assert unknown.status_code == 400
        assert ["wikipedia", "ha"] in unknown.json()["extra"]["valid_project_domain_pairs"]
        assert client.get("/v1/linkrecommendations/wikipedia/ha/No_such_page_x").status_code == 404
        url = "/v1/linkrecommendations/wikipedia/ha/Kano"
        assert client.post(url, content=b"{not json").status_code == 422
        assert client.post(url, json={"wikitext": "x"}).status_code == 422
        assert client.post(url, content=b"x" * (5 << 20)).status_code == 413
        assert client.get(url, params={"threshold": 2}).status_code == 400
        for wikitext in [
            "",
            "[[" * 5000,
            "{{" * 3000 + "}}" * 10,
            "\x00\ud7ff" * 100,
            "'''" * 2000,
            "<ref>" * 1000,
        ]:
            answer = client.post(url, json={"wikitext": wikitext, "revid": 1, "pageid": 1})
            assert answer.status_code in (200, 422), answer.text


def test_wikitext_limit_is_413_with_a_clear_json_error(published, monkeypatch):
    root, _ = published
    url = "/v1/linkrecommendations/wikipedia/ha/Kano"
    monkeypatch.setenv("WIKIFORGE_LINKS_MAX_WIKITEXT_CHARS", "1000")
    with _client(root) as client:
        assert (
            client.post(url, json={"wikitext": "Kano " * 200, "revid": 1, "pageid": 1}).status_code
            == 200
        )
        over = client.post(url, json={"wikitext": "Kano " * 200 + "x", "revid": 1, "pageid": 1})
        assert over.status_code == 413
        body = over.json()
        assert body["code"] == 413 and "1000 characters" in body["description"]
        assert body["extra"] == {"limit_chars": 1000, "got_chars": 1001}
        # Characters, not bytes: 1,000 Greek letters (2,000 bytes) are within the limit.
        assert (
            client.post(url, json={"wikitext": "λ" * 1000, "revid": 1, "pageid": 1}).status_code
            == 200
        )


def test_language_code_parameter_changes_casing(published):
    root, _ = published
    url = "/v1/linkrecommendations/wikipedia/ha/Gwaji"
    text = "Birnin KANO yana a arewacin NAJERIYA, kusa da KATSINA a AFIRKA."
    with _client(root) as client:

        def texts(**params):
            answer = client.post(
                url,
                params={"threshold": 0.0, **params},
                json={"wikitext": text, "revid": 1, "pageid": 2},
            )
            assert answer.status_code == 200, answer.text
            return {link["link_text"] for link in answer.json()["links"]}

        default = texts()
        assert "NAJERIYA" in default
        assert texts(language_code="ha") == default
        assert "NAJERIYA" not in texts(language_code="tr")


def test_cli_prints_the_same_json(published):
    from cli import main

    root, _ = published
    runner = CliRunner()
    out = runner.invoke(
        main,
        [
            "query",
            "--wiki-domain",
            "ha",
            "--page-title",
            "Kano",
            "--threshold",
            "0",
            "--data",
            str(root),
        ],
    )
    assert out.exit_code == 0, out.output
    with _client(root) as client:
        api = client.get("/v1/linkrecommendations/wikipedia/ha/Kano", params={"threshold": 0})
    assert json.loads(out.output) == api.json()
    missing = runner.invoke(
        main, ["query", "--wiki-domain", "ha", "--page-title", "Nope x", "--data", str(root)]
    )
    assert missing.exit_code == 1 and json.loads(missing.output)["code"] == 404


def test_new_model_is_served_without_restart(published, tmp_path):
    root, _ = published
    with _client(root) as client:
        url = "/v1/linkrecommendations/wikipedia/ha/Kano"
        first = client.get(url).json()["meta"]["dataset_version"]
        # Publish a new version of link_datasets through the storage layer, as an asset run does.
        from wikiforge.storage import open_data_root

        data = open_data_root(root)
        current = data.current("link_datasets", "hawiki")
        staged = data.staging()
        shutil.copytree(current.dir, staged, dirs_exist_ok=True)
        (staged / "_manifest.json").unlink()
        stored = data.publish("link_datasets", "hawiki", staged, dict(current.manifest))
        assert client.get(url).json()["meta"]["dataset_version"] == stored.version != first


def test_links_join_resolves_targets_like_the_redirect_dictionary(published):
    """The `links` asset resolves targets with a SQL join (no titles held by the workers): its
    rows equal resolving every found link through the redirect dictionary in memory.
    """
    import pyarrow as pa

    from wikiforge.links.stored import namespace_prefixes
    from wikiforge.links.tables import links_of_batch, pairs
    from wikiforge.storage import DataRoot
    from wikiforge.wikis import language_of

    root, _ = published
    data = DataRoot(root)
    stored = {name: data.current(name, "hawiki") for name in ("pages", "pageids", "redirects")}
    page_rows = pa.concat_tables(pq.read_table(p) for p in stored["pages"].parquet_paths())
    articles = frozenset(
        pa.concat_tables(pq.read_table(p) for p in stored["pageids"].parquet_paths())
        .column("title")
        .to_pylist()
    )
    redirect_table = pa.concat_tables(pq.read_table(p) for p in stored["redirects"].parquet_paths())
    prefixes = namespace_prefixes(stored["pages"])
    expected = pa.Table.from_batches(
        [
            links_of_batch(
                batch,
                language_code=language_of("hawiki"),
                prefixes=prefixes,
                redirects=pairs(redirect_table, "title", "target"),
                articles=articles,
            )
            for batch in page_rows.to_batches(max_chunksize=500)
        ]
    ).sort_by([("source_id", "ascending"), ("position", "ascending")])
    actual = pa.concat_tables(
        pq.read_table(p) for p in data.current("links", "hawiki").parquet_paths()
    )
    assert actual.num_rows > 5_000
    assert actual.to_pylist() == expected.to_pylist()
    redirected = sum(
        t != r
        for t, r in zip(
            actual.column("target").to_pylist(),
            actual.column("target_raw").to_pylist(),
            strict=True,
        )
    )
    assert redirected > 0
