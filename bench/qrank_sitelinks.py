"""Benchmark: sitelink extraction per entity, ours vs json.loads and orjson (whole entities).

The dumps are GENERATED (bench.support.qrank_generate.generate_wikidata_dump): real entity lines of
the bundled samples, byte for byte, drawn with replacement (ids renumbered). Two sources, shown
separately because they differ a lot:
  * twenty: the 20 real entities in today's exact dump layout that the reference QRank
    benchmarked on (BenchmarkProcessEntity: 21.9 us per entity, Go, one core of a 2.3 GHz
    i9-9880H); 26 KB and 16 sitelinks per entity on average;
  * first100: the first 100 entities of a 2019 dump (re-serialised with spaces), famous items:
    105 KB and 119 sitelinks per entity.

Per entity, CPU time (time.process_time, one core, the entity lines already decompressed in
memory):
  * ours: wikiforge.wikidata.entities.extract_sitelinks (id + (site, title) list);
  * ours + keys: the same plus the join key of every sitelink (what the reference's 21.9 us
    also included: it formatted its output lines);
  * json.loads / orjson.loads: parse the whole entity, then take id and sitelinks.
Every method's output is checked identical to the json.loads result for every entity. Then the
whole-dump rate with decompression: wikiforge.wikidata.reader.map_dump_parts, 1 and N worker
processes (parallel bzip2 parts). Timings on a shared 2-core machine are noisy.

Reproduce:
  .venv/bin/python bench/qrank_sitelinks.py --entities 4000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json  # noqa: E402

import orjson  # noqa: E402

from bench.support.qrank_generate import SAMPLE_DUMPS, generate_wikidata_dump  # noqa: E402
from wikiforge.qrank import keys  # noqa: E402
from wikiforge.wikidata import entities  # noqa: E402
from wikiforge.wikidata.reader import iter_entities, map_dump_parts  # noqa: E402

REFERENCE_US = 21.9


def _from_object(obj: dict) -> tuple[str, list[tuple[str, str]]]:
    return obj["id"], [(s["site"], s["title"]) for s in obj.get("sitelinks", {}).values()]


def via_json(line: bytes):
    return _from_object(json.loads(line))


def via_orjson(line: bytes):
    return _from_object(orjson.loads(line))


def ours(line: bytes):
    e = entities.extract_sitelinks(line)
    return e.id, e.sitelinks


def ours_with_keys(line: bytes):
    e = entities.extract_sitelinks(line)
    return e.id, [keys.sitelink_key(site, title) for site, title in e.sitelinks]


def _count_handler(lines, label):
    n = links = 0
    for line in lines:
        n += 1
        links += len(entities.extract_sitelinks(line).sitelinks)
    return n, links


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _per_entity_us(fn, lines: list[bytes], min_seconds: float) -> tuple[float, float]:
    """(mean, best round) CPU microseconds per entity over rounds of ``lines``.

    The best round is the least disturbed by other processes on a shared machine.
    """
    rounds = 0
    best = float("inf")
    started = time.process_time()
    while True:
        round_started = time.process_time()
        for line in lines:
            fn(line)
        best = min(best, time.process_time() - round_started)
        rounds += 1
        elapsed = time.process_time() - started
        if elapsed >= min_seconds and rounds >= 5:
            return elapsed / (rounds * len(lines)) * 1e6, best / len(lines) * 1e6


def main() -> None:
    """Generate (or reuse) the dumps, time every method, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--min-seconds", type=float, default=3.0)
    parser.add_argument(
        "--sources", default="twenty,first100", help="comma-separated: twenty, first100"
    )
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "wikiforge-bench"))
    args = parser.parse_args()
    Path(args.work).mkdir(parents=True, exist_ok=True)

    print(
        f"{'source':<10}{'method':<28}{'us/entity/core':>15}{'best round':>12}"
        f"{'best vs 21.9':>14}{'identical':>11}"
    )
    throughput = []
    chosen = set(args.sources.split(","))
    for name, source in (("twenty", SAMPLE_DUMPS[0]), ("first100", SAMPLE_DUMPS[1])):
        if name not in chosen:
            continue
        dump = Path(args.work) / f"qrank-wikidata-{name}-{args.entities}-{args.seed}.json.bz2"
        if not dump.exists():
            generate_wikidata_dump(dump, args.entities, args.seed, sources=[source])
        lines = list(iter_entities(dump))
        expected = [via_json(line) for line in lines]
        sample = lines[: min(len(lines), 200)]
        for label, fn in (
            ("ours", ours),
            ("ours + join keys", ours_with_keys),
            ("json.loads (whole entity)", via_json),
            ("orjson.loads (whole entity)", via_orjson),
        ):
            if fn is ours_with_keys:
                identical = all(
                    fn(line)[1] == [keys.sitelink_key(s, t) for s, t in exp[1]]
                    for line, exp in zip(lines, expected, strict=True)
                )
            else:
                identical = all(fn(line) == exp for line, exp in zip(lines, expected, strict=True))
            us, best = _per_entity_us(fn, sample, args.min_seconds)
            ratio = best / REFERENCE_US
            print(
                f"{name:<10}{label:<28}{us:>15.1f}{best:>12.1f}{ratio:>13.2f}x{str(identical):>11}",
                flush=True,
            )
        raw_bytes = sum(len(line) + 2 for line in lines)
        for workers in sorted({1, args.workers}):
            started, cpu_started = time.time(), _cpu_seconds()
            counts = map_dump_parts(dump, _count_handler, workers=workers, min_parallel_bytes=0)
            seconds, cpu = time.time() - started, _cpu_seconds() - cpu_started
            n = sum(c[0] for c in counts)
            throughput.append((name, workers, n, raw_bytes, seconds, cpu))
    print()
    print("whole dump, parallel bzip2 parts + extraction (CPU = this process and its workers):")
    print(
        f"{'source':<10}{'workers':>8}{'entities':>10}{'MiB JSON':>10}{'wall s':>8}"
        f"{'entities/s':>12}{'CPU s':>8}{'MiB JSON/CPU-s':>16}"
    )
    for name, workers, n, raw, seconds, cpu in throughput:
        print(
            f"{name:<10}{workers:>8}{n:>10,}{raw / 2**20:>10.1f}{seconds:>8.1f}"
            f"{n / seconds:>12,.0f}{cpu:>8.1f}{raw / 2**20 / cpu:>16.1f}"
        )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"reproduce: .venv/bin/python bench/qrank_sitelinks.py --entities {args.entities} "
        f"--seed {args.seed} --workers {args.workers} --min-seconds {args.min_seconds} "
        f"--sources {args.sources}"
    )


if __name__ == "__main__":
    main()
