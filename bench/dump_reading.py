"""Benchmark: reading a MediaWiki XML dump (bzip2) with wikiforge vs mwxml vs raw decompression.

The input is GENERATED: real pages of hawiki, nvwiki and an enwiki sample resampled to the
requested size (bench/generate_dump.py; cached under bench/.cache). Every reader runs in its own
subprocess on the same file, one after the other; wall time and CPU time are measured inside
the subprocess, peak RSS is the subprocess's ru_maxrss (os.wait4).

Rows:
  stdlib bz2          ``bz2.open(...).read`` to the end: single-stream decompression, the limit a
                      one-core reader cannot beat (target: ours at least this many MB/s).
  indexed_bzip2 xN    block-parallel decompression alone, N threads (what ours builds on).
  mwxml               ``mwxml.Dump.from_file(bz2.open(...))``, every page's last revision text
                      touched: what the reference service uses (target: ours at least 3x pages/s).
  wikiforge xN        ``read_pages(path, threads=N)``: every Page built (text decoded); bzip2
                      blocks decode on N threads, ahead of the parser (read-ahead thread).
  wikiforge, split    the same with bzip2 on N-1 threads, leaving the parser a core: the
                      alternative the default was chosen against.

Usage:
  .venv/bin/python bench/dump_reading.py --size-mb 500 --seed 1
  .venv/bin/python bench/dump_reading.py --dump some-wiki-pages-articles.xml.bz2
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.generate_dump import MB, default_path, generate_dump  # noqa: E402

READERS = ("stdlib-bz2", "indexed-bzip2", "mwxml", "wikiforge-1", "wikiforge-split", "wikiforge")


def _run_reader(kind: str, dump: str, threads: int) -> dict:
    """Read the whole dump one way (runs inside the measuring subprocess)."""
    wall, cpu = time.perf_counter(), time.process_time()
    pages = 0
    if kind == "stdlib-bz2":
        import bz2

        size = 0
        with bz2.open(dump) as stream:
            while data := stream.read(1 << 20):
                size += len(data)
    elif kind == "indexed-bzip2":
        import indexed_bzip2

        size = 0
        with indexed_bzip2.open(dump, parallelization=threads) as stream:
            while data := stream.read(1 << 20):
                size += len(data)
    elif kind == "mwxml":
        import bz2

        import mwxml

        size = 0
        with bz2.open(dump) as stream:
            for page in mwxml.Dump.from_file(stream):
                for revision in page:
                    text = revision.text
                size += len(text or "")
                pages += 1
        size = -1  # mwxml does not say how many bytes it read; the table uses stdlib's count
    elif kind.startswith("wikiforge"):
        from wikiforge.dumps.xml_reader import DumpReader, read_pages

        if kind == "wikiforge-1":
            reader = read_pages(dump, threads=1)
        elif kind == "wikiforge-split":  # bzip2 on threads-1 cores, the parser on its own
            reader = DumpReader(dump, threads=threads, decoder_threads=max(threads - 1, 1))
        else:
            reader = read_pages(dump, threads=threads)
        for _page in reader:
            pages += 1
        size = reader.report.bytes_read
        if reader.report.truncated or reader.report.skipped:
            print(f"note: {reader.report}", file=sys.stderr)
    else:
        raise ValueError(kind)
    return {
        "kind": kind,
        "seconds": time.perf_counter() - wall,
        "cpu_seconds": time.process_time() - cpu,
        "pages": pages,
        "bytes": size,
    }


def measure(kind: str, dump: Path, threads: int) -> dict:
    """Run one reader in a fresh subprocess; add its peak RSS from the kernel's accounting."""
    command = [sys.executable, __file__, "--worker", kind, "--dump", str(dump),
               "--threads", str(threads)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=REPO)
    output = process.stdout.read()
    _, status, rusage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{kind} failed with exit code {process.returncode}")
    result = json.loads(output)
    result["peak_rss_mb"] = rusage.ru_maxrss * 1024 / MB  # ru_maxrss is in KiB on Linux
    return result


def table(results: list[dict], threads: int) -> str:
    """The markdown table the README shows."""
    by_kind = {result["kind"]: result for result in results}
    xml_bytes = by_kind["stdlib-bz2"]["bytes"]
    mwxml = by_kind.get("mwxml")
    mwxml_rate = mwxml["pages"] / mwxml["seconds"] if mwxml else None
    labels = {
        "stdlib-bz2": "stdlib `bz2` decompression only (single stream)",
        "indexed-bzip2": f"`indexed_bzip2` decompression only, {threads} threads",
        "mwxml": "mwxml 0.3.8 (`Dump.from_file(bz2.open(...))`)",
        "wikiforge-1": "wikiforge `read_pages(threads=1)`",
        "wikiforge-split": f"wikiforge, {threads} threads, `decoder_threads="
        f"{max(threads - 1, 1)}` (parser's core left alone)",
        "wikiforge": f"wikiforge `read_pages(threads={threads})`",
    }
    lines = [
        "| reader | wall s | CPU s | pages/s | MB/s of XML | peak RSS MB | pages/s vs mwxml |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in READERS:
        if kind not in by_kind:
            continue
        result = by_kind[kind]
        pages = result["pages"]
        pages_per_second = f"{pages / result['seconds']:,.0f}" if pages else "-"
        versus = f"{pages / result['seconds'] / mwxml_rate:.1f}x" if pages and mwxml_rate else "-"
        lines.append(
            f"| {labels[kind]} | {result['seconds']:.1f} | {result['cpu_seconds']:.1f} "
            f"| {pages_per_second} | {xml_bytes / MB / result['seconds']:.1f} "
            f"| {result['peak_rss_mb']:.0f} | {versus} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="MediaWiki XML dump reading benchmark")
    parser.add_argument("--size-mb", type=int, default=500, help="generated dump size (XML MB)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dump", type=Path, help="use this .xml.bz2 instead of generating one")
    parser.add_argument("--single-stream", action="store_true", help="generate one bz2 stream")
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument(
        "--rss-check-mb", type=int, default=100,
        help="also read a dump of this size with ours, to show peak RSS does not grow with size"
        " (0: skip)",
    )  # fmt: skip
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(_run_reader(args.worker, str(args.dump), args.threads)))
        return 0

    dump = args.dump
    if dump is None:
        dump = default_path(args.size_mb, args.seed, args.single_stream)
        if not dump.exists():
            print(f"generating {dump} (resampled real pages) ...", flush=True)
            generate_dump(dump, args.size_mb, args.seed, single_stream=args.single_stream)
    print(f"dump: {dump} ({dump.stat().st_size / MB:,.1f} MB bz2); "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip

    results = []
    readers = [kind for kind in READERS if kind in args.readers.split(",")]
    for kind in ("stdlib-bz2", *[k for k in readers if k != "stdlib-bz2"]):
        result = measure(kind, dump, args.threads)
        print(f"  {kind}: {result['seconds']:.1f} s", flush=True)
        results.append(result)

    print()
    print(table(results, args.threads))
    by_kind = {result["kind"]: result for result in results}
    if "wikiforge" in by_kind and "mwxml" in by_kind:
        ours, base, limit = by_kind["wikiforge"], by_kind["mwxml"], by_kind["stdlib-bz2"]
        speedup = (ours["pages"] / ours["seconds"]) / (base["pages"] / base["seconds"])
        ratio = limit["seconds"] / ours["seconds"]
        print()
        print(f"pages/s vs mwxml: {speedup:.1f}x (target >= 3x): "
              f"{'met' if speedup >= 3 else 'NOT met'}")  # fmt: skip
        print(f"MB/s vs single-stream stdlib bz2: {ratio:.2f}x (target >= 1x): "
              f"{'met' if ratio >= 1 else 'NOT met'}")  # fmt: skip
        if ours["pages"] != base["pages"]:
            print(f"WARNING: page counts differ: ours {ours['pages']}, mwxml {base['pages']}")
    if "wikiforge" in by_kind and "indexed-bzip2" in by_kind:
        ours, limit = by_kind["wikiforge"], by_kind["indexed-bzip2"]
        ratio = limit["seconds"] / ours["seconds"]
        print(
            f"MB/s vs the {args.threads}-thread bzip2 decoder alone (same run): {ratio:.2f}x "
            f"(target >= 0.8x): {'met' if ratio >= 0.8 else 'NOT met'}"
        )
    load = os.getloadavg()[0]
    print(f"load average after: {load:.2f} (a shared machine makes timings noisy)")
    if args.rss_check_mb and args.dump is None and args.rss_check_mb != args.size_mb:
        small = default_path(args.rss_check_mb, args.seed, args.single_stream)
        if not small.exists():
            generate_dump(small, args.rss_check_mb, args.seed, single_stream=args.single_stream)
        small_result = measure("wikiforge", small, args.threads)
        big_result = by_kind.get("wikiforge")
        if big_result:
            print(
                f"bounded memory: wikiforge peak RSS {small_result['peak_rss_mb']:.0f} MB on the "
                f"{args.rss_check_mb} MB dump, {big_result['peak_rss_mb']:.0f} MB on the "
                f"{args.size_mb} MB dump"
            )
    command = ["bench/dump_reading.py", *(argv if argv is not None else sys.argv[1:])]
    print(f"reproduce: .venv/bin/python {shlex.join(command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
