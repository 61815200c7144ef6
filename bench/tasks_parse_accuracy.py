"""Parsing accuracy of the tasks parsers on real recipe pages with expected parses, by layer and
failure kind, and a leave-one-site-out (new-site) estimate.

Input: ../shared/data/html/recipes/<site>/*.testhtml + .json (230 pages, 133 sites, from
recipe-scrapers' test data), or the 6 bundled pages in samples/ when ../shared is absent.
A page is right when the title matches, >= 90% of the expected ingredients appear among the
requirements and the steps cover >= 90% of the expected instructions' words
(`bench/support/tasks_accuracy.py`). A page the parser rejects is scored on what it found.

Leave-one-site-out (`--loso`): every rule of the extractor has a name (`parsers.rules`). Each
rule is switched off alone on every page where it can act (the rules named in the page's
extraction layer, the heading words present in the page, the fills and the page-kind gate),
giving the pages it turns right or wrong. Scoring site S, a rule is kept only if its net gain
on the pages of the *other* sites is positive; S is then parsed with the rules so chosen. A
rule that only helps the site it was written for is thereby never credited on that site.

Step finders on their own (`--step-finders`): every markup layer and plugin switched off, the
pages whose steps cover >= 90% of the expected words with no step finder, each finder alone,
all but each finder, and all: what a page-structure finder does on every site, not only the
ones it was written for.

Reproduce: .venv/bin/python bench/tasks_parse_accuracy.py [--data DIR] [--loso] [--step-finders]
[--verbose]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.support.tasks_accuracy import THRESHOLD, score_taskmap  # noqa: E402
from wikiforge.tasks.pages import canonical_url  # noqa: E402
from wikiforge.tasks.parsers import parse_document  # noqa: E402
from wikiforge.tasks.parsers.model import build_taskmap  # noqa: E402
from wikiforge.tasks.parsers.rules import (  # noqa: E402
    ALL_RULES,
    FILL_RULES,
    GATE_RULES,
    INGREDIENT_WORDS,
    INSTRUCTION_CLASS_WORDS,
    INSTRUCTION_WORDS,
    LAYER_RULES,
    PLUGIN_RULES,
    STRUCTURE_RULES,
    word_rule,
)
from wikiforge.tasks.warc import decode_html  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "html" / "recipes"


def pages(data: Path):
    """(site, html path, expected dict) for every page with an expected parse."""
    for html_path in sorted(data.rglob("*")):
        if html_path.suffix not in (".testhtml", ".html"):
            continue
        expected_path = html_path.with_suffix(".json")
        if not expected_path.exists():
            expected_path = (
                REPO / "samples/fixtures/recipes" / html_path.parent.name / f"{html_path.stem}.json"
            )
        if expected_path.exists():
            yield html_path.parent.name, html_path, json.loads(expected_path.read_text())


def score(page: dict, rules: frozenset[str] = ALL_RULES):
    """(ParseResult, PageScore) of one page under a rule set."""
    result = parse_document(page["html"], page["url"], rules=rules)
    taskmap = result.taskmap
    if taskmap is None and result.parsed is not None:
        taskmap = build_taskmap(result.parsed)
    return result, score_taskmap(taskmap, page["expected"])


def failure_kind(result, page_score) -> str:
    """ok, no_taskmap, or what is wrong (title, ingredients, steps, several)."""
    if page_score.ok:
        return "ok"
    if result.taskmap is None:
        return f"no_taskmap ({result.reason.split(': ')[0]})"
    wrong = [
        name
        for name, bad in (
            ("title", not page_score.title_ok),
            ("ingredients", page_score.ingredient_recall < THRESHOLD),
            ("steps", page_score.instruction_coverage < THRESHOLD),
        )
        if bad
    ]
    return wrong[0] + " wrong" if len(wrong) == 1 else "several wrong"


def layer_of(result) -> str:
    """The layer that produced the task (first part of `extraction_layer`)."""
    name = result.parser.split("+")[0] or "-"
    return name.split(":")[0] if name.startswith("page-structure") else name


def candidate_rules(page: dict, result) -> set[str]:
    """Rules that can act on this page: named in its layer, heading words it contains, fills
    and the page-kind gate.
    """
    layer = result.parser
    rules = {r for r in ALL_RULES if r in layer}
    rules |= {f"layer:{layer.split('+')[0]}"} & ALL_RULES
    rules |= set(FILL_RULES) | set(GATE_RULES)
    text = page["html"].lower()
    for kind, vocabulary in (
        ("instruction-word", INSTRUCTION_WORDS),
        ("ingredient-word", INGREDIENT_WORDS),
        ("instruction-class", INSTRUCTION_CLASS_WORDS),
    ):
        rules |= {word_rule(kind, w) for w in vocabulary if re.search(w, text)}
    return rules


def leave_one_site_out(loaded: list[dict], base_ok: list[bool]) -> tuple[int, dict, dict]:
    """Right pages when each site is parsed only with rules that help other sites."""
    gains: dict[str, Counter] = defaultdict(Counter)  # rule -> site -> net pages gained
    for i, page in enumerate(loaded):
        for rule in page["candidates"]:
            _, without = score(page, ALL_RULES - {rule})
            gain = int(base_ok[i]) - int(without.ok)
            if gain:
                gains[rule][page["site"]] += gain
    helps = {rule: sites for rule, sites in gains.items()}
    right = 0
    dropped_for: dict[str, list[str]] = {}
    sites = sorted({p["site"] for p in loaded})
    for site in sites:
        # Rules that change no page alone are kept: no site motivated them by a failure.
        dropped = set()
        for rule, by_site in gains.items():
            if sum(v for s, v in by_site.items() if s != site) <= 0:
                dropped.add(rule)
        dropped_for[site] = sorted(r for r in dropped if gains[r].get(site, 0) > 0)
        for page in (p for p in loaded if p["site"] == site):
            _, page_score = score(page, ALL_RULES - dropped)
            right += page_score.ok
    return right, helps, dropped_for


def step_finder_table(loaded: list[dict]) -> None:
    """Steps right (>= 90% of the words) on the page structure alone, by step finder."""
    finders = [r for r in STRUCTURE_RULES if r.startswith("steps:")]
    markup = set(LAYER_RULES) | set(PLUGIN_RULES)
    configs = [("none", markup | set(finders))]
    configs += [(f"`{f}` alone", markup | (set(finders) - {f})) for f in finders]
    configs += [(f"all but `{f}`", markup | {f}) for f in finders]
    configs += [("all", markup)]
    print(
        "\n| step finders (no markup layer or plugin) | steps >= 90% of the words | pages right |"
    )
    print("|---|---|---|")
    for name, off in configs:
        scores = [score(page, ALL_RULES - off)[1] for page in loaded]
        steps_ok = sum(s.instruction_coverage >= THRESHOLD for s in scores)
        print(f"| {name} | {steps_ok}/{len(loaded)} | {sum(s.ok for s in scores)}/{len(loaded)} |")


def main() -> None:
    """Parse every page, score it, print failures, the table by layer and kind, LOSO."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = SHARED if SHARED.exists() else REPO / "samples/crawls/sample-html/html/recipes"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--loso", action="store_true", help="leave-one-site-out estimate")
    parser.add_argument(
        "--step-finders", action="store_true", help="each step finder on the page structure alone"
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    loaded = []
    for site, path, expected in pages(args.data):
        html = decode_html(path.read_bytes(), None)
        url = expected.get("canonical_url") or canonical_url(html) or f"https://{site}/"
        loaded.append(
            {"site": site, "name": path.name, "html": html, "url": url, "expected": expected}
        )
    started = time.perf_counter()
    results = [score(page) for page in loaded]
    elapsed = time.perf_counter() - started
    base_ok = [s.ok for _, s in results]
    right = sum(base_ok)
    print(
        f"# tasks parse accuracy on {len(loaded)} pages of {len({p['site'] for p in loaded})} sites"
    )
    print(f"parse time: {elapsed:.1f}s ({1000 * elapsed / max(1, len(loaded)):.0f} ms/page)\n")
    print("| site | page | layer / reason | title | ingredients | instructions |")
    print("|---|---|---|---|---|---|")
    for page, (result, page_score) in zip(loaded, results, strict=True):
        if page_score.ok and not args.verbose:
            continue
        print(
            f"| {page['site']} | {page['name']} | {result.parser or result.reason} | "
            f"{'ok' if page_score.title_ok else 'wrong'} | "
            f"{page_score.ingredient_recall:.0%} | {page_score.instruction_coverage:.0%} |"
        )
    table: dict[str, Counter] = defaultdict(Counter)
    for result, page_score in results:
        table[layer_of(result)][failure_kind(result, page_score)] += 1
    kinds = sorted({k for c in table.values() for k in c}, key=lambda k: (k != "ok", k))
    print("\n| layer | pages | " + " | ".join(kinds) + " |")
    print("|---|---|" + "---|" * len(kinds))
    for layer, counts in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
        cells = " | ".join(str(counts.get(k, 0)) for k in kinds)
        print(f"| {layer} | {sum(counts.values())} | {cells} |")
    print(
        f"\npages right: {right}/{len(loaded)} = {right / max(1, len(loaded)):.1%} (target >= 98%)"
    )
    if args.loso:
        for page, (result, _) in zip(loaded, results, strict=True):
            page["candidates"] = candidate_rules(page, result)
        loso_right, helps, dropped_for = leave_one_site_out(loaded, base_ok)
        print("\nrules that change a page (net pages gained, by site):")
        for rule, by_site in sorted(helps.items()):
            print(f"  {rule}: {dict(sorted(by_site.items()))}")
        lost = {s: d for s, d in dropped_for.items() if d}
        print(f"sites scored without some rule (only it needed them): {len(lost)}")
        if args.verbose:
            for site, dropped in sorted(lost.items()):
                print(f"  {site}: {dropped}")
        print(
            f"leave-one-site-out pages right: {loso_right}/{len(loaded)} = "
            f"{loso_right / max(1, len(loaded)):.1%} (target >= 95%)"
        )
    if args.step_finders:
        step_finder_table(loaded)
    print(
        "\nreproduce: .venv/bin/python bench/tasks_parse_accuracy.py"
        + (f" --data {args.data}" if args.data != default else "")
        + (" --loso" if args.loso else "")
        + (" --step-finders" if args.step_finders else "")
    )


if __name__ == "__main__":
    main()
