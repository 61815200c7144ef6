"""Benchmark: are the image suggestions right on real articles? Measured through the API.

A landing zone is built from real dumps (the sample wikis: whole Hausa and Navajo Wikipedias,
206 pages of English, the first 100,000 lines of the Greek, Japanese and Ukrainian 2023 dumps)
and a real Wikidata dump (the first 400 items of December 2014, with P18, P31, P373 and
sitelinks to those wikis). A fixed, seeded share of the illustrated articles that have an item
is **stripped of every picture** (``[[File:]]`` links under every local name, galleries,
imagemaps, template parameters naming a picture) before anything is materialized. Then
``wikiforge materialize`` builds everything, ``wikiforge serve`` serves it, and each stripped
article is asked for through ``GET /v1/images/{wiki}/{title}``.

Against the article's own pictures (what it had before stripping):

* recall@1 / recall@3: share of stripped articles whose own picture is the first / among the
  first three suggestions;
* precision@1: share of articles with at least one suggestion whose first is their own picture;
* reachable ceiling: share of stripped articles whose own picture is the item's P18 or a
  picture another wiki's article on the item uses (in the landing zone as built), before and
  after the name filters (``files.REFERENCE_NAME_FILTERS``); recall@3 / ceiling;
* unwanted kinds in any top 3 (logos, placeholders, locator maps, by name).

By source (P18, other wikis, Commons category) and per wiki. ``--baseline REF`` runs the same
landing zone through the code at git REF (checked out in a temporary worktree) in the same run,
so "before" and "after" are measured on identical inputs.

Reproduce:
  .venv/bin/python bench/images_quality.py --baseline main   # on a shared machine: flock, see docs/benchmarks
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import html
import json
import lzma
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "data"
for candidate in (REPO.parents[1] / "shared" / "data", REPO.parent / "shared" / "data"):
    if candidate.is_dir():
        SHARED = candidate
        break

WIKIS = {
    "hawiki": ("20150406", "wikis/hawiki-20150406-pages-articles.xml.bz2"),
    "nvwiki": ("20150602", "wikis/nvwiki-20150602-pages-articles.xml.bz2"),
    "enwiki": ("20160501", "wikis/enwiki-20160501-sample-pages-articles.xml.bz2"),
    "elwiki": ("20230501", "wikis/elwiki-20230501-truncated.xml.xz"),
    "jawiki": ("20230501", "wikis/jawiki-20230501-truncated.xml.xz"),
    "ukwiki": ("20230501", "wikis/ukwiki-20230501-truncated.xml.xz"),
}
WIKIDATA = ("20141201", "wikidata/wikidata-2014-12-first400items-allprops.json.bz2")

#: Names of the kinds of file that must never be suggested (checked on every top 3).
UNWANTED = {
    "logo": re.compile(r"(?i)logo|wordmark|wikipedia|wiki[-_]?letter|commons[-_]logo"),
    "placeholder": re.compile(
        r"(?i)no[-_ ]?image|noimage|image[-_]?na\b|image_manquante|replace_this_image|"
        r"no_free_image|placeholder|silhouette|default|defaut|falta_imagem|blank"
    ),
    "locator map": re.compile(r"(?i)locat|locator|(^|[_-])map|karte|[-_]in[-_](the[-_])?eu"),
}

_PAGE = re.compile(r"<page>.*?</page>", re.DOTALL)
_TITLE = re.compile(r"<title>(.*?)</title>")
_NS = re.compile(r"<ns>(-?\d+)</ns>")
_TEXT = re.compile(r"(<text\b[^>]*>)(.*?)(</text>)", re.DOTALL)


# -- inputs ------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    opener = bz2.open if path.suffix == ".bz2" else lzma.open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read()


def _write_text(path: Path, text: str) -> None:
    opener = bz2.open if path.suffix == ".bz2" else lzma.open
    with opener(path, "wt", encoding="utf-8") as handle:
        handle.write(text)


def read_items(path: Path) -> dict[str, dict]:
    """Item -> sitelinks (wiki -> title) and P18 (database-form names) of the 2014 dump."""
    from wikiforge.images.files import normalize_file_name

    items = {}
    with bz2.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            line = line.strip().rstrip(",")
            if not line.startswith("{"):
                continue
            entity = json.loads(line)
            if entity.get("type") != "item":
                continue
            links = {site: link["title"] for site, link in (entity.get("sitelinks") or {}).items()}
            p18 = []
            for claim in (entity.get("claims") or {}).get("P18", []):
                value = claim.get("mainsnak", {}).get("datavalue", {}).get("value")
                name = normalize_file_name(value) if isinstance(value, str) else None
                if name:
                    p18.append(name)
            items[entity["id"]] = {"sitelinks": links, "p18": p18}
    return items


def _siteinfo_prefixes(text: str, wiki: str) -> list[str]:
    from wikiforge.images.files import file_prefixes
    from wikiforge.wikis import language_of

    namespaces = {
        int(key): html.unescape(name)
        for key, name in re.findall(r'<namespace key="(-?\d+)"[^>]*>([^<]*)</namespace>', text)
    }
    return file_prefixes(namespaces, language_of(wiki))


def _strip_links(text: str, prefixes: list[str]) -> str:
    """Remove every [[Prefix:...]] (nested brackets of captions included)."""
    names = "|".join(r"[ _]*".join(re.escape(p) for p in name.split(" ")) for name in prefixes)
    start = re.compile(r"\[\[[ _]*(?:" + names + r")[ _]*:", re.IGNORECASE)
    out, position = [], 0
    while (match := start.search(text, position)) is not None:
        out.append(text[position : match.start()])
        depth, i = 0, match.start()
        while i < len(text):
            if text.startswith("[[", i):
                depth, i = depth + 1, i + 2
            elif text.startswith("]]", i):
                depth, i = depth - 1, i + 2
                if depth == 0:
                    break
            else:
                i += 1
        position = i
    out.append(text[position:])
    return "".join(out)


def strip_pictures(text: str, prefixes: list[str]) -> str:
    """The wikitext without any file use the production extractor would find."""
    from wikiforge.images.extract import _patterns

    text = re.sub(r"<(gallery|imagemap)\b.*?(</\1\s*>|\Z)", "", text, flags=re.S | re.I)
    text = _strip_links(text, prefixes)
    template = _patterns(tuple(prefixes))[2]
    return template.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)], text)


def pictures(text: str, prefixes: list[str]) -> list[str]:
    """The article's own pictures, in order of use (production extractor)."""
    from wikiforge.images.extract import extract_file_uses
    from wikiforge.images.files import is_image

    return [u.image for u in extract_file_uses(text, prefixes) if is_image(u.image)]


def build_landing(out: Path, share: float, seed: int) -> dict:
    """Write the landing zone with a seeded share of illustrated articles stripped.

    Returns the stripped articles (wiki, title, item, own pictures) and, per item, the pictures
    the landing zone still holds per wiki (for the reachable ceiling).
    """
    items = read_items(SHARED / WIKIDATA[1])
    item_of = {
        (wiki, title): qid
        for qid, item in items.items()
        for wiki, title in item["sitelinks"].items()
    }
    rng = random.Random(seed)
    stripped, remaining = [], defaultdict(lambda: defaultdict(set))
    for wiki, (date, source) in WIKIS.items():
        text = _read_text(SHARED / source)
        prefixes = _siteinfo_prefixes(text[:20000], wiki)
        pages = []
        for match in _PAGE.finditer(text):
            page = match.group(0)
            ns, title, body = _NS.search(page), _TITLE.search(page), _TEXT.search(page)
            if not (ns and title and body) or ns.group(1) != "0" or "<redirect" in page:
                continue
            qid = item_of.get((wiki, html.unescape(title.group(1))))
            own = pictures(html.unescape(body.group(2)), prefixes)
            if qid and own:
                pages.append((match.span(), html.unescape(title.group(1)), qid, own))
            elif qid:
                pass
        chosen = {p[1] for p in pages if rng.random() < share}
        pieces, position = [], 0
        for (start, end), title, qid, own in pages:
            if title not in chosen:
                remaining[qid][wiki].update(own)
                continue
            page = text[start:end]
            body = _TEXT.search(page)
            assert body is not None
            new_body = strip_pictures(html.unescape(body.group(2)), prefixes)
            left = pictures(new_body, prefixes)
            escaped = new_body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            page = page[: body.start(2)] + escaped + page[body.end(2) :]
            pieces.append(text[position:start])
            pieces.append(page)
            position = end
            stripped.append(
                {"wiki": wiki, "title": title, "item": qid, "own": own, "left_after_strip": left}
            )
        pieces.append(text[position:])
        target = out / "dumps" / wiki / date / f"{wiki}-{date}-pages-articles{_suffix(source)}"
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_text(target, "".join(pieces))
    date, source = WIKIDATA
    target = out / "dumps" / "wikidatawiki" / "entities" / date / f"wikidata-{date}-all.json.bz2"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHARED / source, target)
    (out / "crawls").mkdir(exist_ok=True)
    return {"stripped": stripped, "items": items, "remaining": remaining}


def _suffix(source: str) -> str:
    return ".xml.bz2" if source.endswith(".bz2") else ".xml.xz"


# -- running a version of the code -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_version(code: Path, landing: Path, data: Path, log: Path) -> dict:
    """Materialize the landing zone with the code at ``code`` and serve it; returns timings."""
    env = dict(os.environ, PYTHONPATH=str(code))
    python = str(REPO / ".venv" / "bin" / "python")
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(
            [
                python,
                "-c",
                "from cli import main; main()",
                "materialize",
                "--dumps",
                str(landing / "dumps"),
                "--crawls",
                str(landing / "crawls"),
                "--data",
                str(data),
            ],
            cwd=code,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return {"materialize_exit": done.returncode, "materialize_s": time.perf_counter() - started}


@contextlib.contextmanager
def serving(code: Path, data: Path, log: Path):
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(code), WIKIFORGE_DATA=str(data))
    python = str(REPO / ".venv" / "bin" / "python")
    with log.open("a") as out:
        server = subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "serving.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=code,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def ask(base: str, wiki: str, title: str) -> tuple[int, dict | None]:
    url = f"{base}/v1/images/{wiki}/{urllib.parse.quote(title.replace(' ', '_'), safe='')}"
    for _ in range(20):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 503:  # still loading
                time.sleep(1)
                continue
            return error.code, None
    return 503, None


# -- scoring -----------------------------------------------------------------------------------


def score(answers: list[dict], truth: dict) -> dict:
    """Recall@1/@3, precision@1, ceilings, by source and per wiki."""
    from wikiforge.images.files import failed_name_filter

    items, remaining = truth["items"], truth["remaining"]
    rows = []
    for article, answer in zip(truth["stripped"], answers, strict=True):
        own = set(article["own"])
        suggestions = answer["suggestions"]
        top = [s["image"] for s in suggestions[:3]]
        others = set(items[article["item"]]["p18"])
        for wiki, files in remaining[article["item"]].items():
            if wiki != article["wiki"]:
                others |= files
        reachable = own & others
        rows.append(
            {
                "wiki": article["wiki"],
                "status": answer["status"],
                "state": answer.get("state"),
                "suggested": bool(top),
                "hit1": bool(top) and top[0] in own,
                "hit3": bool(own & set(top)),
                "hit_source": next(
                    (s["source"] for s in suggestions[:3] if s["image"] in own), None
                ),
                "top1_source": suggestions[0]["source"] if suggestions else None,
                "reachable": bool(reachable),
                "reachable_after_filters": any(failed_name_filter(f) is None for f in reachable),
                "unwanted": [
                    (kind, name)
                    for name in top
                    for kind, pattern in UNWANTED.items()
                    if pattern.search(name)
                ],
            }
        )

    def summary(part: list[dict]) -> dict:
        n = len(part)
        suggested = sum(r["suggested"] for r in part)
        hit3 = sum(r["hit3"] for r in part)
        reach = sum(r["reachable_after_filters"] for r in part)
        return {
            "articles": n,
            "answered_404": sum(r["status"] == 404 for r in part),
            "with_suggestion": suggested,
            "recall_at_1": _share(sum(r["hit1"] for r in part), n),
            "recall_at_3": _share(hit3, n),
            "precision_at_1": _share(sum(r["hit1"] for r in part), suggested),
            "reachable": _share(sum(r["reachable"] for r in part), n),
            "reachable_after_filters": _share(reach, n),
            "recall_at_3_of_ceiling": _share(hit3, reach),
            "unwanted_in_top3": sum(len(r["unwanted"]) for r in part),
        }

    by_source = {}
    for source in ("wikidata", "wikipedia", "commons"):
        first = [r for r in rows if r["top1_source"] == source]
        by_source[source] = {
            "articles_whose_first_is_from_it": len(first),
            "precision_at_1": _share(sum(r["hit1"] for r in first), len(first)),
            "hits_in_top3": sum(r["hit_source"] == source for r in rows),
        }
    return {
        "all": summary(rows),
        "per_wiki": {
            wiki: summary([r for r in rows if r["wiki"] == wiki])
            for wiki in sorted({r["wiki"] for r in rows})
        },
        "by_source": by_source,
        "unwanted": Counter(kind for r in rows for kind, _ in r["unwanted"]),
        "unwanted_examples": [u for r in rows for u in r["unwanted"]][:10],
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def evaluate(code: Path, landing: Path, work: Path, truth: dict, label: str) -> dict:
    data = work / f"data-{label}"
    log = work / f"{label}.log"
    timings = run_version(code, landing, data, log)
    answers = []
    with serving(code, data, log) as base:
        for article in truth["stripped"]:
            status, body = ask(base, article["wiki"], article["title"])
            body = body or {}
            found = body.get("article", body)
            answers.append(
                {
                    "status": status,
                    "state": found.get("state"),
                    "suggestions": found.get("suggestions", []) if status == 200 else [],
                }
            )
    return {"label": label, **timings, **score(answers, truth)}


def markdown(results: list[dict]) -> str:
    head = (
        "| code | wiki | stripped | 404 | with suggestion | recall@1 | recall@3 | precision@1 "
        "| reachable (after filters) | recall@3 / ceiling | unwanted in top 3 |"
    )
    lines = [head, "|" + "---|" * 11]
    for result in results:
        for wiki, s in [("all", result["all"]), *result["per_wiki"].items()]:
            lines.append(
                f"| {result['label']} | {wiki} | {s['articles']} | {s['answered_404']} | "
                f"{s['with_suggestion']} | {s['recall_at_1']} | {s['recall_at_3']} | "
                f"{s['precision_at_1']} | {s['reachable']} ({s['reachable_after_filters']}) | "
                f"{s['recall_at_3_of_ceiling']} | {s['unwanted_in_top3']} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--share", type=float, default=0.3, help="share of articles stripped")
    parser.add_argument("--seed", type=int, default=20141201)
    parser.add_argument("--baseline", help="git ref to measure in the same run (e.g. main)")
    parser.add_argument(
        "--candidate", help="git ref measured as 'after' (default: this working tree)"
    )
    parser.add_argument("--keep", type=Path, help="keep the work directory here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="images-quality-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    landing = work / "landing"
    truth = build_landing(landing, args.share, args.seed)
    print(f"stripped {len(truth['stripped'])} articles (seed {args.seed}, share {args.share})")
    results = []
    try:
        for ref in [args.baseline, args.candidate]:
            if ref:
                code = work / f"code-{ref}"
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "add", "--detach", str(code), ref],
                    check=True,
                    capture_output=True,
                )
                try:
                    results.append(evaluate(code, landing, work, truth, ref))
                finally:
                    subprocess.run(
                        ["git", "-C", str(REPO), "worktree", "remove", "--force", str(code)],
                        check=False,
                    )
            elif ref is args.candidate:
                results.append(evaluate(REPO, landing, work, truth, "this tree"))
    finally:
        print(f"work directory: {work}")
    print(markdown(results))
    for result in results:
        print(
            result["label"],
            "materialize exit",
            result["materialize_exit"],
            f"{result['materialize_s']:.0f} s",
            "by source",
            json.dumps(result["by_source"]),
            "unwanted",
            dict(result["unwanted"]),
            result["unwanted_examples"],
        )
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
