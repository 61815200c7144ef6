"""False TaskMaps on pages that are not tasks: every HTML record of the WARC samples.

The records are a Common Crawl capture of an Aragonese Wikipedia article, a crawl of iana.org,
Common Crawl-style 2020 records (news, shops, forums, home pages), a 2008 Heritrix crawl and
warcio's example.com: none is a recipe or how-to, so every TaskMap is a false one. Reported:
pages, false TaskMaps per 100 pages (target 0), and every page's reason by kind.

Reproduce: .venv/bin/python bench/tasks_non_task_pages.py [--warcs DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wikiforge.tasks.parsers import parse_document  # noqa: E402
from wikiforge.tasks.warc import WarcStats, iter_warc_documents  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "warc"


def main() -> None:
    """Parse every HTML record of the WARC files; count TaskMaps and reasons."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = SHARED if SHARED.exists() else REPO / "samples/crawls/sample-warc"
    parser.add_argument("--warcs", type=Path, default=default)
    args = parser.parse_args()
    reasons: Counter = Counter()
    false_taskmaps = []
    pages = 0
    for path in sorted(args.warcs.glob("*.warc*")):
        if path.name.endswith((".wat.gz", ".wet.gz")):
            continue
        for doc in iter_warc_documents(path, WarcStats(), crawl="bench", skip_broken=True):
            pages += 1
            result = parse_document(doc.html, doc.url)
            reasons[result.reason.split(": ")[0]] += 1
            if result.taskmap is not None:
                false_taskmaps.append((doc.url, result.parser, result.taskmap.title))
    print(f"# non-task pages: every HTML record of {args.warcs.name}/*.warc*")
    print(
        f"pages: {pages}  false TaskMaps: {len(false_taskmaps)} "
        f"({100 * len(false_taskmaps) / max(1, pages):.1f} per 100 pages, target 0)"
    )
    print("\n| reason | pages |\n|---|---|")
    for reason, count in reasons.most_common():
        print(f"| {reason} | {count} |")
    for url, layer, title in false_taskmaps:
        print(f"false TaskMap: {url} ({layer}): {title}")
    print("\nreproduce: .venv/bin/python bench/tasks_non_task_pages.py")


if __name__ == "__main__":
    main()
