"""PageRank speed, memory and agreement: wikiforge vs networkx vs igraph, same graphs, one run.

Graphs:
- ``chwiki``: the whole Chamorro Wikipedia from its real SQL dumps (samples/).
- ``hawiki``, ``nvwiki``: whole Hausa and Navajo Wikipedias from their real XML dumps, built by
  the `link_graph` step's XML route on the local engine (links extracted with the links line's
  `wikiforge.wikitext.links.extract_links`).
- ``gen-1M``, ``gen-10M``: **generated** graphs resampled (seeded configuration model) from the
  degree distribution of the real graphs above (`bench.support.graph_generate.generate_link_graph`).

Each (graph, method) runs in its own subprocess, so its peak RSS (VmHWM) is its own; the time
is the best of `--repeat` calls of the PageRank function alone (networkx's graph and igraph's
graph are built before the clock starts; wikiforge's matrix building is inside the timed call).
All three use damping 0.85 with uniform teleport and dangling mass spread uniformly;
wikiforge and networkx stop at an L1 change below 1e-10 (networkx: tol = 1e-10 / n), igraph's
default PRPACK solves the linear system directly.

The machine is shared (2 cores, other jobs running): timings are noisy; the load average is
printed with the table.

Reproduce:
    .venv/bin/python bench/graph_pagerank.py                  # all graphs, networkx up to 2M edges
    .venv/bin/python bench/graph_pagerank.py --networkx-max-edges 20000000   # networkx on 10M too
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CACHE = REPO / "bench/.cache/graph"
SAMPLES = REPO / "samples/dumps"
TOLERANCE = 1e-10
DAMPING = 0.85


# -- graphs --------------------------------------------------------------------------------


def xml_wiki_graph(path: Path, language_code: str):
    """Link graph of a wiki from its XML dump: the link_graph step's XML route (links line's
    extractor, redirects one hop) on the local engine.
    """
    from assets.graph.link_graph import link_graph_of_xml
    from resources.engine import local_engine

    return link_graph_of_xml(local_engine(), [path], language_code)


def prepare_graphs(edge_sizes: list[int], seed: int) -> list[tuple[str, Path, str]]:
    """Build (or reuse) every graph as an .npz file; returns (name, file, origin)."""
    from bench.support.graph_generate import chwiki_sample_graph, generate_link_graph

    CACHE.mkdir(parents=True, exist_ok=True)
    real = [("chwiki", chwiki_sample_graph(), "real: SQL dumps 2024-05-01")]
    try:
        for wiki, name in [
            ("hawiki", "hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2"),
            ("nvwiki", "nvwiki/20150602/nvwiki-20150602-pages-articles.xml.bz2"),
        ]:
            graph = xml_wiki_graph(SAMPLES / name, wiki.removesuffix("wiki"))
            real.append((wiki, graph, "real: XML dump"))
    except ImportError as error:  # the links line's extractor is not in this checkout
        print(f"(XML wiki graphs skipped: {error})", file=sys.stderr)
    graphs = []
    for name, graph, origin in real:
        graphs.append((name, save(name, graph.node_count, graph.source, graph.target), origin))
    pool = [graph for _, graph, _ in real]
    for edges in edge_sizes:
        name = f"gen-{edges // 1_000_000}M" if edges >= 1_000_000 else f"gen-{edges}"
        path = CACHE / f"{name}-seed{seed}-from{'+'.join(n for n, _, _ in real)}.npz"
        if not path.exists():
            started = time.perf_counter()
            graph = generate_link_graph(edges, seed, reference=pool)
            save_to(path, graph.node_count, graph.source, graph.target)
            print(f"generated {name} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        graphs.append((name, path, f"generated, resampled from {len(pool)} real graphs"))
    return graphs


def save(name: str, n: int, source: np.ndarray, target: np.ndarray) -> Path:
    path = CACHE / f"{name}.npz"
    save_to(path, n, source, target)
    return path


def save_to(path: Path, n: int, source: np.ndarray, target: np.ndarray) -> None:
    np.savez(path, n=np.int64(n), source=source.astype(np.int32), target=target.astype(np.int32))


# -- workers (one subprocess per graph and method) -----------------------------------------


def worker(method: str, graph_file: Path, scores_file: Path, repeat: int) -> dict:
    data = np.load(graph_file)
    n = int(data["n"])
    source, target = data["source"], data["target"]
    times = []
    cpu_times = []
    iterations = None
    if method == "wikiforge":
        from wikiforge.graph.scores import pagerank

        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = pagerank(n, source, target, damping=DAMPING, tol=TOLERANCE)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        scores = result.scores
        iterations = result.iterations
    elif method == "igraph":
        import igraph

        graph = igraph.Graph(n=n, edges=np.column_stack([source, target]), directed=True)
        del source, target, data
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            values = graph.pagerank(damping=DAMPING, directed=True)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        scores = np.asarray(values)
    elif method == "networkx":
        import networkx

        graph = networkx.DiGraph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(source.tolist(), target.tolist(), strict=True))
        del source, target, data
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            values = networkx.pagerank(graph, alpha=DAMPING, tol=TOLERANCE / n, max_iter=100_000)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
        scores = np.array([values[i] for i in range(n)])
    else:
        raise SystemExit(f"unknown method {method}")
    np.save(scores_file, scores)
    return {
        "seconds": min(times),
        "all_seconds": times,
        "cpu_seconds": min(cpu_times),
        "peak_mib": peak_rss_mib(),
        "iterations": iterations,
    }


def peak_rss_mib() -> float:
    """Peak resident memory of this process since its exec (VmHWM; ru_maxrss would include the
    parent's memory at fork time).
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_worker(method: str, graph_file: Path, repeat: int) -> dict:
    scores_file = graph_file.with_suffix(f".{method}.npy")
    command = [
        sys.executable,
        __file__,
        "--worker",
        method,
        str(graph_file),
        str(scores_file),
        str(repeat),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1:]}
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["scores"] = np.load(scores_file)
    return result


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--edges",
        type=int,
        nargs="*",
        default=[1_000_000, 10_000_000],
        help="sizes of the generated graphs",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per method")
    parser.add_argument(
        "--networkx-max-edges",
        type=int,
        default=2_000_000,
        help="skip networkx on bigger graphs (its DiGraph needs GBs)",
    )
    parser.add_argument(
        "--worker", nargs=4, metavar=("METHOD", "GRAPH", "SCORES", "REPEAT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        method, graph_file, scores_file, repeat = args.worker
        print(json.dumps(worker(method, Path(graph_file), Path(scores_file), int(repeat))))
        return

    graphs = prepare_graphs(args.edges, args.seed)
    header = (
        "| graph | origin | nodes | edges | iterations | wikiforge s (CPU s) | "
        "igraph s (CPU s) | networkx s (CPU s) | x faster than networkx (CPU) | "
        "wikiforge / igraph (CPU) | max abs diff vs igraph | max abs diff vs networkx | "
        "wikiforge peak MiB | igraph peak MiB | networkx peak MiB |"
    )
    rows = [header, "|" + "---|" * 15]
    for name, path, origin in graphs:
        data = np.load(path)
        n, m = int(data["n"]), int(data["source"].shape[0])
        repeat = args.repeat if m < 5_000_000 else max(1, min(args.repeat, 2))
        if m < 100_000:
            repeat = max(repeat, 10)  # sub-millisecond calls: take the best of more
        ours = run_worker("wikiforge", path, repeat)
        ig = run_worker("igraph", path, repeat)
        nx_result = (
            run_worker("networkx", path, 1 if m > 200_000 else repeat)
            if m <= args.networkx_max_edges
            else {"skipped": True}
        )

        def seconds(result: dict) -> str:
            if "seconds" in result:
                return f"{result['seconds']:.4f} ({result['cpu_seconds']:.4f})"
            return "skipped" if result.get("skipped") else f"error {result.get('error')}"

        def diff(other: dict, ours: dict = ours) -> str:
            if "scores" not in other or "scores" not in ours:
                return "-"
            return f"{np.max(np.abs(other['scores'] - ours['scores'])):.1e}"

        def ratio(a: dict, b: dict) -> str:
            if "seconds" not in a or "seconds" not in b:
                return "-"
            return (
                f"{a['seconds'] / b['seconds']:.1f} "
                f"({a['cpu_seconds'] / max(b['cpu_seconds'], 1e-9):.1f})"
            )

        def peak(result: dict) -> str:
            return f"{result['peak_mib']:.0f}" if "peak_mib" in result else "-"

        rows.append(
            f"| {name} | {origin} | {n:,} | {m:,} | {ours.get('iterations')} | {seconds(ours)} "
            f"| {seconds(ig)} | {seconds(nx_result)} | {ratio(nx_result, ours)} "
            f"| {ratio(ours, ig)} | {diff(ig)} | {diff(nx_result)} | {peak(ours)} | {peak(ig)} "
            f"| {peak(nx_result)} |"
        )
        print(rows[-1], file=sys.stderr)
    print("\n".join(rows))
    print(
        f"\nload average during the run (1/5/15 min): {os.getloadavg()} on {os.cpu_count()} "
        f"cores; times are the best of {args.repeat} calls (2 on graphs over 5M edges)"
    )
    print("peak MiB = whole worker process (Python, libraries, the loaded edge list, the method)")
    print(
        "CPU s = process time of the same best call: less sensitive than wall time to the "
        "other jobs sharing the 2 cores"
    )
    print("reproduce: .venv/bin/python bench/graph_pagerank.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
