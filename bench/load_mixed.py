"""Mixed load on `wikiforge serve` over loopback while a new materialization is published.

`wrk` (a C load generator; Debian package `wrk`) drives 64 concurrent connections for 60 s
against the real server (uvicorn, 127.0.0.1), split over five request kinds, each kind run by
its own wrk process so that each gets its own latency distribution:

    links GET     recommendations for real articles of the served wiki (wikitext from the dump)
    links POST    recommendations for a posted real article's wikitext
    qrank lookup  /v1/qrank/Q<id> for every ranked entity
    qrank download /download/qrank.csv.gz, qrank-stats.json and the plot
    task search   /v1/tasks/search?q=... with queries made of the indexed tasks' titles

At `--publish-at` seconds (default 5) new versions of qrank + qrank_stats, link_model +
link_datasets and task_index are materialized and published (bench/load_publish.py: Dagster,
the real IO manager; one process per partition family) while the load continues. Promises
checked: zero failed requests (socket errors, timeouts and non-2xx/3xx statuses, as wrk counts
them), the server answering from the new versions at the
end, and its resident memory at the end within 10 % of the start (after warm-up).

Data: `--data DIR` (e.g. made by `wikiforge demo`), or by default the bundled sample slice
(elwiki, the 2019 Wikidata sample with the 2018 page views, the sample-warc crawl) materialized
once into bench/.cache/load-data. Baseline (`--baseline`, run first in the same invocation): the
same server and load with admission control of the CPU-heavy routes turned off
(WIKIFORGE_HEAVY_CONCURRENCY=0), i.e. every request straight to the thread pool. Figures depend
on whatever else the machine runs; say so when quoting them.

Reproduce: apt-get install -y wrk && .venv/bin/python bench/load_mixed.py [--baseline]
    [--duration 60] [--connections 64] [--publish-at 5] [--data DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wikiforge.storage import DataRoot  # noqa: E402

SAMPLES = REPO / "samples"
CACHE = REPO / "bench" / ".cache"
LUA = Path(__file__).with_suffix(".lua")
# Share of the connections each request kind gets (of 64: 12, 8, 16, 12, 16).
SHARES = {
    "links GET": 12,
    "links POST": 8,
    "qrank lookup": 16,
    "qrank download": 12,
    "task search": 16,
}
SLICE = {"wiki": "elwiki", "crawl": "sample-warc", "year": "2018"}


@dataclass
class Kind:
    """One request kind: its requests (method, path, body file) and its wrk result."""

    name: str
    connections: int
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    result: dict = field(default_factory=dict)


def build_sample_root(target: Path) -> None:
    """Materialize the bundled sample slice with `wikiforge materialize` into ``target``."""
    landing = Path(tempfile.mkdtemp(prefix="load-landing-"))
    dumps, crawls = landing / "dumps", landing / "crawls"
    views = dumps / "other" / "pageview_complete"
    views.mkdir(parents=True)
    crawls.mkdir()
    (dumps / SLICE["wiki"]).symlink_to(SAMPLES / "dumps" / SLICE["wiki"])
    (dumps / "wikidatawiki").symlink_to(SAMPLES / "dumps" / "wikidatawiki")
    (views / SLICE["year"]).symlink_to(
        SAMPLES / "dumps" / "other" / "pageview_complete" / SLICE["year"]
    )
    (crawls / SLICE["crawl"]).symlink_to(SAMPLES / "crawls" / SLICE["crawl"])
    print(f"materializing the sample slice into {target} (once; reused afterwards) ...")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "materialize",
            "--dumps",
            str(dumps),
            "--crawls",
            str(crawls),
            "--data",
            str(target),
        ],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(landing)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def fetch(
    base: str, method: str, path: str, body: bytes | None = None, timeout: float = 300
) -> tuple[int, bytes]:
    request = urllib.request.Request(
        base + path,
        data=body,
        method=method,
        headers={"Content-Type": "application/json"} if body else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def plan(root: DataRoot, work: Path, connections: int) -> tuple[dict[str, Kind], dict]:
    """The requests of every kind, from what the data root holds (all known to exist)."""
    import pyarrow.parquet as pq

    wiki = root.partitions("link_datasets")[0]
    dump = root.partitions("qrank")[-1]
    crawl = root.partitions("task_index")[0]
    scale = connections / sum(SHARES.values())
    kinds = {name: Kind(name, max(1, round(share * scale))) for name, share in SHARES.items()}
    domain = wiki.removesuffix("wiki").replace("_", "-")
    pages = root.current("pages", wiki)
    table = pq.read_table(
        pages.parquet_paths()[0],
        columns=["title", "namespace", "redirect", "text", "page_id", "revision_id"],
    )
    articles = [
        r for r in table.to_pylist() if r["namespace"] == 0 and r["redirect"] is None and r["text"]
    ]
    for row in articles[:60]:
        title = urllib.parse.quote(row["title"].replace(" ", "_"), safe="")
        kinds["links GET"].requests.append(
            ("GET", f"/v1/linkrecommendations/wikipedia/{domain}/{title}", "")
        )
    by_size = sorted(articles, key=lambda r: (len(r["text"]), r["title"]))
    # Eight articles spread over the size range (smallest to largest), as real traffic is.
    spread = [by_size[round(i * (len(by_size) - 1) / 7)] for i in range(8)]
    for n, row in enumerate(spread):
        body = work / f"post-{n}.json"
        body.write_text(
            json.dumps(
                {"wikitext": row["text"], "revid": row["revision_id"], "pageid": row["page_id"]}
            )
        )
        title = urllib.parse.quote(row["title"].replace(" ", "_"), safe="")
        kinds["links POST"].requests.append(
            ("POST", f"/v1/linkrecommendations/wikipedia/{domain}/{title}", str(body))
        )
    qrank = root.current("qrank", dump)
    with gzip.open(qrank.path("qrank.csv.gz"), "rt") as handle:
        entities = [line.split(",")[0] for line in list(handle)[1:]]
    kinds["qrank lookup"].requests = [("GET", f"/v1/qrank/{e}", "") for e in entities]
    kinds["qrank download"].requests = [
        ("GET", "/download/qrank.csv.gz", ""),
        ("GET", "/download/qrank-stats.json", ""),
        ("GET", "/download/qrank.csv.gz", ""),
        ("GET", "/download/qrank-distribution.png", ""),
    ]
    from wikiforge.tasks.index import TaskIndex

    index = TaskIndex.load(root.current("task_index", crawl).dir)
    queries = {"how to grill zucchini", "pasta", "chocolate cake", "bread", "clean a chair"}
    for taskmap_id in index.ids:
        title = index.get(taskmap_id).title
        queries.update({title, " ".join(title.split()[:2])})
    kinds["task search"].requests = [
        ("GET", "/v1/tasks/search?" + urllib.parse.urlencode({"q": q}), "")
        for q in sorted(q for q in queries if q.strip())
    ]
    return kinds, {"wiki": wiki, "dump": dump, "crawl": crawl}


def warm_up(base: str, kinds: dict[str, Kind]) -> None:
    """Send every request once (loads every dataset); keep only those answering 2xx."""
    for kind in kinds.values():
        kept = []
        for method, path, body_file in kind.requests:
            body = Path(body_file).read_bytes() if body_file else None
            status, _ = fetch(base, method, path, body)
            if 200 <= status < 300:
                kept.append((method, path, body_file))
        dropped = len(kind.requests) - len(kept)
        if dropped:
            print(
                f"  {kind.name}: {dropped} of {len(kind.requests)} requests dropped "
                f"(not 2xx before the run)"
            )
        if not kept:
            raise SystemExit(f"{kind.name}: no request answers 2xx")
        kind.requests = kept


def versions(root: DataRoot, scope: dict) -> dict[str, str]:
    return {
        "qrank": root.current("qrank", scope["dump"]).version,
        "qrank_stats": root.current("qrank_stats", scope["dump"]).version,
        "link_model": root.current("link_model", scope["wiki"]).version,
        "link_datasets": root.current("link_datasets", scope["wiki"]).version,
        "task_index": root.current("task_index", scope["crawl"]).version,
    }


def start_publishers(data: Path, scope: dict, start_at: float) -> list[subprocess.Popen]:
    """New versions of what the load reads: one publisher process per partition family, all
    starting at ``start_at`` (each imports Dagster before that, so the publishes start on
    time and land while the load runs).
    """
    groups = [
        f"{scope['dump']}:wikidata_dump:assets.qrank.qrank:qrank,assets.qrank.qrank:qrank_stats",
        f"{scope['wiki']}:wiki:assets.links.link_model:link_model,"
        "assets.links.link_datasets:link_datasets",
        f"{scope['crawl']}:crawl:assets.tasks.task_index:task_index",
    ]
    return [
        subprocess.Popen(
            [
                sys.executable,
                str(REPO / "bench" / "load_publish.py"),
                "--data",
                str(data),
                "--start-at",
                str(start_at),
                "--group",
                group,
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for group in groups
    ]


@dataclass
class Pass:
    """One run of the load: its settings and what it measured."""

    label: str
    heavy_concurrency: int
    kinds: dict[str, Kind]
    rss_start: int = 0
    rss_end: int = 0
    rss_peak: int = 0
    publishes: list[dict] = field(default_factory=list)
    publish_error: str = ""
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    served: dict = field(default_factory=dict)


def run_pass(
    args,
    data: Path,
    root: DataRoot,
    scope: dict,
    kinds: dict[str, Kind],
    work: Path,
    label: str,
    heavy_concurrency: int,
) -> Pass:
    """Serve, warm up, then load for ``args.duration`` s while the publisher runs."""
    result = Pass(
        label,
        heavy_concurrency,
        {k: Kind(k, v.connections, list(v.requests)) for k, v in kinds.items()},
    )
    kinds = result.kinds
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    wikiforge = Path(sys.executable).with_name("wikiforge")
    command = (
        [str(wikiforge)]
        if wikiforge.exists()
        else [sys.executable, "-c", "from cli import main; main()"]
    )
    env = {**os.environ, "WIKIFORGE_HEAVY_CONCURRENCY": str(heavy_concurrency)}
    server = subprocess.Popen(
        [*command, "serve", "--data", str(data), "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if fetch(base, "GET", "/healthz", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("wikiforge serve did not start")
            time.sleep(0.3)
        print(f"[{label}] server pid {server.pid} on {base}; warming up ...")
        warm_up(base, kinds)
        result.before = versions(root, scope)
        result.rss_start = rss_bytes(server.pid)
        samples = [result.rss_start]
        stop = threading.Event()

        def sample_memory() -> None:
            while not stop.wait(0.5):
                try:
                    samples.append(rss_bytes(server.pid))
                except (OSError, RuntimeError):
                    return

        sampler = threading.Thread(target=sample_memory, daemon=True)
        sampler.start()
        load_start = time.time() + 1.0
        publishers = start_publishers(data, scope, load_start + args.publish_at)
        time.sleep(max(0.0, load_start - time.time()))
        runs = {}
        for offset, kind in enumerate(kinds.values()):
            listing = work / f"{kind.name.replace(' ', '-')}.tsv"
            listing.write_text("".join(f"{m}\t{p}\t{b}\n" for m, p, b in kind.requests))
            wrk_env = {**os.environ, "WRK_REQUESTS": str(listing), "WRK_OFFSET": str(offset * 7)}
            runs[kind.name] = subprocess.Popen(
                [
                    args.wrk,
                    "-t1",
                    f"-c{kind.connections}",
                    f"-d{args.duration}s",
                    "--timeout",
                    "60s",
                    "-s",
                    str(LUA),
                    base,
                ],
                env=wrk_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        outputs = {name: proc.communicate()[0] for name, proc in runs.items()}
        stop.set()
        sampler.join()
        for publisher in publishers:
            published, errors = publisher.communicate()
            result.publishes += [
                {
                    **item,
                    "started": item["started"] - load_start,
                    "published": item["published"] - load_start,
                }
                for item in (json.loads(x) for x in published.splitlines() if x.startswith("{"))
            ]
            if publisher.returncode != 0:
                result.publish_error += errors[-800:]
        # Wait out the catalog's one-second pointer re-check; the next requests swap versions.
        time.sleep(1.5)
        for kind in kinds.values():
            method, path, body_file = kind.requests[0]
            fetch(base, method, path, Path(body_file).read_bytes() if body_file else None)
        result.rss_end = rss_bytes(server.pid)
        result.rss_peak = max(samples)
        result.after = versions(root, scope)
        result.served = served_versions(base, kinds, root, scope)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    for name, text in outputs.items():
        line = next((x for x in reversed(text.splitlines()) if x.startswith("{")), None)
        if line is None:
            raise SystemExit(f"wrk ({name}) printed no result:\n{text}")
        kinds[name].result = json.loads(line)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--publish-at", type=float, default=5.0)
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also run the same load with no admission control of CPU-heavy "
        "routes (WIKIFORGE_HEAVY_CONCURRENCY=0), first",
    )
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    args = parser.parse_args()
    if not shutil.which(args.wrk):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    data = args.data or CACHE / "load-data"
    if not (data / "link_datasets").is_dir():
        if args.data:
            raise SystemExit(f"{data} has no link_datasets: run `wikiforge demo --data {data}`")
        build_sample_root(data.resolve())
    data = data.resolve()
    root = DataRoot(data)
    work = Path(tempfile.mkdtemp(prefix="load-mixed-"))
    kinds, scope = plan(root, work, args.connections)
    passes = []
    if args.baseline:
        passes.append(
            run_pass(args, data, root, scope, kinds, work, "baseline: no admission control", 0)
        )
    from serving.app import default_heavy_concurrency

    limit = default_heavy_concurrency()
    passes.append(
        run_pass(
            args,
            data,
            root,
            scope,
            kinds,
            work,
            f"wikiforge serve (CPU-heavy routes {limit} at a time)",
            limit,
        )
    )
    kept = [report(args, one, verdicts=(one is passes[-1])) for one in passes]
    print(
        "Reproduce: apt-get install -y wrk && .venv/bin/python bench/load_mixed.py "
        f"--duration {args.duration} --connections {args.connections} "
        f"--publish-at {args.publish_at:g}"
        + (" --baseline" if args.baseline else "")
        + (f" --data {args.data}" if args.data else "")
    )
    shutil.rmtree(work, ignore_errors=True)
    if not kept[-1]:
        sys.exit(1)


def served_versions(base: str, kinds: dict[str, Kind], root: DataRoot, scope: dict) -> dict:
    """Which published version the server answers from after the run, per dataset."""
    out = {}
    method, path, body_file = kinds["links GET"].requests[0]
    status, body = fetch(base, method, path)
    out["link_datasets"] = json.loads(body)["meta"]["dataset_version"] if status == 200 else None
    status, body = fetch(base, "GET", "/v1/datasets")
    listed = {
        d["asset"]: {p["partition"]: p["version"] for p in d["partitions"]}
        for d in json.loads(body)["datasets"]
    }
    out["qrank"] = listed.get("qrank", {}).get(scope["dump"])
    status, body = fetch(base, "GET", kinds["task search"].requests[0][1])
    checksums = json.loads(body)["checksums"] if status == 200 else {}
    out["task_index"] = (
        "current"
        if checksums.get(scope["crawl"]) == root.current("task_index", scope["crawl"]).checksum
        else "stale"
    )
    return out


def report(args, run: Pass, verdicts: bool) -> bool:
    """Print one pass's table (and, for the pass that counts, the promises kept)."""
    mib = 1 << 20
    print()
    print(f"== {run.label}: wrk, {args.connections} connections, {args.duration} s, 127.0.0.1")
    header = (
        f"{'endpoint':<15} {'conns':>5} {'requests':>9} {'req/s':>7} {'p50 ms':>8} "
        f"{'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'failed':>7}"
    )
    print(header)
    print("-" * len(header))
    total_failed = total = 0
    for kind in run.kinds.values():
        r = kind.result
        failed = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
        total_failed += failed
        total += r["requests"]
        print(
            f"{kind.name:<15} {kind.connections:>5} {r['requests']:>9} "
            f"{r['requests'] / (r['duration_us'] / 1e6):>7.1f} {r['p50_us'] / 1e3:>8.1f} "
            f"{r['p90_us'] / 1e3:>8.1f} {r['p99_us'] / 1e3:>8.1f} {r['max_us'] / 1e3:>8.1f} "
            f"{failed:>7}"
        )
    print("-" * len(header))
    print(
        f"{'all':<15} {sum(k.connections for k in run.kinds.values()):>5} {total:>9} "
        f"{total / args.duration:>7.1f} {'':>8} {'':>8} {'':>8} {'':>8} {total_failed:>7}"
    )
    for item in run.publishes:
        print(
            f"published {item['group']} ({', '.join(a.split(':')[1] for a in item['assets'])})"
            f": t={item['started']:.1f}s -> t={item['published']:.1f}s"
        )
    if run.publish_error:
        print(f"publisher FAILED: {run.publish_error}")
    in_window = [p for p in run.publishes if p["published"] < args.duration]
    switched = [a for a in run.before if run.before[a] != run.after[a]]
    fresh = (
        run.served.get("link_datasets") == run.after.get("link_datasets")
        and run.served.get("qrank") == run.after.get("qrank")
        and run.served.get("task_index") == "current"
    )
    print(
        f"new versions: {len(switched)} of {len(run.before)} datasets; "
        f"{len(in_window)} of {len(run.publishes)} publishes landed during the load; served "
        f"after the run: {'the new versions' if fresh else 'NOT the new versions'}"
    )
    growth = (run.rss_end - run.rss_start) / run.rss_start
    print(
        f"server RSS: start {run.rss_start / mib:.0f} MiB (after warm-up), end "
        f"{run.rss_end / mib:.0f} MiB ({growth:+.1%}), peak {run.rss_peak / mib:.0f} MiB"
    )
    if not verdicts:
        return True
    promises = {
        "zero failed requests": total_failed == 0,
        "memory at the end within 10% of the start": abs(growth) <= 0.10,
        "a new materialization published during the load, and then served": bool(in_window)
        and len(switched) == len(run.before)
        and fresh,
    }
    for promise, kept in promises.items():
        print(f"{'PASS' if kept else 'FAIL'}  {promise}")
    print()
    return all(promises.values())


if __name__ == "__main__":
    main()
