"""Large inputs for the cost curves, resampled from the real sample data; same seed, same bytes.

One entry point for the four kinds of input (generated data, for benchmarks only: never tests):

    .venv/bin/python bench/scale_generate.py wiki      --size 500      --seed 1 --out DIR_OR_FILE
    .venv/bin/python bench/scale_generate.py dump      --size 100      --seed 1 --out DIR_OR_FILE
    .venv/bin/python bench/scale_generate.py pageviews --size 5000000  --seed 1 --out DIR
    .venv/bin/python bench/scale_generate.py wikidata  --size 200000   --seed 1 --out FILE
    .venv/bin/python bench/scale_generate.py crawl     --size 20000    --seed 1 --out FILE

* ``wiki``: a GENERATED pages-articles ``.xml.bz2`` of ``--size`` MB of XML whose titles,
  redirects and anchors grow as Heaps' law fitted on the real sample wikis, links following
  the real degree distribution, text resampled from real sentences
  (``bench.support.wiki_generate``; what the cost curves use).
* ``dump``: a pages-articles ``.xml.bz2`` of ``--size`` MB of uncompressed XML, pages drawn
  from the real Hausa, Navajo and English samples (``bench/generate_dump.py``).
* ``pageviews``: one month (``--month``, default 2018-01) of ``pageview_complete`` daily files,
  ``--size`` lines in total, real wiki codes and titles, Zipf views
  (``bench.support.qrank_generate.generate_pageviews_month``).
* ``wikidata``: a Wikidata JSON dump (``.json.bz2``) of ``--size`` real entities drawn with
  replacement, renumbered (``bench.support.qrank_generate.generate_wikidata_dump``).
* ``crawl``: a WARC file (``.warc.gz``, one gzip member per record) of ``--size`` response
  records drawn with replacement from the real HTML responses of ``samples/crawls`` and, when
  present, ``../shared/data/warc`` beside the repository; each copy gets its own target URI
  (``#copy-n``), a record id derived from the seed and its number, and its real HTTP headers and
  body.

``--out`` may be a directory for ``dump`` (then the file is named like a Wikimedia dump,
``<wiki>-<date>-pages-articles.xml.bz2``, in a landing-zone layout under it).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SHARED_WARC = REPO.parent / "shared" / "data" / "warc"
SAMPLE_WARC = REPO / "samples" / "crawls" / "sample-warc"


def generate_dump_file(out: Path, size_mb: int, seed: int) -> dict:
    """A resampled pages-articles dump (see ``bench/generate_dump.py``)."""
    from bench.generate_dump import generate_dump

    return generate_dump(out, size_mb, seed)


def generate_wiki_file(out: Path, size_mb: float, seed: int) -> dict:
    """A generated dump with growing vocabularies (see ``bench/support/wiki_generate.py``)."""
    from bench.support.wiki_generate import generate_wiki_dump

    return generate_wiki_dump(out, size_mb, seed)


def generate_pageviews(out_dir: Path, lines: int, seed: int, month: str) -> dict:
    """A month of daily page-view files of about ``lines`` lines."""
    from bench.support.qrank_generate import generate_pageviews_month

    files = generate_pageviews_month(out_dir, lines, seed, month=month, workers=2)
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def generate_wikidata(out: Path, entities: int, seed: int) -> dict:
    """A Wikidata dump of ``entities`` resampled real entities."""
    from bench.support.qrank_generate import generate_wikidata_dump

    out.parent.mkdir(parents=True, exist_ok=True)
    generate_wikidata_dump(out, entities, seed)
    return {"entities": entities, "bytes": out.stat().st_size}


def real_responses(paths: list[Path] | None = None) -> list[tuple[str, str, list, bytes]]:
    """(target URI, WARC date, HTTP headers, body) of every HTML response record of the real
    WARC files (bodies as sent: content and transfer encodings kept).
    """
    from warcio.archiveiterator import ArchiveIterator

    if paths is None:
        dirs = [SAMPLE_WARC] + ([SHARED_WARC] if SHARED_WARC.is_dir() else [])
        paths = sorted({p.name: p for d in dirs for p in d.glob("*.warc.gz")}.values())
    found = []
    for path in paths:
        with open(path, "rb") as handle:
            try:
                for record in ArchiveIterator(handle, arc2warc=True):
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    kind = record.http_headers.get_header("Content-Type") or ""
                    if "html" not in kind.lower():
                        continue
                    body = record.raw_stream.read()
                    found.append(
                        (
                            record.rec_headers.get_header("WARC-Target-URI"),
                            record.rec_headers.get_header("WARC-Date") or "2020-01-01T00:00:00Z",
                            list(record.http_headers.headers),
                            record.http_headers.statusline,
                            body,
                        )
                    )
            except Exception:  # noqa: BLE001 - a truncated sample file ends its records there
                continue
    return found


def generate_crawl(out: Path, records: int, seed: int) -> dict:
    """A ``.warc.gz`` of ``records`` resampled real HTML responses (deterministic for a seed)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pool = real_responses()
    if not pool:
        raise SystemExit("no HTML response records found in the sample WARC files")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(pool), size=records)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    namespace = uuid.UUID(int=seed)
    with open(tmp, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for number, pick in enumerate(picks.tolist()):
            uri, date, headers, statusline, body = pool[pick]
            http = StatusAndHeaders(statusline, headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                f"{uri}#copy-{number}",
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict={
                    "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(namespace, str(number))}>",
                    "WARC-Date": date,
                },
            )
            writer.write_record(record)
    tmp.replace(out)
    return {"records": records, "distinct_sources": len(pool), "bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["wiki", "dump", "pageviews", "wikidata", "crawl"])
    parser.add_argument(
        "--size",
        type=int,
        required=True,
        help="wiki, dump: MB of XML; pageviews: lines; wikidata: entities; crawl: records",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--month", default="2018-01", help="pageviews: the month (YYYY-MM)")
    parser.add_argument("--wiki", default="resampledwiki", help="dump: the wiki's name")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out = args.out
    if args.kind in ("wiki", "dump"):
        if out.suffix != ".bz2":
            out = out / args.wiki / "20160501" / f"{args.wiki}-20160501-pages-articles.xml.bz2"
        if args.kind == "wiki":
            result = generate_wiki_file(out, args.size, args.seed)
        else:
            result = generate_dump_file(out, args.size, args.seed)
    elif args.kind == "pageviews":
        result = generate_pageviews(out, args.size, args.seed, args.month)
    elif args.kind == "wikidata":
        result = generate_wikidata(out, args.size, args.seed)
    else:
        result = generate_crawl(out, args.size, args.seed)
    print(
        f"{args.kind} -> {out}: {result} in {time.perf_counter() - started:.1f} s "
        f"(generated by resampling real sample data, seed {args.seed})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
