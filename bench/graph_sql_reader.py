"""SQL dump reader throughput and memory on a large **generated** pagelinks dump.

The input is generated: value tuples resampled (seeded) from the real chwiki 2024-05-01
`pagelinks` dump (its exact byte form, escapes included), written as mysqldump does (one
~1 MiB extended INSERT per line, gzip level 6). Baseline, in the same run: decompressing the
same file and splitting it into lines without parsing (the floor any reader pays). Each row runs
in its own subprocess; peak RSS is that process's VmHWM.

Reproduce:
    .venv/bin/python bench/graph_sql_reader.py               # 5 million rows
    .venv/bin/python bench/graph_sql_reader.py --rows 20000000
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CACHE = REPO / "bench/.cache/graph"
SOURCE = REPO / "samples/dumps/chwiki/20240501/chwiki-20240501-pagelinks.sql.gz"
STATEMENT_BYTES = 1 << 20


def generate(rows: int, seed: int) -> Path:
    """A pagelinks dump of `rows` tuples resampled from the real one (cached)."""
    target = CACHE / f"pagelinks-{rows}-seed{seed}.sql.gz"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    text = gzip.decompress(SOURCE.read_bytes())
    header_end = text.index(b"INSERT INTO")
    header = text[:header_end]
    insert = text[header_end:].split(b"\n", 1)[0]
    # Real tuples in their exact byte form (titles with \\' escapes included).
    values = insert[len(b"INSERT INTO `pagelinks` VALUES ") :]
    tuples = re.findall(rb"\((?:[^'()]|'(?:[^'\\]|\\.)*')*\)", values)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(tuples), size=rows)
    with gzip.open(target.with_suffix(".tmp"), "wb", compresslevel=6) as out:
        out.write(header)
        line: list[bytes] = []
        size = 0
        for index in picks.tolist():
            item = tuples[index]
            line.append(item)
            size += len(item) + 1
            if size >= STATEMENT_BYTES:
                out.write(b"INSERT INTO `pagelinks` VALUES " + b",".join(line) + b";\n")
                line, size = [], 0
        if line:
            out.write(b"INSERT INTO `pagelinks` VALUES " + b",".join(line) + b";\n")
        out.write(b"-- Dump completed on 2024-05-01 11:09:48\n")
    target.with_suffix(".tmp").rename(target)
    return target


def peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def worker(method: str, path: Path) -> dict:
    from wikiforge.dumps.sql_reader import SqlDump, open_dump_stream

    started = time.perf_counter()
    rows = 0
    if method == "decompress+lines (baseline)":
        with open_dump_stream(path) as stream:
            for _ in stream:
                rows += 1
    elif method == "rows(pl_from, pl_target_id)":
        with SqlDump(path) as dump:
            for _ in dump.rows(["pl_from", "pl_target_id"]):
                rows += 1
    elif method == "rows(all 5 columns)":
        with SqlDump(path) as dump:
            for _ in dump.rows():
                rows += 1
    elif method == "batches(pl_from, pl_target_id)":
        with SqlDump(path) as dump:
            for batch in dump.batches(["pl_from", "pl_target_id"]):
                rows += batch.num_rows
    else:
        raise SystemExit(f"unknown method {method}")
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_mib": peak_rss_mib()}


METHODS = [
    "decompress+lines (baseline)",
    "rows(pl_from, pl_target_id)",
    "rows(all 5 columns)",
    "batches(pl_from, pl_target_id)",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    path = generate(args.rows, args.seed)
    uncompressed = 0
    with gzip.open(path, "rb") as stream:
        while chunk := stream.read(1 << 24):
            uncompressed += len(chunk)
    print(
        f"input: {path.name}, {path.stat().st_size / 2**20:.1f} MiB gzip, "
        f"{uncompressed / 2**20:.1f} MiB SQL, {args.rows:,} tuples (generated, resampled from "
        "the real chwiki pagelinks dump)\n"
    )
    print("| method | seconds | rows or lines | tuples/s | uncompressed MiB/s | peak MiB |")
    print("|---|---|---|---|---|---|")
    for method in METHODS:
        out = subprocess.run(
            [sys.executable, __file__, "--worker", method, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        seconds = result["seconds"]
        print(
            f"| {method} | {seconds:.2f} | {result['rows']:,} | {args.rows / seconds:,.0f} "
            f"| {uncompressed / 2**20 / seconds:.1f} | {result['peak_mib']:.0f} |"
        )
    print(
        f"\nload average (1/5/15 min): {os.getloadavg()} on {os.cpu_count()} cores: shared "
        "machine, timings are noisy"
    )
    print("reproduce: .venv/bin/python bench/graph_sql_reader.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
