"""Benchmark: link recommendation latency and throughput through the HTTP API.

Every article of every wiki with published `link_datasets` under the data root is POSTed to a
real server (uvicorn, `--workers 2`, on 127.0.0.1), with the article's own wikitext:
  sequential    one client, one request at a time: p50 / p99 / max per article;
  concurrent    4 client threads over the same articles: articles per second.
Targets: p99 <= 100 ms per article and >= 100 articles/s on 2 cores.

Baseline, in the same run: the reference's serving path, re-created from its description
(research-mwaddlink's `process_page`, docs/references.md#mwaddlink): mwparserfromhell sections, NLTK-like sentence then n-gram scan 5->1
with one SQLite lookup per n-gram (with the reference's cache of hits and misses) in the
published `<wiki>.anchors.sqlite`, embeddings read from `<wiki>.w2vfiltered.sqlite`, and one
XGBoost call per mention (DMatrix of its top-10 candidates). It runs in-process (no HTTP, which
favours it) on every `--baseline-every`-th article.

Inputs: real sample dumps, materialized into the data root first when it has no link datasets
(`--materialize`, about a minute per wiki on 2 cores). Timings are from a shared 2-core machine:
noisy; the command line is printed so the run can be repeated.

Usage:
  .venv/bin/python bench/links_latency.py --data bench/out/links-data --materialize
  .venv/bin/python bench/links_latency.py --data data   # after `bash dev.sh demo`
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wikiforge.storage import open_data_root  # noqa: E402

SAMPLE_WIKIS = ["hawiki", "nvwiki", "enwiki", "jawiki", "elwiki", "ukwiki"]


def materialize(data: Path, wikis: list[str]) -> None:
    """Run the links line for the wikis into `data` (the same assets as the demo)."""
    import dagster as dg

    from assets.ingest.pages import pages
    from resources import build_resources
    from tests.links.conftest import LINK_ASSETS

    resources = build_resources(
        data_root=data,
        dumps_dir=REPO / "samples" / "dumps",
        crawls_dir=REPO / "samples" / "crawls",
        engine="local",
    )
    with dg.instance_for_test() as instance:
        for wiki in wikis:
            instance.add_dynamic_partitions("wiki", [wiki])
            result = dg.materialize(
                [pages, *LINK_ASSETS[1:]],
                partition_key=wiki,
                instance=instance,
                resources=resources,
                raise_on_error=False,
            )
            print(f"# materialized {wiki}: success={result.success}", flush=True)


def articles(data: Path, wiki: str) -> list[tuple[str, str]]:
    """(title, wikitext) of every article of the wiki's published pages."""
    stored = open_data_root(data).current("pages", wiki)
    table = stored.table(["namespace", "title", "redirect", "text"]).to_pylist()
    return [(r["title"], r["text"]) for r in table if r["namespace"] == 0 and not r["redirect"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data: Path, port: int, repo: Path = REPO) -> subprocess.Popen:
    env = {**os.environ, "WIKIFORGE_DATA": str(data), "PYTHONPATH": str(repo)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "serving.app:create_app",
            "--factory",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=repo,
        env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("server did not start")


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid] + [p for child in children for p in _tree(int(child))]


def _status_kib(pid: int, file: str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def server_memory(pid: int) -> tuple[float, float]:
    """Summed PSS and RSS (MiB) of the server's process tree (master and workers)."""
    pids = _tree(pid)
    pss = sum(_status_kib(p, "smaps_rollup", "Pss:") for p in pids)
    rss = sum(_status_kib(p, "status", "VmRSS:") for p in pids)
    return pss / 1024, rss / 1024


def post(client, port: int, wiki: str, title: str, text: str) -> float:
    domain = wiki[: -len("wiki")]
    started = time.perf_counter()
    response = client.post(
        f"http://127.0.0.1:{port}/v1/linkrecommendations/wikipedia/{domain}/{title}",
        json={"wikitext": text, "revid": 1, "pageid": 1},
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{wiki} {title}: HTTP {response.status_code} {response.text[:200]}")
    return elapsed


# --- the reference's serving path, re-created (baseline) ---------------------------------------
class ReferenceStylePath:
    """Per-n-gram SQLite lookups and one model call per mention, as mwaddlink serves."""

    def __init__(self, directory: Path, wiki: str) -> None:
        from wikiforge.links.model import LinkModel

        self.anchors = sqlite3.connect(
            directory / f"{wiki}.anchors.sqlite", check_same_thread=False
        )
        self.vectors = sqlite3.connect(
            directory / f"{wiki}.w2vfiltered.sqlite", check_same_thread=False
        )
        self.model = LinkModel.load(directory / f"{wiki}.linkmodel.json")
        self.language = json.loads((directory / "bundle" / "meta.json").read_text())[
            "language_code"
        ]

    def _lookup(self, db: sqlite3.Connection, cache: dict, key: str):
        if key not in cache:
            row = db.execute("SELECT value FROM unnamed WHERE key = ?", (key,)).fetchone()
            cache[key] = json.loads(row[0]) if row else None
        return cache[key]

    def recommend(self, text: str, title: str) -> int:
        import xgboost

        from wikiforge.links.features import candidate_features, make_entry
        from wikiforge.wikitext.plain import top_level_text
        from wikiforge.wikitext.tokens import line_spans, tokenize

        anchor_cache: dict = {}
        vector_cache: dict = {}
        source = self._lookup(self.vectors, vector_cache, title)
        source = np.array(source, dtype=np.float32) if source else None
        tested: set[str] = set()
        found = 0
        for span in top_level_text(text).spans:
            for start, end in line_spans(span.text):
                tokens = tokenize(span.text[start:end], self.language)
                count = len(tokens)
                for n in range(5, 0, -1):
                    for first in range(0, count - n + 1):
                        key = tokens.lowered[first]
                        for k in range(first + 1, first + n):
                            key += tokens.gaps[k - 1] + tokens.lowered[k]
                        targets = self._lookup(self.anchors, anchor_cache, key)
                        if targets is None or key in tested:
                            continue
                        tested.add(key)
                        entry = make_entry(targets)
                        top = entry.targets[:10]
                        vectors = []
                        for target in top:
                            v = self._lookup(self.vectors, vector_cache, target)
                            vectors.append(np.array(v, dtype=np.float32) if v else None)
                        rows = candidate_features(
                            key, n, entry, source, vectors, self.model.feature_set
                        )
                        scores = self.model.booster.predict(
                            xgboost.DMatrix(rows, feature_names=self.model.booster.feature_names)
                        )
                        found += int(scores.max() >= 0.5)
        return found


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) * 1000 if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--wikis", nargs="+", default=SAMPLE_WIKIS)
    parser.add_argument("--materialize", action="store_true")
    parser.add_argument("--baseline-every", type=int, default=5)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--server-repo",
        type=Path,
        default=REPO,
        help="Checkout whose code the server runs (to compare versions).",
    )
    args = parser.parse_args()
    print("command:", shlex.join([".venv/bin/python", "bench/links_latency.py", *sys.argv[1:]]))
    root = open_data_root(args.data)
    if args.materialize:
        missing = [w for w in args.wikis if root.current("link_datasets", w) is None]
        materialize(args.data, missing)
    wikis = [w for w in args.wikis if root.current("link_datasets", w) is not None]
    work = [(wiki, title, text) for wiki in wikis for title, text in articles(args.data, wiki)]
    print(f"# wikis with published link datasets: {wikis}; {len(work)} articles")

    import httpx

    port = free_port()
    server = start_server(args.data, port, args.server_repo)
    first: dict[str, float] = {}
    try:
        with httpx.Client(timeout=60) as client:
            for wiki in wikis:  # cold: the first request loads the wiki's datasets in a worker
                item = next(item for item in work if item[0] == wiki)
                first[wiki] = post(client, port, *item)
            for wiki, title, text in work[:20]:  # warm both workers' catalogs
                post(client, port, wiki, title, text)
            sequential = [post(client, port, *item) for item in work]
        queue = list(work)
        lock = threading.Lock()

        def worker() -> None:
            with httpx.Client(timeout=60) as client:
                while True:
                    with lock:
                        if not queue:
                            return
                        item = queue.pop()
                    post(client, port, *item)

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        throughput = len(work) / (time.perf_counter() - started)
        pss, rss = server_memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"server code: {args.server_repo}")
    print(
        f"server memory after serving every article (master + 2 workers): PSS {pss:.0f} MiB, "
        f"summed RSS {rss:.0f} MiB"
    )
    print(
        "first request per wiki (loads its datasets in one worker): "
        + ", ".join(f"{w} {s * 1000:.0f} ms" for w, s in first.items())
    )
    print(f"{'path':34} {'articles':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'art/s':>8}")
    print(
        f"{'wikiforge HTTP, sequential':34} {len(sequential):8d} "
        f"{percentile(sequential, 50):8.1f} {percentile(sequential, 99):8.1f} "
        f"{max(sequential) * 1000:8.1f} {len(sequential) / sum(sequential):8.1f}"
    )
    print(
        f"{'wikiforge HTTP, ' + str(args.threads) + ' clients':34} {len(work):8d} "
        f"{'':>8} {'':>8} {'':>8} {throughput:8.1f}",
        flush=True,
    )
    by_wiki: dict[str, list[float]] = {}
    for (wiki, _, _), seconds in zip(work, sequential, strict=True):
        by_wiki.setdefault(wiki, []).append(seconds)
    for wiki, values in by_wiki.items():
        print(
            f"{'  of which ' + wiki:34} {len(values):8d} {percentile(values, 50):8.1f} "
            f"{percentile(values, 99):8.1f} {max(values) * 1000:8.1f}",
            flush=True,
        )

    baseline: list[float] = []
    for wiki in wikis:
        directory = root.current("link_datasets", wiki).dir
        path = ReferenceStylePath(directory, wiki)
        for title, text in articles(args.data, wiki)[:: args.baseline_every]:
            started = time.perf_counter()
            path.recommend(text, title)
            baseline.append(time.perf_counter() - started)
    print(
        f"{'reference-style path, in-process':34} {len(baseline):8d} "
        f"{percentile(baseline, 50):8.1f} {percentile(baseline, 99):8.1f} "
        f"{max(baseline) * 1000 if baseline else float('nan'):8.1f} "
        f"{len(baseline) / sum(baseline) if baseline else float('nan'):8.1f}"
    )


if __name__ == "__main__":
    main()
