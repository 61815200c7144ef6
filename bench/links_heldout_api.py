"""Benchmark: link recommendation quality on held-out whole articles, through the HTTP API.

What a user trying the product on a wiki would do, for two versions of the code in the same run:
1. remove a fixed, seeded share of the wiki's articles from its dump (the held-out articles)
   and put the rest in a landing zone;
2. `wikiforge materialize` it (the production assets), `wikiforge serve` the result (uvicorn
   on loopback);
3. POST each held-out article with every article link stripped to
   `/v1/linkrecommendations/wikipedia/<lang>/<title>` (max_recommendations=500) at each
   threshold, and compare the (anchor, target) pairs recommended with the links it had.

Gold pairs are the article's links whose target is an article of the whole wiki (redirects
followed), so links to other held-out articles count as missed. Reported per wiki and version:
micro precision/recall at 0.3/0.5/0.7, the recall at threshold 0.0 (the ceiling the API can
reach: the gold links among the best candidates of every mention), and the expected
calibration error of the scores at threshold 0.0. The versions are this checkout (`after`) and
a git ref (`before`, checked out into a temporary worktree; it runs with the same virtualenv).

Inputs are real dumps: the repo's samples and, when present, ../shared/data/wikis (whole Hausa
and Navajo wikis, the English sample, the cut Greek/Japanese/Ukrainian dumps).

Usage:
  .venv/bin/python bench/links_heldout_api.py --before <commit> [--wikis hawiki nvwiki ...]
"""

from __future__ import annotations

import argparse
import bz2
import hashlib
import html
import json
import lzma
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wikiforge.dumps.xml_reader import read_pages  # noqa: E402
from wikiforge.links.calibration import expected_calibration_error  # noqa: E402
from wikiforge.links.redirects import resolve_redirects, resolve_target  # noqa: E402
from wikiforge.wikis import language_of  # noqa: E402
from wikiforge.wikitext.links import extract_links  # noqa: E402
from wikiforge.wikitext.plain import CANONICAL_NAMESPACE_PREFIXES  # noqa: E402
from wikiforge.wikitext.titles import normalize_title  # noqa: E402
from wikiforge.wikitext.tokens import anchor_key  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "wikis"
SAMPLE_DUMPS = {
    "hawiki": REPO / "samples/dumps/hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2",
    "nvwiki": REPO / "samples/dumps/nvwiki/20150602/nvwiki-20150602-pages-articles.xml.bz2",
    "enwiki": REPO / "samples/dumps/enwiki/20160501/enwiki-20160501-pages-articles.xml.bz2",
}
SHARED_DUMPS = {
    "elwiki": SHARED / "elwiki-20230501-truncated.xml.xz",
    "jawiki": SHARED / "jawiki-20230501-truncated.xml.xz",
    "ukwiki": SHARED / "ukwiki-20230501-truncated.xml.xz",
}
THRESHOLDS = (0.0, 0.3, 0.5, 0.7)
_PAGE = re.compile(r"<page>.*?</page>\s*", re.DOTALL)
_TITLE = re.compile(r"<title>(.*?)</title>")
_NS = re.compile(r"<ns>(\d+)</ns>")
_DATE = re.compile(r"(\d{8})")


def default_dumps() -> dict[str, Path]:
    """The sample dumps, and the cut el/ja/uk dumps of ../shared when present (the samples'
    copies of those are cut shorter).
    """
    found = dict(SAMPLE_DUMPS)
    for wiki, path in SHARED_DUMPS.items():
        found[wiki] = path if path.exists() else next((REPO / f"samples/dumps/{wiki}").glob("*/*"))
    return found


def is_held_out(wiki: str, title: str, share: float, seed: str) -> bool:
    """A seeded hash of the title (independent of the assets' own held-out share)."""
    digest = hashlib.sha256(f"{seed}\x1f{wiki}\x1f{title}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def _read_text(path: Path) -> str:
    opener = {".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read()


def write_landing_zone(
    wiki: str, dump: Path, landing: Path, share: float, seed: str
) -> tuple[int, int]:
    """Copy the dump without its held-out articles into `landing/<wiki>/<date>/`; returns
    (articles kept, articles held out).
    """
    text = _read_text(dump)
    date = (_DATE.search(dump.name) or _DATE.search("20000101")).group(1)  # type: ignore[union-attr]
    target = landing / wiki / date / f"{wiki}-{date}-pages-articles.xml.bz2"
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = held = 0
    with bz2.open(target, "wt", encoding="utf-8") as out:
        cursor = 0
        for match in _PAGE.finditer(text):
            block = match.group(0)
            title = html.unescape(
                (_TITLE.search(block) or _TITLE.search("<title></title>")).group(1)
            )  # type: ignore[union-attr]
            namespace = (_NS.search(block) or _NS.search("<ns>0</ns>")).group(1)  # type: ignore[union-attr]
            is_article = namespace == "0" and "<redirect" not in block
            out.write(text[cursor : match.start()])
            cursor = match.end()
            if is_article and is_held_out(wiki, title, share, seed):
                held += 1
                continue
            kept += is_article
            out.write(block)
        out.write(text[cursor:])
    return kept, held


class HeldOut:
    """The held-out articles of a wiki with their stripped wikitext and gold pairs."""

    def __init__(self, wiki: str, dump: Path, share: float, seed: str, limit: int) -> None:
        language = language_of(wiki)
        reader = read_pages(dump)
        pages = list(reader)
        prefixes = {name.lower() for key, name in reader.siteinfo.namespaces.items() if key}
        self.prefixes = frozenset(prefixes) | CANONICAL_NAMESPACE_PREFIXES
        articles = {p.title for p in pages if p.namespace == 0 and not p.redirect}
        raw = {
            p.title: normalize_title(p.redirect, language)
            for p in pages
            if p.namespace == 0 and p.redirect
        }
        redirects, _ = resolve_redirects({k: v for k, v in raw.items() if v is not None}, articles)
        self.cases: list[tuple[str, str, set[tuple[str, str]]]] = []
        for page in pages:
            if (
                page.namespace != 0
                or page.redirect
                or not is_held_out(wiki, page.title, share, seed)
            ):
                continue
            text, gold = self._strip(page.text or "", language, redirects, articles)
            if gold:
                self.cases.append((page.title, text, gold))
        self.cases = self.cases[:limit]
        self.language = language

    def _strip(self, wikitext, language, redirects, articles):
        parts, gold, cursor = [], set(), 0
        for link in extract_links(wikitext, language):
            if link.target is None:
                continue
            head, colon, _ = link.target.partition(":")
            if colon and head.strip().lower() in self.prefixes:
                continue
            parts.append(wikitext[cursor : link.offset])
            parts.append(link.anchor)
            cursor = link.offset + link.length
            target = resolve_target(link.target, redirects, articles)
            key = anchor_key(link.anchor, language)
            if target is not None and key:
                gold.add((key, target))
        parts.append(wikitext[cursor:])
        return "".join(parts), gold


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def materialize(repo: Path, landing: Path, data: Path, wikis: list[str]) -> float:
    """`wikiforge materialize` of the named wikis with the code of `repo`; returns seconds."""
    crawls = data.parent / "no-crawls"
    crawls.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-c",
        "from cli import main; main()",
        "materialize",
        "--dumps",
        str(landing),
        "--crawls",
        str(crawls),
        "--data",
        str(data),
        "--parallel",
        "1",
    ]
    for wiki in wikis:
        command += ["--wiki", wiki]
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(repo), "DAGSTER_HOME": str(data / ".dagster-home")}
    (data / ".dagster-home").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
        print(f"materialize with {repo} exited {done.returncode} (some runs failed)")
    return time.monotonic() - started


def start_server(repo: Path, data: Path) -> tuple[subprocess.Popen, int]:
    """`wikiforge serve` (uvicorn, one worker) with the code of `repo` on a free port."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(repo)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "serve",
            "--data",
            str(data),
            "--port",
            str(port),
        ],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"server of {repo} did not start")


def post(port: int, language: str, title: str, wikitext: str, threshold: float) -> list[dict]:
    """The recommendations for one article (an empty list on an error status)."""
    path = urllib.parse.quote(title.replace(" ", "_"), safe="")
    query = urllib.parse.urlencode({"threshold": threshold, "max_recommendations": 500})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/linkrecommendations/wikipedia/{language}/{path}?{query}",
        data=json.dumps({"wikitext": wikitext, "revid": 1, "pageid": 1}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())["links"]
    except urllib.error.HTTPError as error:
        print(f"  {title!r} at {threshold}: HTTP {error.code}", file=sys.stderr)
        return []


def measure(port: int, held: HeldOut) -> dict:
    """Micro P/R per threshold, recall at 0.0 and ECE at 0.0 over the held-out articles."""
    tp = dict.fromkeys(THRESHOLDS, 0)
    predicted = dict.fromkeys(THRESHOLDS, 0)
    gold_total = 0
    scores, correct = [], []
    for title, text, gold in held.cases:
        gold_total += len(gold)
        for threshold in THRESHOLDS:
            links = post(port, held.language, title, text, threshold)
            pairs = {(anchor_key(x["link_text"], held.language), x["link_target"]) for x in links}
            predicted[threshold] += len(pairs)
            tp[threshold] += len(pairs & gold)
            if threshold == 0.0:
                for link in links:
                    scores.append(link["score"])
                    correct.append(
                        (anchor_key(link["link_text"], held.language), link["link_target"]) in gold
                    )
    result = {"articles": len(held.cases), "gold": gold_total}
    for threshold in THRESHOLDS:
        result[f"p@{threshold}"] = (
            tp[threshold] / predicted[threshold] if predicted[threshold] else 0.0
        )
        result[f"r@{threshold}"] = tp[threshold] / gold_total if gold_total else 0.0
    import numpy as np

    result["ece@0.0"] = expected_calibration_error(np.array(scores), np.array(correct))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="git ref of the `before` code")
    parser.add_argument("--wikis", nargs="*", default=None, help="default: all found")
    parser.add_argument("--share", type=float, default=0.15)
    parser.add_argument("--seed", default="heldout-api")
    parser.add_argument("--max-articles", type=int, default=400, help="per wiki")
    parser.add_argument("--work", type=Path, default=None, help="keep the work here")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args()
    dumps = default_dumps()
    wikis = args.wikis or list(dumps)
    work = args.work or Path(tempfile.mkdtemp(prefix="links-heldout-api-"))
    work.mkdir(parents=True, exist_ok=True)
    print("command:", shlex.join([".venv/bin/python", "bench/links_heldout_api.py", *sys.argv[1:]]))
    print("load average at start:", os.getloadavg())
    before_repo = work / "before-code"
    if not before_repo.exists():
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(before_repo), args.before],
            check=True,
            capture_output=True,
        )
    commit = subprocess.run(
        ["git", "-C", str(before_repo), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    landing = work / "landing"
    held: dict[str, HeldOut] = {}
    for wiki in wikis:
        kept, out = write_landing_zone(wiki, dumps[wiki], landing, args.share, args.seed)
        held[wiki] = HeldOut(wiki, dumps[wiki], args.share, args.seed, args.max_articles)
        print(f"{wiki}: {kept} articles kept, {out} held out, {len(held[wiki].cases)} measured")
    results: dict[str, dict[str, dict]] = {wiki: {} for wiki in wikis}
    try:
        for version, repo in (("before", before_repo), ("after", REPO)):
            data = work / f"data-{version}"
            seconds = materialize(repo, landing, data, wikis)
            print(f"{version}: materialized in {seconds:.0f} s")
            server, port = start_server(repo, data)
            try:
                for wiki in wikis:
                    results[wiki][version] = measure(port, held[wiki])
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(before_repo)],
            capture_output=True,
        )
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print("load average at end:", os.getloadavg())
    print(f"\nbefore = {args.before} ({commit}), after = this checkout\n")
    print(
        "| wiki | held-out articles | gold links | version | P / R at 0.3 | P / R at 0.5 "
        "| P / R at 0.7 | R at 0.0 (ceiling) | ECE |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for wiki in wikis:
        for version in ("before", "after"):
            r = results[wiki].get(version)
            if r is None:
                continue
            cells = " | ".join(f"{r[f'p@{t}']:.2f} / {r[f'r@{t}']:.2f}" for t in (0.3, 0.5, 0.7))
            print(
                f"| {wiki} | {r['articles']} | {r['gold']} | {version} | {cells} "
                f"| {r['r@0.0']:.2f} | {r['ece@0.0']:.3f} |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
