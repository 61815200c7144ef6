"""Page-view readers: pageview_complete daily files, pagecounts-raw, and the monthly sum (the
pageviews_month step, on the local engine).
"""

from __future__ import annotations

import bz2
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.qrank.pageviews_month import MonthViews, write_pageviews_month
from resources.engine import local_engine
from tests.conftest import FIXTURES, SAMPLE_DUMPS
from wikiforge.errors import InputError
from wikiforge.landing import Landing, PageviewMonth
from wikiforge.qrank import pageviews as pv

MARCH_2023 = SAMPLE_DUMPS / "other/pageview_complete/2023/2023-03"


def _sum_month(files, fmt, out_path) -> MonthViews:
    """The production step (the asset's map and SQL) on the local engine."""
    return write_pageviews_month(local_engine(), files, fmt, out_path)


def test_line_parser_splits_on_u0020_only_and_accepts_null_ids():
    line = "de.wikipedia A\u0085B\u00a0C\tD null mobile-web 3 A1B2\n".encode()
    assert pv.parse_pageview_complete_line(line) == ("de.wikipedia", "A\u0085B\u00a0C\tD", 3)
    assert pv.parse_pageview_complete_line(b"de.wikipedia Obergesteln 585473 desktop 2 K1U1") == (
        "de.wikipedia",
        "Obergesteln",
        2,
    )
    assert pv.parse_pageview_complete_line(b"de.wikipedia  Obergesteln 1 desktop 2 K1") is None
    assert pv.parse_pageview_complete_line(b"de.wikipedia X 1 desktop two K1") is None


def test_real_month_sums_desktop_and_mobile_and_days(tmp_path):
    month = pv.month_files(Landing(SAMPLE_DUMPS).pageview_months()["2023-03-01"])
    assert month.fmt == pv.PAGEVIEW_COMPLETE
    assert len(month.files) == 7
    assert "20230301" in month.missing and "20230320" not in month.missing
    assert len(month.missing) == 31 - 7
    result = _sum_month(month.files, month.fmt, tmp_path / "m.parquet")
    table = dict(pl.read_parquet(tmp_path / "m.parquet").iter_rows())
    # 2+2 (20th, desktop+mobile) + 1 + 4+4 + 3 + 6 over the week
    assert table["de.wikipedia/obergesteln"] == 22
    assert table["de.wikipedia/datei:hohle_lärche_obergesteln.jpg"] == 3  # null page ids
    assert table["und.commons/category:obergesteln"] == 1
    assert result.stats.lines == 35 and result.stats.bad_lines == 0
    assert result.keys == len(table) == 14
    assert result.views == sum(table.values())
    keys_in_file = pl.read_parquet(tmp_path / "m.parquet").get_column("key").to_list()
    assert keys_in_file == sorted(keys_in_file)


def test_pagecounts_raw_fixture(tmp_path):
    path = FIXTURES / "pageviews/horizons-pagecounts-raw-sample.data"
    result = _sum_month([path], pv.PAGECOUNTS_RAW, tmp_path / "p.parquet")
    table = dict(pl.read_parquet(tmp_path / "p.parquet").iter_rows())
    assert result.stats.lines == 1001
    assert result.stats.skipped_wikis == 2  # es.mw and ch.mw: per-language mobile totals
    assert table["en.wikibooks/latex/labels_and_cross-referencing"] == 74
    assert table["sv.wikipedia/gelelektrofores"] == 3
    assert any(k.startswith("und.wikidata/") for k in table)


def test_bad_lines_are_skipped_and_counted(tmp_path):
    day = tmp_path / "pageviews-20180101-user.bz2"
    lines = [
        b"en.wikipedia C++ 1 desktop 5 A5",
        b"en.wikipedia C++ 1 mobile-web 2 A2",
        b"en.wikipedia too few columns",
        b"en.wikipedia Double  space 1 desktop 1 A1",
        b"en.wikipedia Bad_count 1 desktop x A1",
        b"en.wikipedia \xff\xfe 1 desktop 1 A1",
        b"en-wg.wikipedia Closed 1 desktop 1 A1",
        "tr.wikipedia DİYARBAKIR 1 desktop 4 A4".encode(),
        b"fr.wikipedia Caf%C3%A9 1 desktop 1 A1",
        "fr.wikipedia Café 1 mobile-web 1 A1".encode(),
    ]
    day.write_bytes(bz2.compress(b"\n".join(lines) + b"\n"))
    result = _sum_month([day], pv.PAGEVIEW_COMPLETE, tmp_path / "o.parquet")
    table = dict(pl.read_parquet(tmp_path / "o.parquet").iter_rows())
    assert table == {
        "en.wikipedia/c++": 7,
        "tr.wikipedia/diyarbakır": 4,
        "fr.wikipedia/café": 2,
    }
    stats = result.stats
    assert (stats.bad_lines, stats.bad_counts, stats.bad_utf8, stats.skipped_wikis) == (2, 1, 1, 1)
    assert len(stats.bad_samples) == 2


def test_vectorised_keys_equal_row_rules():
    titles = [
        "Obergesteln",
        "C++",
        "Straße",
        "Wa\u0308he",
        "DİYARBAKIR",
        "Caf%C3%A9",
        "A\tB",
        "Wp/cpx/X",
        "ΣΊΣΥΦΟΣ",
        "100%_sure",
    ]
    wikis = ["de.wikipedia", "tr.wikipedia", "incubator.wikimedia", "www.wikidata", "az.wikipedia"]
    rows = [(w, t, 1) for w in wikis for t in titles]
    frame = pl.DataFrame(
        rows, schema={"wiki": pl.String, "title": pl.String, "views": pl.Int64}, orient="row"
    )
    counts, skipped = pv.keyed_counts(pv.PAGEVIEW_COMPLETE, frame)
    expected: dict[str, int] = {}
    for w, t, v in rows:
        key = pv.row_key(pv.PAGEVIEW_COMPLETE, w, t)
        expected[key] = expected.get(key, 0) + v
    assert dict(counts.iter_rows()) == expected
    assert skipped == 0


def test_empty_day_file_and_corrupt_file(tmp_path):
    empty = MARCH_2023 / "pageviews-20230323-user.bz2"
    result = _sum_month([empty], pv.PAGEVIEW_COMPLETE, tmp_path / "e.parquet")
    assert result.keys == 0 and result.stats.files == 1
    corrupt = tmp_path / "pageviews-20180102-user.bz2"
    good = bz2.compress(b"en.wikipedia A 1 desktop 1 A1\n" * 1000)
    corrupt.write_bytes(good[:40] + b"\x00" * 20 + good[60:])
    with pytest.raises(InputError) as info:
        _sum_month([corrupt], pv.PAGEVIEW_COMPLETE, tmp_path / "c.parquet")
    assert "pageviews-20180102-user.bz2" in str(info.value)
    assert not (tmp_path / "c.parquet").exists()


def test_month_without_files_is_not_a_landing_month_and_missing_hours_are_named():
    months = Landing(SAMPLE_DUMPS).pageview_months()
    assert "2017-05-01" not in months and "2023-03-01" in months
    hours = [f"pagecounts-201202{d:02d}-{h:02d}0000.gz" for d in range(1, 30) for h in range(24)]
    present = [name for name in hours if name != "pagecounts-20120229-230000.gz"]
    month = pv.month_files(PageviewMonth("2012-02-01", hourly=tuple(Path(n) for n in present)))
    assert month.fmt == pv.PAGECOUNTS_RAW and month.month == "2012-02"
    assert len(month.files) == 29 * 24 - 1
    assert month.missing == ["20120229-23"]  # a leap year: 29 days of 24 hours


@settings(max_examples=60, deadline=None)
@given(
    titles=st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8
        ).filter(lambda t: " " not in t),
        min_size=1,
        max_size=40,
    ),
    wiki=st.sampled_from(["de.wikipedia", "el.wikipedia", "tr.wikipedia", "commons.wikimedia"]),
)
def test_vectorised_keys_equal_row_rules_on_random_unicode(titles, wiki):
    frame = pl.DataFrame(
        {"wiki": [wiki] * len(titles), "title": titles, "views": [1] * len(titles)}
    )
    counts, skipped = pv.keyed_counts(pv.PAGEVIEW_COMPLETE, frame)
    expected: dict[str, int] = {}
    for t in titles:
        key = pv.row_key(pv.PAGEVIEW_COMPLETE, wiki, t)
        if key is not None:
            expected[key] = expected.get(key, 0) + 1
    assert dict(counts.iter_rows()) == expected
    assert skipped == len(titles) - sum(expected.values())
