"""Quality unchanged: the links line built by this tree and by another git ref, file by file.

Materializes the links line (pages, pageids, redirects, links, anchors, wikidata_p31,
anchors_filtered, embeddings, sentences, training_set, link_model, link_datasets and backtest:
the held-out articles' recommendations) on the real sample wikis with the code of each tree,
in a fresh process per tree, into two data roots, then compares the sha256 of every published
file (``bench/scale_check_identical.py``). Exits 1 on any difference.

    .venv/bin/python bench/links_identical.py --ref 6027b52 [--wikis hawiki,nvwiki,enwiki]

The ref's source is exported with ``git archive`` (``bench/scale_cost_curves.ref_tree``);
outputs go under ``bench/.cache/identical``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.scale_check_identical import published  # noqa: E402
from bench.scale_cost_curves import ref_tree  # noqa: E402

WORK = REPO / "bench" / ".cache" / "identical"
ASSETS = (
    "pages,pageids,redirects,links,anchors,wikidata_p31,anchors_filtered,embeddings,sentences,"
    "training_set,link_model,link_datasets,backtest"
)
#: Run inside each tree (its own code on its PYTHONPATH).
BUILD = """
import sys
import dagster as dg
import definitions
from resources import build_resources

data, dumps, crawls, wikis, names = sys.argv[1:6]
wikis, names = wikis.split(","), names.split(",")
by_name = {}
for item in definitions.defs.assets or []:
    if isinstance(item, dg.AssetsDefinition):
        for key in item.keys:
            by_name[key.path[-1]] = item
chosen = {id(by_name[n]): by_name[n] for n in names}
resources = build_resources(data_root=data, dumps_dir=dumps, crawls_dir=crawls, engine="local")
instance = dg.DagsterInstance.ephemeral()
instance.add_dynamic_partitions("wiki", wikis)
for wiki in wikis:
    dg.materialize(
        list(chosen.values()),
        partition_key=wiki,
        instance=instance,
        resources=resources,
        selection=[dg.AssetKey(n) for n in names if n != "wikidata_p31"]
        + ([dg.AssetKey("wikidata_p31")] if "wikidata_p31" in names else []),
        raise_on_error=True,
    )
print("built", wikis)
"""


def landing_zone(wikis: list[str]) -> Path:
    """A landing zone holding only the chosen sample wikis and the Wikidata sample."""
    zone = WORK / "dumps"
    shutil.rmtree(zone, ignore_errors=True)
    zone.mkdir(parents=True)
    for name in [*wikis, "wikidatawiki"]:
        (zone / name).symlink_to(REPO / "samples" / "dumps" / name)
    return zone


def build(tree: Path, data: Path, dumps: Path, wikis: list[str]) -> float:
    """Materialize the links line with ``tree``'s code into ``data``; seconds taken."""
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    crawls = WORK / "no-crawls"
    crawls.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree), "DAGSTER_HOME": str(WORK / "dagster-home")}
    (WORK / "dagster-home").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", BUILD, str(data), str(dumps), str(crawls), ",".join(wikis), ASSETS],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", required=True, help="the git ref to compare with")
    parser.add_argument("--wikis", default="hawiki,nvwiki,enwiki")
    args = parser.parse_args(argv)
    wikis = args.wikis.split(",")
    dumps = landing_zone(wikis)
    sha, tree = ref_tree(args.ref)
    results = {}
    for label, source in ((f"ref {sha}", tree), ("this tree", REPO)):
        data = WORK / ("data-ref" if source != REPO else "data-this")
        try:
            seconds = build(source, data, dumps, wikis)
        except subprocess.CalledProcessError as error:
            print(error.stderr.decode()[-3000:])
            raise
        print(f"{label}: built in {seconds:.0f} s")
        results[label] = published(data)
    before, after = results.values()
    differ = 0
    for key in sorted(before.keys() | after.keys()):
        if key[0] not in ASSETS.split(","):
            continue
        same = before.get(key) == after.get(key)
        differ += not same
        files = len(after.get(key, {}))
        print(f"{key[0]:<18} {key[1]:<10} {files:>3} files  {'same' if same else 'DIFFERENT'}")
    print(f"{differ} asset partitions differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
