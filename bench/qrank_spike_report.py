"""Report: how spike capping changes the top of the ranking on the bundled sample data.

Builds the ranking of the bundled Wikidata slice (100 entities, dump 20190101) from the bundled
GENERATED 2018 page views twice, plain and spike-capped (K = --cap), and prints how many of the
top --top entities change. The sample holds fewer than 1,000 ranked entities, so "top 1,000"
is all of them.

Reproduce:
  .venv/bin/python bench/qrank_spike_report.py --cap 3 --top 1000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.qrank.pageviews_month import write_pageviews_month  # noqa: E402
from assets.qrank.qviews import write_qviews  # noqa: E402
from assets.qrank.sitelinks import write_sitelinks  # noqa: E402
from bench.support.qrank_generate import REPO_ROOT  # noqa: E402
from resources.engine import Staged, local_engine  # noqa: E402
from wikiforge.landing import Landing  # noqa: E402
from wikiforge.qrank import pageviews, qviews, ranking  # noqa: E402

DUMPS = REPO_ROOT / "samples/dumps"
DUMP = DUMPS / "wikidatawiki/entities/20190101/wikidata-20190101-all.json.bz2"


def main() -> None:
    """Build both rankings and print the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=float, default=3.0)
    parser.add_argument("--top", type=int, default=1000)
    args = parser.parse_args()
    engine = local_engine()
    with tempfile.TemporaryDirectory() as work:
        w = Path(work)
        # The production steps on the local engine: the sitelinks, pageviews_month and qviews
        # assets' maps and SQL.
        write_sitelinks(engine, DUMP, w / "sl.parquet")
        landing_months = Landing(DUMPS).pageview_months()
        months = {}
        for month in qviews.window_months("20190101"):
            if f"{month}-01" in landing_months:
                found = pageviews.month_files(landing_months[f"{month}-01"])
                write_pageviews_month(engine, found.files, found.fmt, w / f"{month}.parquet")
                months[month] = w / f"{month}.parquet"
        tops = {}
        for label, cap in (("plain", None), ("capped", args.cap)):
            result = write_qviews(
                engine,
                Staged([w / "sl.parquet"]),
                {month: Staged([path]) for month, path in months.items()},
                w / f"{label}.parquet",
                cap,
            )
            ranking.write_qrank(w / f"{label}.parquet", w / f"{label}.csv.gz")
            tops[label] = (ranking.top_entities(w / f"{label}.csv.gz", args.top), result)
    plain, capped = tops["plain"][0], tops["capped"][0]
    changes = ranking.top_changes(plain, capped)
    print(
        f"months used: {len(months)}; ranked entities: {len(plain)}; "
        f"entities whose months were capped: {tops['capped'][1]['capped']}"
    )
    print(f"{'':<34}{'value':>8}")
    print(f"{'top-n compared':<34}{changes['n']:>8}")
    print(f"{'left the top-n when capped':<34}{changes['left_top']:>8}")
    print(f"{'changed rank within the top-n':<34}{changes['changed_rank']:>8}")
    print("first 5 plain:  ", plain[:5])
    print("first 5 capped: ", capped[:5])
    for entity in ("Q3796", "Q433"):
        print(
            f"{entity}: plain rank {plain.index(entity) + 1}, capped rank "
            f"{capped.index(entity) + 1}"
        )
    print(
        f"reproduce: .venv/bin/python bench/qrank_spike_report.py --cap {args.cap} --top {args.top}"
    )


if __name__ == "__main__":
    main()
