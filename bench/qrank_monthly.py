"""Benchmark: monthly page-view aggregation on a generated month (default 50 million lines).

The month is GENERATED (bench.support.qrank_generate.generate_pageviews_month): real wiki codes and
titles from the bundled samples, suffixed to make millions of distinct pages, Zipf-shaped daily
views, 31 bzip2 daily files. It is written once and cached under --work.

Measured in the same run:
  * ours: the pageviews_month step, assets.qrank.pageviews_month.write_pageviews_month, on the
    local engine (days in parallel worker processes above 32 MiB of input, pyarrow block reader
    + polars, DuckDB final sum under the step's memory limit);
  * baseline: the plain approach, one process: bz2 line iteration, split, the same key rules per
    line (wikiforge.qrank.keys.view_key), a Python dict of totals. It is run on the first
    --baseline-days days only (its memory grows with the distinct pages), and its output is
    checked equal to ours on those days.
Peak memory is the sampled sum of RSS over the process and all its children (/proc), so worker
processes count. Timings on a shared 2-core machine are noisy.

Reproduce:
  .venv/bin/python bench/qrank_monthly.py --lines 50000000 --workers 2
"""

from __future__ import annotations

import argparse
import bz2
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from assets.qrank.pageviews_month import write_pageviews_month  # noqa: E402
from bench.support.qrank_generate import generate_pageviews_month  # noqa: E402
from resources.engine import Engine  # noqa: E402
from wikiforge.qrank import keys, pageviews  # noqa: E402


def _children(pid: int) -> list[int]:
    result = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                result.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return result


def _tree_rss(pid: int) -> int:
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
        stack.extend(_children(p))
    return total


class PeakMemory:
    """Samples the RSS of this process tree every 50 ms; .peak is the largest sum seen."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self.peak = _tree_rss(os.getpid())
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def baseline(files: list[Path]) -> tuple[dict[str, int], int]:
    """The plain way: one process, a dict of totals, the same per-line key rules."""
    totals: dict[str, int] = {}
    lines = 0
    for path in files:
        with bz2.open(path, "rb") as f:
            for raw in f:
                lines += 1
                row = pageviews.parse_pageview_complete_line(raw)
                if row is None or row[2] <= 0:
                    continue
                key = keys.view_key(row[0], row[1])
                if key is not None:
                    totals[key] = totals.get(key, 0) + row[2]
    return totals, lines


def main() -> None:
    """Generate (or reuse) the month, run ours and the baseline, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=50_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="384MB")
    parser.add_argument("--baseline-days", type=int, default=2)
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "wikiforge-bench"))
    args = parser.parse_args()

    month_dir = Path(args.work) / f"qrank-month-{args.lines}-{args.seed}"
    done = month_dir / "DONE"
    if not done.exists():
        shutil.rmtree(month_dir, ignore_errors=True)
        started = time.time()
        generate_pageviews_month(
            month_dir, args.lines, args.seed, month="2018-01", workers=args.workers
        )
        done.write_text("ok\n")
        print(f"generated {month_dir} in {time.time() - started:.0f} s", flush=True)
    files = sorted(month_dir.glob("pageviews-*-user.bz2"))
    compressed = sum(f.stat().st_size for f in files)

    engine = Engine(
        kind="local",
        workers=args.workers,
        step_memory_limits={"pageviews_month": args.memory_limit},
    )
    scratch = Path(tempfile.mkdtemp(prefix="qrank-bench-", dir=args.work))
    try:
        with PeakMemory() as mem:
            started, cpu_started = time.time(), cpu_seconds()
            result = write_pageviews_month(
                engine, files, pageviews.PAGEVIEW_COMPLETE, scratch / "month.parquet"
            )
            ours_seconds = time.time() - started
            ours_cpu = cpu_seconds() - cpu_started
        ours_peak = mem.peak
        total_lines = result.stats.lines

        subset = files[: args.baseline_days]
        with PeakMemory() as mem:
            started, cpu_started = time.time(), cpu_seconds()
            base_totals, base_lines = baseline(subset)
            base_seconds = time.time() - started
            base_cpu = cpu_seconds() - cpu_started
        base_peak = mem.peak
        ours_subset = write_pageviews_month(
            engine, subset, pageviews.PAGEVIEW_COMPLETE, scratch / "subset.parquet"
        )
        ours_subset_table = dict(pl.read_parquet(scratch / "subset.parquet").iter_rows())
        identical = ours_subset_table == base_totals
        subset_keys = ours_subset.keys
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    mib = 1024 * 1024
    print()
    print(
        f"month: {len(files)} daily files, {total_lines:,} lines, {compressed / mib:,.0f} MiB "
        f"bzip2 (GENERATED, seed {args.seed}); {result.keys:,} distinct keys"
    )
    print(
        f"{'method':<40}{'lines':>13}{'wall s':>9}{'lines/s':>11}{'CPU s':>9}"
        f"{'lines/CPU-s':>13}{'peak RSS MiB':>14}"
    )
    for label, lines, wall, cpu, peak in (
        (
            f"ours: pageviews_month, {args.workers} workers",
            total_lines,
            ours_seconds,
            ours_cpu,
            ours_peak,
        ),
        (
            f"baseline: bz2 + dict, 1 process, {len(subset)} days",
            base_lines,
            base_seconds,
            base_cpu,
            base_peak,
        ),
    ):
        print(
            f"{label:<40}{lines:>13,}{wall:>9.1f}{lines / wall:>11,.0f}{cpu:>9.1f}"
            f"{lines / cpu:>13,.0f}{peak / mib:>14,.0f}"
        )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"baseline output identical to ours on those {len(subset)} days "
        f"({subset_keys:,} keys): {identical}"
    )
    print(f"target: peak < 1024 MiB -> {'met' if ours_peak < 1024 * mib else 'NOT met'}")
    print(
        "reproduce: .venv/bin/python bench/qrank_monthly.py "
        f"--lines {args.lines} --seed {args.seed} --workers {args.workers} "
        f"--memory-limit {args.memory_limit} --baseline-days {args.baseline_days}"
    )


if __name__ == "__main__":
    main()
