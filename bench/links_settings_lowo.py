"""Choosing the links line's settings by leave-one-wiki-out, through the production assets.

For every candidate setting and every wiki, the links line is materialized by Dagster (the
production assets, the setting passed as run config) up to `backtest`, whose held-out mode
relinks whole held-out articles. Then, for each wiki, the setting with the best mean F1 at
threshold 0.5 on the *other* wikis is chosen, and the wiki is scored with it: every figure in
the table is measured on a wiki its setting was not chosen on.

Settings (the names used in the table):
  reference      anchors linked at least twice (the reference's rule)
  single>=P      anchors linked once kept when their link probability is at least P

Inputs: the repo's sample dumps (hawiki, nvwiki whole; enwiki sample; ja/el/uk cut short) and,
when present, the longer cut el/ja/uk dumps of ../shared/data/wikis in their place. No Wikidata
dump (the P31 filter is skipped), as for a user who drops only the wiki's dump.

Usage:
  .venv/bin/python bench/links_settings_lowo.py [--wikis hawiki nvwiki ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import dagster as dg  # noqa: E402

warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)

from bench.links_heldout_api import default_dumps  # noqa: E402

SETTINGS: dict[str, float | None] = {
    "reference": None,
    "single>=0.5": 0.5,
    "single>=0.2": 0.2,
}


def landing_zone(dumps: dict[str, Path], root: Path) -> Path:
    """A landing zone of symlinks named as the dumps' own layout wants them."""
    import re

    for wiki, path in dumps.items():
        date = re.search(r"(\d{8})", path.name).group(1)  # type: ignore[union-attr]
        suffix = "".join(path.suffixes[-1:])
        target = root / wiki / date / f"{wiki}-{date}-pages-articles.xml{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.symlink_to(path.resolve())
    return root


def run_line(wiki: str, landing: Path, data: Path, single: float | None) -> dict:
    """Materialize the line up to `backtest` with one setting; the backtest's metadata."""
    from assets.ingest.pages import pages
    from assets.links import (
        anchors,
        anchors_filtered,
        backtest,
        embeddings,
        link_model,
        links,
        sentences,
        titles,
        training_set,
        wikidata_p31,
    )
    from resources import build_resources

    selection = [
        pages,
        titles.pageids,
        titles.redirects,
        links.links,
        anchors.anchors,
        wikidata_p31.wikidata_p31,
        anchors_filtered.anchors_filtered,
        embeddings.embeddings,
        sentences.sentences,
        training_set.training_set,
        link_model.link_model,
        backtest.backtest,
    ]
    crawls = data / "no-crawls"
    crawls.mkdir(parents=True, exist_ok=True)
    resources = build_resources(data_root=data, dumps_dir=landing, crawls_dir=crawls)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wiki", [wiki])
        result = dg.materialize(
            selection,
            partition_key=wiki,
            instance=instance,
            resources=resources,
            run_config={"ops": {"anchors": {"config": {"single_link_min_probability": single}}}},
        )
    for event in result.get_asset_materialization_events():
        if event.asset_key.to_user_string() == "backtest":
            return {
                k: v.value
                for k, v in event.materialization.metadata.items()
                if isinstance(v.value, int | float) and not isinstance(v.value, bool)
            }
    raise RuntimeError(f"{wiki}: no backtest")


def f1(row: dict) -> float:
    """F1 of held-out precision and recall at 0.5."""
    p, r = row["heldout_precision_at_0.5"], row["heldout_recall_at_0.5"]
    return 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wikis", nargs="*", default=None)
    parser.add_argument("--settings", nargs="*", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    dumps = default_dumps()
    wikis = args.wikis or list(dumps)
    print(
        "command:", shlex.join([".venv/bin/python", "bench/links_settings_lowo.py", *sys.argv[1:]])
    )
    print("load average at start:", os.getloadavg())
    results: dict[str, dict[str, dict]] = {wiki: {} for wiki in wikis}
    with tempfile.TemporaryDirectory(prefix="links-lowo-") as work:
        landing = landing_zone({w: dumps[w] for w in wikis}, Path(work) / "landing")
        for name in args.settings:
            for wiki in wikis:
                started = time.monotonic()
                data = Path(work) / f"data-{name}-{wiki}".replace(">=", "")
                results[wiki][name] = run_line(wiki, landing, data, SETTINGS[name])
                print(
                    f"{wiki} {name}: F1@0.5 {f1(results[wiki][name]):.3f} "
                    f"({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
    print("load average at end:", os.getloadavg())
    print(
        "\n| wiki | setting chosen on the other wikis | held-out articles | P / R at 0.3 "
        "| P / R at 0.5 | P / R at 0.7 | candidate ceiling | ECE | reference rule: P / R at 0.5, "
        "ceiling |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    chosen_by = {}
    for wiki in wikis:
        others = [w for w in wikis if w != wiki]
        chosen = max(
            args.settings,
            key=lambda name: sum(f1(results[w][name]) for w in others) / max(1, len(others)),
        )
        chosen_by[wiki] = chosen
        row = results[wiki][chosen]
        cells = " | ".join(
            f"{row[f'heldout_precision_at_{t}']:.2f} / {row[f'heldout_recall_at_{t}']:.2f}"
            for t in (0.3, 0.5, 0.7)
        )
        base = results[wiki].get("reference")
        base_cell = (
            f"{base['heldout_precision_at_0.5']:.2f} / {base['heldout_recall_at_0.5']:.2f}, "
            f"{base['heldout_candidate_ceiling']:.2f}"
            if base
            else "-"
        )
        print(
            f"| {wiki} | {chosen} | {row['heldout_pages']} | {cells} "
            f"| {row['heldout_candidate_ceiling']:.2f} | {row['heldout_ece']:.3f} | {base_cell} |"
        )
    print("\nper setting, mean F1@0.5 over all wikis:")
    for name in args.settings:
        print(f"  {name}: {sum(f1(results[w][name]) for w in wikis) / len(wikis):.3f}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "chosen": chosen_by}, indent=1))


if __name__ == "__main__":
    main()
