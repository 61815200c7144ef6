"""qviews over the window, spike capping, the ranking file, its stats and plot, end to end."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.qrank.pageviews_month import write_pageviews_month
from assets.qrank.qviews import write_qviews
from assets.qrank.sitelinks import write_sitelinks
from resources.engine import Staged, local_engine
from tests.conftest import SAMPLE_DUMPS
from wikiforge.landing import Landing
from wikiforge.qrank import pageviews, qviews, ranking, sitelinks

DUMP_2019 = SAMPLE_DUMPS / "wikidatawiki/entities/20190101/wikidata-20190101-all.json.bz2"


def _write(path, schema, rows):
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    pq.write_table(pa.table([list(c) for c in columns], schema=schema), path)
    return path


def test_window_is_the_twelve_months_before_the_dump_month():
    assert qviews.window_months("20190101") == [f"2018-{m:02d}" for m in range(1, 13)]
    assert qviews.window_months("20210215")[0] == "2020-02"
    assert qviews.window_months("20210215")[-1] == "2021-01"


def _one_year(tmp_path, monthly):
    """Months (key, views) files from {key: [12 monthly views]} and a sitelinks table."""
    paths = {}
    for m in range(12):
        rows = [(key, views[m]) for key, views in sorted(monthly.items()) if views[m] > 0]
        paths[f"2018-{m + 1:02d}"] = _write(
            tmp_path / f"m{m}.parquet", pageviews.MONTH_SCHEMA, rows
        )
    links = sorted((key, int(key.split("/q")[1])) for key in monthly)
    sl = _write(tmp_path / "sl.parquet", sitelinks.SITELINKS_SCHEMA, links)
    return sl, paths


def _qviews(sitelinks_path, month_paths, out_path, spike_cap=None) -> dict[str, int]:
    """The production step (the asset's SQL) on the local engine, over plain Parquet files."""
    months = {month: Staged([path]) for month, path in month_paths.items()}
    return write_qviews(local_engine(), Staged([sitelinks_path]), months, out_path, spike_cap)


def test_one_month_spike_does_not_lift_an_entity_above_a_steady_one(tmp_path):
    steady = [1000] * 12
    spiky = [50] * 12
    spiky[5] = 100_000  # one month of news
    sl, months = _one_year(tmp_path, {"en.wikipedia/q1": steady, "en.wikipedia/q2": spiky})
    plain = _qviews(sl, months, tmp_path / "plain.parquet")
    capped = _qviews(sl, months, tmp_path / "cap.parquet", spike_cap=3)
    plain_views = {
        r["qid"]: r["views"] for r in pq.read_table(tmp_path / "plain.parquet").to_pylist()
    }
    capped_rows = pq.read_table(tmp_path / "cap.parquet").to_pylist()
    capped_views = {r["qid"]: r["views"] for r in capped_rows}
    assert plain_views[2] > plain_views[1]  # the raw sum ranks the spike first
    assert capped_views[1] == 12_000  # steady months never reach 3x their median
    assert capped_views[2] == 11 * 50 + 150  # the spike month counts 3 median months
    assert capped_views[1] > capped_views[2]
    assert capped["capped"] == 1 and plain["capped"] == 0
    with pytest.raises(ValueError):
        _qviews(sl, months, tmp_path / "x.parquet", spike_cap=0.5)


def test_missing_months_are_not_fatal(tmp_path):
    sl, months = _one_year(tmp_path, {"en.wikipedia/q1": [1] * 12, "en.wikipedia/q2": [2] * 12})
    partial = {m: p for m, p in months.items() if m < "2018-04"}
    result = _qviews(sl, partial, tmp_path / "q.parquet")
    assert result["views"] == 9 and result["entities"] == 2
    assert pq.read_table(tmp_path / "q.parquet").to_pylist() == [
        {"qid": 1, "views": 3},
        {"qid": 2, "views": 6},
    ]
    empty = _qviews(sl, {}, tmp_path / "e.parquet")
    assert empty["entities"] == 0 and pq.read_table(tmp_path / "e.parquet").num_rows == 0


def test_ranking_order_header_determinism_and_stats(tmp_path):
    rows = [(10, 5), (9, 5), (4, 77), (2, 42), (5, 42), (1, 1), (3, 1)]
    qv = _write(tmp_path / "qv.parquet", qviews.QVIEWS_SCHEMA, rows)
    stats = ranking.write_qrank(qv, tmp_path / "qrank.csv.gz")
    with gzip.open(tmp_path / "qrank.csv.gz", "rt") as f:
        text = f.read()
    assert text == "Entity,QRank\nQ4,77\nQ2,42\nQ5,42\nQ9,5\nQ10,5\nQ1,1\nQ3,1\n"
    assert stats.entities == 7 and stats.lines == 8
    assert stats.sha256 == ranking.sha256_file(tmp_path / "qrank.csv.gz")
    again = ranking.write_qrank(qv, tmp_path / "again.csv.gz")
    assert again.sha256 == stats.sha256  # no time or name inside the gzip stream
    assert stats.median_rank == 4 and stats.median_views == 5
    assert stats.samples[0] == ["Q4", 1, 77] and stats.samples[-1] == ["Q3", 7, 1]
    data = stats.as_json("20190101")
    assert data["Sha256"] == stats.sha256 and data["DumpDate"] == "20190101"
    png = ranking.plot_distribution(stats)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_stats_sample_thins_a_long_distribution(tmp_path):
    rows = [(i, 10_000_000 // i) for i in range(1, 20_001)]
    qv = _write(tmp_path / "qv.parquet", qviews.QVIEWS_SCHEMA, rows)
    stats = ranking.write_qrank(qv, tmp_path / "qrank.csv.gz")
    ranks = [s[1] for s in stats.samples]
    assert ranks[:50] == list(range(1, 51))
    assert stats.median_rank in ranks and 20_000 in ranks
    assert 60 < len(stats.samples) < 1500


def test_demo_sample_end_to_end_spike_capping(tmp_path):
    """The bundled slice and the generated 2018 views: the June spike ranks third uncapped."""
    sl = write_sitelinks(local_engine(), DUMP_2019, tmp_path / "sl.parquet")
    assert sl.rows == 11_933 and sl.stats.entities == 100 and sl.stats.bad_entities == 0
    landing_months = Landing(SAMPLE_DUMPS).pageview_months()
    months = {}
    for month in qviews.window_months("20190101"):
        found = pageviews.month_files(landing_months[f"{month}-01"])
        assert found.files, month
        out = tmp_path / f"{month}.parquet"
        write_pageviews_month(local_engine(), found.files, found.fmt, out)
        months[month] = out
    tops = {}
    for cap in (None, 3.0):
        qv = tmp_path / f"qv-{cap}.parquet"
        _qviews(tmp_path / "sl.parquet", months, qv, spike_cap=cap)
        ranking.write_qrank(qv, tmp_path / f"qrank-{cap}.csv.gz")
        tops[cap] = ranking.top_entities(tmp_path / f"qrank-{cap}.csv.gz", 1000)
    assert len(tops[None]) == 100  # every entity of the slice has views
    assert tops[None].index("Q3796") == 2  # Cobquecura, obscure, spiked in June 2018
    assert tops[3.0].index("Q3796") > 20
    changes = ranking.top_changes(tops[None], tops[3.0])
    assert changes["left_top"] == 0 and changes["changed_rank"] > 0
