"""Benchmark: the first request after `wikiforge serve` starts, with and without warm-up.

For each mode (`WIKIFORGE_WARMUP=1`, then `0`) and each repetition, `wikiforge serve` (one
worker, loopback) is started on the data root; the bench waits until `/healthz` answers (the
process is live) and, with warm-up, until `/readyz` answers 200. Then, per wiki with published
link datasets, it times the first GET link recommendation (its first article), then `--later`
GETs of its next articles (p50 / p99 / max), and the first request of each other line (QRank
entity, PageRank top, image suggestions, task search). Baseline: the same server with warm-up
off, in the same run. Timings are from a shared 2-core machine: noisy; the command line and the
load average are printed so the run can be repeated.

Inputs: a materialized data root, e.g.
  .venv/bin/wikiforge materialize --wiki hawiki --wiki nvwiki --data bench/out/warm-data \
      --dumps samples/dumps --crawls samples/crawls --parallel 1

Usage:
  .venv/bin/python bench/serving_warmup.py --data bench/out/warm-data
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from wikiforge.storage import open_data_root  # noqa: E402

#: The other lines' first requests (path, what it is).
OTHER_FIRSTS = [
    ("/v1/qrank/Q801", "qrank entity"),
    ("/v1/pagerank/{wiki}", "pagerank top"),
    ("/v1/images/{wiki}/{title}", "image suggestions"),
    ("/v1/tasks/search?q=grilled+zucchini&k=3", "task search"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def titles(data: Path, wiki: str, count: int) -> list[str]:
    """The first `count` articles (not redirects) of the wiki's published pages, by page id."""
    stored = open_data_root(data).current("pages", wiki)
    rows = stored.table(["page_id", "namespace", "title", "redirect"]).to_pylist()
    rows = sorted(
        (r for r in rows if r["namespace"] == 0 and not r["redirect"]), key=lambda r: r["page_id"]
    )
    return [r["title"] for r in rows[:count]]


def start(data: Path, port: int, warmup: bool) -> subprocess.Popen:
    env = {**os.environ, "WIKIFORGE_WARMUP": "1" if warmup else "0"}
    command = [
        str(REPO / ".venv" / "bin" / "wikiforge"),
        "serve",
        "--data",
        str(data),
        "--port",
        str(port),
    ]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_for(client, url: str, deadline_s: float = 120) -> float:
    """Seconds until `url` answers 200."""
    started = time.perf_counter()
    while time.perf_counter() - started < deadline_s:
        try:
            if client.get(url).status_code == 200:
                return time.perf_counter() - started
        except Exception:  # not listening yet
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} did not answer 200 in {deadline_s} s")


def timed_get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code} {response.text[:200]}")
    return elapsed


def run_once(data: Path, wikis: dict[str, list[str]], warmup: bool) -> dict:
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(data, port, warmup)
    out: dict = {"wikis": {}, "others": {}}
    try:
        with httpx.Client(timeout=120) as client:
            out["live_s"] = wait_for(client, base + "/healthz")
            out["ready_s"] = wait_for(client, base + "/readyz") if warmup else 0.0
            for wiki, names in wikis.items():
                domain = wiki.removesuffix("wiki")
                urls = [
                    f"{base}/v1/linkrecommendations/wikipedia/{domain}/{quote(t, safe='/')}"
                    for t in names
                ]
                first = timed_get(client, urls[0])
                later = [timed_get(client, url) for url in urls[1:]]
                out["wikis"][wiki] = (first, later)
            wiki, names = next(iter(wikis.items()))
            for path, name in OTHER_FIRSTS:
                url = base + path.format(wiki=wiki, title=quote(names[0], safe="/"))
                out["others"][name] = timed_get(client, url)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--wikis", nargs="+", default=None, help="default: every published one")
    parser.add_argument("--later", type=int, default=200, help="requests after the first")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("command:", shlex.join([".venv/bin/python", "bench/serving_warmup.py", *sys.argv[1:]]))
    print("load average at start:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    root = open_data_root(args.data)
    wikis = args.wikis or root.partitions("link_datasets")
    work = {wiki: titles(args.data, wiki, args.later + 1) for wiki in wikis}
    rows = []
    others: dict[tuple[str, str], list[float]] = {}
    for repetition in range(args.repeat):
        for warmup in (True, False):
            mode = "on" if warmup else "off"
            result = run_once(args.data, work, warmup)
            print(
                f"# run {repetition + 1} warm-up {mode}: live after {result['live_s']:.1f} s, "
                f"ready after {result['ready_s']:.1f} s more",
                flush=True,
            )
            for wiki, (first, later) in result["wikis"].items():
                rows.append((wiki, mode, repetition + 1, first, later))
            for name, ms in result["others"].items():
                others.setdefault((name, mode), []).append(ms)
    print()
    print("| wiki | warm-up | run | first request | later: p50 | p99 | max | first / p99 |")
    print("|---|---|---|---|---|---|---|---|")
    for wiki, mode, repetition, first, later in sorted(rows, key=lambda r: (r[0], r[1] != "on")):
        p50, p99 = np.percentile(later, 50), np.percentile(later, 99)
        print(
            f"| {wiki} | {mode} | {repetition} | {first:,.1f} ms | {p50:.1f} ms | {p99:.1f} ms "
            f"| {max(later):.1f} ms | {first / p99:.2f} |"
        )
    print()
    print("| first request | warm-up on (each run) | warm-up off (each run) |")
    print("|---|---|---|")
    for name in dict.fromkeys(name for name, _ in others):
        on = ", ".join(f"{ms:,.1f}" for ms in others[(name, "on")])
        off = ", ".join(f"{ms:,.1f}" for ms in others[(name, "off")])
        print(f"| {name} | {on} ms | {off} ms |")
    print("load average at end:", " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
