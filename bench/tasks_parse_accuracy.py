"""Parsing accuracy of the tasks parsers on real recipe pages with expected parses.

Input: ../shared/data/html/recipes/<site>/*.testhtml + .json (230 pages, 133 sites, from
recipe-scrapers' test data), or the 6 bundled pages in samples/ when ../shared is absent.
A page is right when the title matches, >= 90% of the expected ingredients appear among the
requirements and the steps cover >= 90% of the expected instructions' words. Target: >= 95%.

Reproduce: .venv/bin/python bench/tasks_parse_accuracy.py [--data DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wikiforge.tasks.accuracy import score_taskmap  # noqa: E402
from wikiforge.tasks.pages import canonical_url  # noqa: E402
from wikiforge.tasks.parsers import parse_document  # noqa: E402
from wikiforge.tasks.parsers.model import build_taskmap  # noqa: E402
from wikiforge.tasks.warc import decode_html  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "html" / "recipes"


def pages(data: Path):
    """(site, html path, expected dict) for every page with an expected parse."""
    for html_path in sorted(data.rglob("*")):
        if html_path.suffix not in (".testhtml", ".html"):
            continue
        expected_path = html_path.with_suffix(".json")
        if not expected_path.exists():
            fixture = (
                REPO
                / "samples"
                / "fixtures"
                / "recipes"
                / html_path.parent.name
                / (html_path.stem + ".json")
            )
            expected_path = fixture
        if expected_path.exists():
            yield html_path.parent.name, html_path, json.loads(expected_path.read_text())


def main() -> None:
    """Parse every page, score it, print per-site failures and the total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = SHARED if SHARED.exists() else REPO / "samples/crawls/sample-html/html/recipes"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    results = []
    reasons = Counter()
    parsers = Counter()
    started = time.perf_counter()
    for site, path, expected in pages(args.data):
        html = decode_html(path.read_bytes(), None)
        url = expected.get("canonical_url") or canonical_url(html) or f"https://{site}/"
        result = parse_document(html, url)
        reasons[result.reason.split(":")[0]] += 1
        parsers[result.parser or "-"] += 1
        # Score what the parser found even when the page is then rejected (e.g. no steps:
        # a few expected parses have no instructions either).
        taskmap = result.taskmap
        if taskmap is None and result.parsed is not None:
            taskmap = build_taskmap(result.parsed)
        score = score_taskmap(taskmap, expected)
        results.append((site, path.name, result, score))
    elapsed = time.perf_counter() - started
    right = sum(1 for r in results if r[3].ok)
    print(f"# tasks parse accuracy on {args.data}")
    print(
        f"pages: {len(results)}  sites: {len({r[0] for r in results})}  "
        f"parse time: {elapsed:.1f}s ({1000 * elapsed / max(1, len(results)):.0f} ms/page)"
    )
    print(f"parsers used: {dict(parsers)}  outcomes: {dict(reasons)}")
    print()
    print("| site | page | parser | title | ingredients | instructions |")
    print("|---|---|---|---|---|---|")
    for site, name, result, score in results:
        if score.ok and not args.verbose:
            continue
        title = (
            "ok"
            if score.title_ok
            else (f"got '{result.taskmap.title[:40]}'" if result.taskmap else "-")
        )
        print(
            f"| {site} | {name} | {result.parser or result.reason} | {title} | "
            f"{score.ingredient_recall:.0%} | {score.instruction_coverage:.0%} |"
        )
    print()
    print("| metric | value | target |")
    print("|---|---|---|")
    print(f"| pages right | {right}/{len(results)} = {right / max(1, len(results)):.1%} | >= 95% |")
    print(f"| title ok | {sum(r[3].title_ok for r in results)} | |")
    print(f"| ingredients >= 90% | {sum(r[3].ingredient_recall >= 0.9 for r in results)} | |")
    print(f"| instructions >= 90% | {sum(r[3].instruction_coverage >= 0.9 for r in results)} | |")
    print()
    print(
        "reproduce: .venv/bin/python bench/tasks_parse_accuracy.py"
        + (f" --data {args.data}" if args.data != default else "")
    )


if __name__ == "__main__":
    main()
