"""The published form of a wiki's link datasets, as the reference publishes them.

Per dataset (anchors, redirects, pageids, w2vfiltered): a SQLite key-value store
`<wiki>.<ds>.sqlite` (SqliteDict's layout: table `unnamed(key TEXT PRIMARY KEY, value BLOB)`,
values JSON rather than pickle, so any language reads them and loading runs no code), its
`.sqlite.gz` and `.sqlite.checksum` (sha256 of the .gz); the MySQL/MariaDB dump
`lr_<wiki>_<ds>.sql.gz` (the reference's table layout, one INSERT per line) with its
`.checksum`. Everything is deterministic: sorted keys, gzip without a timestamp.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from wikiforge.storage import sha256_file

DATASETS = ("anchors", "redirects", "pageids", "w2vfiltered")


def _gzip(source: Path, target: Path) -> None:
    with (
        open(source, "rb") as raw,
        open(target, "wb") as out,
        gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as packed,
    ):
        for block in iter(lambda: raw.read(1 << 20), b""):
            packed.write(block)


def write_checksum(path: Path, checksum_path: Path) -> str:
    """Write `<sha256>  <name>` (shasum -a 256 format) for `path`; returns the digest."""
    digest = sha256_file(path)
    checksum_path.write_text(f"{digest}  {path.name}\n")
    return digest


def _value(value: object) -> str:
    if hasattr(value, "tolist"):
        value = [round(float(v), 7) for v in value.tolist()]
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_sqlite_store(
    items: Iterable[tuple[str, object]], directory: Path, wiki: str, dataset: str
) -> str:
    """Write `<wiki>.<dataset>.sqlite`, `.sqlite.gz` and `.sqlite.checksum`; returns the sha256
    of the .gz (the reference's checksum).
    """
    path = directory / f"{wiki}.{dataset}.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE unnamed (key TEXT PRIMARY KEY, value BLOB)")
        con.executemany(
            "INSERT INTO unnamed (key, value) VALUES (?, ?)",
            ((key, _value(value)) for key, value in items),
        )
    con.close()
    packed = directory / f"{path.name}.gz"
    _gzip(path, packed)
    return write_checksum(packed, directory / f"{path.name}.checksum")


def _mysql_string(text: str) -> str:
    replacements = {"\\": "\\\\", "'": "\\'", "\0": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z"}
    return "'" + "".join(replacements.get(ch, ch) for ch in text) + "'"


def write_mysql_dump(
    items: Iterable[tuple[str, object]], directory: Path, wiki: str, dataset: str
) -> str:
    """Write `lr_<wiki>_<dataset>.sql.gz` and its `.checksum`; returns the sha256."""
    table = f"lr_{wiki}_{dataset}"
    path = directory / f"{table}.sql.gz"
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
    ):
        packed.write(
            (
                f"CREATE TABLE IF NOT EXISTS `{table}` (`id` INT UNSIGNED NOT NULL AUTO_INCREMENT, "
                "`lookup` TEXT COLLATE utf8mb4_bin, `value` LONGBLOB, PRIMARY KEY (`id`), "
                "INDEX `lookup` (`lookup`(767))) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n"
            ).encode()
        )
        for row_id, (key, value) in enumerate(items, start=1):
            line = (
                f"INSERT INTO `{table}` VALUES ({row_id},{_mysql_string(key)},"
                f"{_mysql_string(_value(value))});\n"
            )
            packed.write(line.encode("utf-8"))
    return write_checksum(path, directory / f"{table}.sql.gz.checksum")
