"""HTMLDocument: one crawled or saved page, with OAT's Common Crawl index fields.

`warc_segment` is kept a string (OAT stored it as a float and lost digits of ids such as
`1669446710690.85`); record offsets and lengths are 64-bit.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from urllib.parse import urlsplit

import pyarrow as pa

HTML_DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string(), nullable=False),
        pa.field("html", pa.large_string(), nullable=False),
        pa.field("url_host_registered_domain", pa.string()),
        pa.field("fetch_time", pa.string()),
        pa.field("fetch_status", pa.int32()),
        pa.field("warc_filename", pa.string()),
        pa.field("warc_record_offset", pa.int64()),
        pa.field("warc_record_length", pa.int64()),
        pa.field("warc_segment", pa.string()),
        pa.field("crawl", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class HTMLDocument:
    """A page's decoded HTML and where it came from (OAT's HTMLDocument fields)."""

    url: str
    html: str
    url_host_registered_domain: str = ""
    fetch_time: str = ""
    fetch_status: int = 0
    warc_filename: str = ""
    warc_record_offset: int = -1
    warc_record_length: int = -1
    warc_segment: str = ""
    crawl: str = ""

    def to_row(self) -> dict:
        """As a dict matching `HTML_DOCUMENT_SCHEMA`."""
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict) -> HTMLDocument:
        """Build from a dict with the schema's columns (extra keys are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names and v is not None})


def documents_to_table(documents: list[HTMLDocument]) -> pa.Table:
    """A batch of documents as an Arrow table with `HTML_DOCUMENT_SCHEMA`."""
    columns = {f.name: [getattr(d, f.name) for d in documents] for f in HTML_DOCUMENT_SCHEMA}
    return pa.table(columns, schema=HTML_DOCUMENT_SCHEMA)


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # The bundled public-suffix snapshot only: never fetch the list at run time.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65536)
def registered_domain(url: str) -> str:
    """The host's registered domain (`www.bestrecipes.com.au` -> `bestrecipes.com.au`)."""
    host = urlsplit(url).hostname or ""
    if not host:
        return ""
    result = _extractor()(host)
    return result.top_domain_under_public_suffix or host


def domain_name(url: str) -> str:
    """OAT's `domain_name`: the registered domain's first label (`wikihow`, `seriouseats`)."""
    registered = registered_domain(url)
    return registered.split(".", 1)[0] if registered else ""


_SEGMENT = re.compile(r"/segments/([^/]+)/")
_CRAWL = re.compile(r"(CC-MAIN-\d{4}-\d{2})")


def segment_from_filename(warc_filename: str) -> str:
    """The Common Crawl segment id in a WARC path (`.../segments/1669446710690.85/warc/...`)."""
    match = _SEGMENT.search(warc_filename)
    return match.group(1) if match else ""


def crawl_from_filename(warc_filename: str) -> str:
    """The Common Crawl crawl id in a WARC path or warcinfo (`CC-MAIN-2022-49`)."""
    match = _CRAWL.search(warc_filename)
    return match.group(1) if match else ""
