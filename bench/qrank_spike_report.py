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

from assets.qrank.qviews import write_qviews  # noqa: E402
from bench.support.qrank_generate import REPO_ROOT  # noqa: E402
from resources.engine import Staged, local_engine  # noqa: E402
from wikiforge.qrank import pageviews, qviews, ranking, sitelinks  # noqa: E402

DUMPS = REPO_ROOT / "samples/dumps"
DUMP = DUMPS / "wikidatawiki/entities/20190101/wikidata-20190101-all.json.bz2"


def main() -> None:
    """Build both rankings and print the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=float, default=3.0)
    parser.add_argument("--top", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        w = Path(work)
        sitelinks.build_sitelinks(DUMP, w / "sl.parquet", w, workers=1)
        months = {}
        for month in qviews.window_months("20190101"):
            found = pageviews.find_month_files(DUMPS, month)
            if found.files:
                pageviews.aggregate_month(
                    found.files, found.fmt, w / f"{month}.parquet", w, workers=1
                )
                months[month] = w / f"{month}.parquet"
        tops = {}
        for label, cap in (("plain", None), ("capped", args.cap)):
            # The production step: the qviews asset's SQL on the local engine.
            result = write_qviews(
                local_engine(),
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
