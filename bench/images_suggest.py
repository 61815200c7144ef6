"""Benchmark: the images line's two heavy steps against a named baseline, in the same run.

A. File uses in wikitext (what image_links does per article), on REAL pages: the whole Hausa
   and Navajo Wikipedias of the samples (4,126 articles). Ours:
   wikiforge.images.extract.extract_file_uses (regular expressions: [[File:]] links, galleries,
   imagemaps, template parameters). Baseline: mwparserfromhell (a full wikitext parse, C
   tokenizer) keeping the wikilinks under a File/Media prefix, which finds only the first of
   those four kinds. Reported: articles/s, MB/s of wikitext, files found, and whether every
   [[File:]] link the parser finds is found by ours.

B. The suggestion step (image_suggestions) at scale on GENERATED inputs resampled from the real
   samples: file names are real names of the samples' image links and lead images (made
   unique per item by a numbered suffix), P31 classes are real ones of the Wikidata slice
   (with a share of excluded classes), wikis and items are numbered. Ours:
   wikiforge.images.suggest.suggest_images (polars). Baseline: the same rules written as a
   plain Python loop over articles with dict lookups (the shape of the reference's per-row
   logic). Both outputs are compared row for row (image, rank, source, score), so the bench is
   also a differential test. Each variant runs in its own subprocess; peak RSS is that
   process's VmHWM. No Commons listing (P373 files) in part B.

Timings on a shared 2-core machine (other jobs run at the same time) are noisy:
read them as orders of magnitude.

Reproduce:
  .venv/bin/python bench/images_suggest.py --targets 200000 --items 400000 --wikis 12
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SAMPLE_WIKIS = {
    "hawiki": REPO / "samples/dumps/hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2",
    "nvwiki": REPO / "samples/dumps/nvwiki/20150602/nvwiki-20150602-pages-articles.xml.bz2",
}


# -- A. extraction -----------------------------------------------------------------------------


def bench_extraction(repeat: int) -> list[dict]:
    import mwparserfromhell

    from wikiforge.dumps.xml_reader import read_pages
    from wikiforge.images.extract import extract_file_uses
    from wikiforge.images.files import file_prefixes, normalize_file_name

    pages = []
    for wiki, path in SAMPLE_WIKIS.items():
        reader = read_pages(path)
        prefixes = file_prefixes(reader.siteinfo.namespaces, wiki[:-4])
        pages += [(p.text, prefixes) for p in reader if p.namespace == 0 and p.redirect is None]
    megabytes = sum(len(text.encode()) for text, _ in pages) / 1e6

    def ours():
        return [{u.image for u in extract_file_uses(text, prefixes)} for text, prefixes in pages]

    def baseline():
        out = []
        for text, prefixes in pages:
            folded = {p.casefold() for p in prefixes}
            found = set()
            for link in mwparserfromhell.parse(text).filter_wikilinks():
                title = str(link.title)
                prefix, sep, name = title.partition(":")
                if (
                    sep
                    and not title.lstrip().startswith(":")
                    and prefix.replace("_", " ").strip().casefold() in folded
                    and (normalised := normalize_file_name(name)) is not None
                ):
                    found.add(normalised)
            out.append(found)
        return out

    rows, results = [], {}
    for name, fn in (("ours (regex)", ours), ("baseline: mwparserfromhell", baseline)):
        best = math.inf
        for _ in range(repeat):
            started = time.process_time()
            results[name] = fn()
            best = min(best, time.process_time() - started)
        rows.append(
            {
                "method": name,
                "articles": len(pages),
                "seconds": round(best, 3),
                "articles_per_s": round(len(pages) / best),
                "mb_per_s": round(megabytes / best, 2),
                "files_found": sum(len(s) for s in results[name]),
            }
        )
    ours_sets, parser_sets = results["ours (regex)"], results["baseline: mwparserfromhell"]
    missed = sum(len(p - o) for o, p in zip(ours_sets, parser_sets, strict=True))
    rows[0]["parser_links_missed"] = missed
    return rows


# -- B. suggestions at scale -------------------------------------------------------------------


def real_vocabulary() -> tuple[list[str], list[list[str]]]:
    """Real file names of the samples' articles and real P31 lists of the Wikidata slice."""
    from wikiforge.dumps.xml_reader import read_pages
    from wikiforge.images.extract import extract_file_uses
    from wikiforge.images.files import file_prefixes
    from wikiforge.wikidata.entities import extract_claims
    from wikiforge.wikidata.reader import iter_entities

    names: set[str] = set()
    for wiki, path in SAMPLE_WIKIS.items():
        reader = read_pages(path)
        prefixes = file_prefixes(reader.siteinfo.namespaces, wiki[:-4])
        for page in reader:
            if page.namespace == 0:
                names.update(u.image for u in extract_file_uses(page.text, prefixes))
    dump = REPO / "samples/dumps/wikidatawiki/entities/20190101/wikidata-20190101-all.json.bz2"
    classes = [extract_claims(e).instance_of for e in iter_entities(dump)]
    return sorted(names), [c for c in classes if c]


def generate(targets: int, items: int, wikis: int, seed: int, out: Path) -> dict:
    """Write targets, items and leads (Parquet) resampled from the real vocabulary."""
    import polars as pl

    rng = random.Random(seed)
    names, classes = real_vocabulary()
    excluded = [["Q4167410"], ["Q13406463"], ["Q577"], ["Q101352"]]

    def name(item: int) -> str:
        stem, dot, ext = rng.choice(names).rpartition(".")
        return f"{stem}_{item}.{ext}" if dot else f"{stem}_{item}.jpg"

    wiki_names = [f"w{n:02d}wiki" for n in range(wikis)]
    item_rows = {"item": [], "instance_of": [], "image": [], "commons_category": []}
    lead_rows = {"wiki": [], "item": [], "image": []}
    for number in range(1, items + 1):
        item = f"Q{number}"
        item_rows["item"].append(item)
        item_rows["instance_of"].append(
            rng.choice(excluded) if rng.random() < 0.03 else rng.choice(classes)
        )
        pool = [name(number) for _ in range(3)]
        item_rows["image"].append(pool[:1] if rng.random() < 0.4 else [])
        item_rows["commons_category"].append([])
        for wiki in rng.sample(wiki_names, k=min(wikis, rng.choice((0, 0, 1, 2, 3, 5, 8)))):
            lead_rows["wiki"].append(wiki)
            lead_rows["item"].append(item)
            lead_rows["image"].append(rng.choice(pool) if rng.random() < 0.9 else name(number))
    target_rows = {"wiki": [], "page_id": [], "page_title": [], "item": []}
    for page_id in range(1, targets + 1):
        target_rows["wiki"].append(rng.choice(wiki_names))
        target_rows["page_id"].append(page_id)
        target_rows["page_title"].append(f"Article {page_id}")
        target_rows["item"].append(f"Q{rng.randint(1, items)}")
    pl.DataFrame(item_rows).write_parquet(out / "items.parquet")
    pl.DataFrame(lead_rows).write_parquet(out / "leads.parquet")
    pl.DataFrame(target_rows).write_parquet(out / "targets.parquet")
    return {"targets": targets, "items": items, "leads": len(lead_rows["item"]), "wikis": wikis}


def run_ours(data: Path) -> list[tuple]:
    import polars as pl

    from wikiforge.images.suggest import suggest_images

    table = suggest_images(
        pl.read_parquet(data / "targets.parquet"),
        pl.scan_parquet(data / "items.parquet"),
        pl.read_parquet(data / "leads.parquet"),
    ).table
    rows = table.filter(pl.col("image").is_not_null()).select(
        "wiki", "page_id", "rank", "image", "source", pl.col("score").round(9)
    )
    return sorted(rows.rows())


def run_baseline(data: Path) -> list[tuple]:
    """The same rules as a Python loop over articles (no Commons listing)."""
    import re

    import pyarrow.parquet as pq

    from wikiforge.images.files import P18_NAME_FILTERS, PICTURE_PATTERN, REFERENCE_NAME_FILTERS
    from wikiforge.images.suggest import EXCLUDED_CLASSES

    picture = re.compile(PICTURE_PATTERN.replace("(?i)", ""), re.IGNORECASE)
    items = {r["item"]: r for r in pq.read_table(data / "items.parquet").to_pylist()}
    leads_by_item: dict[str, list[tuple[str, str]]] = {}
    items_per_image: dict[str, set[str]] = {}
    for row in pq.read_table(data / "leads.parquet").to_pylist():
        leads_by_item.setdefault(row["item"], []).append((row["wiki"], row["image"]))
        items_per_image.setdefault(row["image"], set()).add(row["item"])

    def passes(image: str, filters) -> bool:
        lower = image.lower()
        return (
            bool(picture.search(image))
            and not any(f in lower for f in filters)
            and len(items_per_image.get(image, ())) <= 99
        )

    out = []
    for target in pq.read_table(data / "targets.parquet").to_pylist():
        wiki, item = target["wiki"], target["item"]
        claims = items.get(item)
        classes = claims["instance_of"] if claims else []
        if any(c in EXCLUDED_CLASSES for c in classes):
            continue
        others = [(w, image) for w, image in leads_by_item.get(item, []) if w != wiki]
        found_on: dict[str, set[str]] = {}
        for w, image in others:
            found_on.setdefault(image, set()).add(w)
        candidates: dict[str, tuple] = {}
        for position, image in enumerate(claims["image"] if claims else []):
            if passes(image, P18_NAME_FILTERS) and image not in candidates:
                n = len(found_on.get(image, ()))
                candidates[image] = (0, -(0.85 + 0.15 * n / (n + 1)), position, image, "wikidata")
        for image, wikis in found_on.items():
            if image in candidates or not passes(image, REFERENCE_NAME_FILTERS):
                continue
            n = len(wikis)
            candidates[image] = (1, -(0.5 + 0.3 * (1 - 1 / n)), math.inf, image, "wikipedia")
        for rank, cand in enumerate(sorted(candidates.values())[:3], start=1):
            out.append((wiki, target["page_id"], rank, cand[3], cand[4], round(-cand[1], 9)))
    return sorted(out)


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec,
    so a child of a big parent would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(variant: str, data: str, result: str) -> None:
    import polars  # noqa: F401 - imports are not part of the measured time
    import pyarrow.parquet  # noqa: F401

    import wikiforge.images.suggest  # noqa: F401

    started = time.perf_counter()
    rows = (run_ours if variant == "ours" else run_baseline)(Path(data))
    seconds = time.perf_counter() - started
    peak_mb = _peak_rss_mb()
    Path(result).write_bytes(pickle.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb}))


def bench_suggestions(targets: int, items: int, wikis: int, seed: int) -> tuple[dict, list[dict]]:
    with tempfile.TemporaryDirectory(prefix="images-bench-") as work:
        data = Path(work)
        started = time.perf_counter()
        shape = generate(targets, items, wikis, seed, data)
        shape["generate_s"] = round(time.perf_counter() - started, 1)
        outcomes = {}
        for variant in ("ours", "baseline"):
            result = data / f"{variant}.pickle"
            subprocess.run(
                [sys.executable, __file__, "--child", variant, str(data), str(result)], check=True
            )
            outcomes[variant] = pickle.loads(result.read_bytes())
    same = outcomes["ours"]["rows"] == outcomes["baseline"]["rows"]
    rows = [
        {
            "method": "ours (polars)" if v == "ours" else "baseline: Python loop",
            "seconds": round(o["seconds"], 2),
            "targets_per_s": round(targets / o["seconds"]),
            "peak_rss_mb": round(o["peak_mb"]),
            "suggestions": len(o["rows"]),
            "identical_to_other": same,
        }
        for v, o in outcomes.items()
    ]
    return shape, rows


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    columns = list(dict.fromkeys(k for row in rows for k in row))
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-+-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(" | ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=400_000)
    parser.add_argument("--wikis", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    extraction = bench_extraction(args.repeat)
    print_table("A. file uses in real wikitext (CPU seconds, best of --repeat)", extraction)
    shape, suggestions = bench_suggestions(args.targets, args.items, args.wikis, args.seed)
    print_table(f"B. suggestion step on generated inputs {shape} (wall seconds)", suggestions)
    command = (
        f".venv/bin/python bench/images_suggest.py --targets {args.targets} "
        f"--items {args.items} --wikis {args.wikis} --repeat {args.repeat} "
        f"--seed {args.seed}"
    )
    print(f"\nReproduce: {command}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"extraction": extraction, "shape": shape, "suggestions": suggestions}, indent=1
            )
        )


if __name__ == "__main__":
    main()
