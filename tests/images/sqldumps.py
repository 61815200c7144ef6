"""Write small MediaWiki-style SQL dumps (mysqldump layout) for tests: the samples have no
imagelinks, categorylinks or Commons dumps, so tests make their own, in the real format.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def write_sql_dump(
    path: Path,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[object]],
    rows_per_insert: int = 3,
) -> Path:
    """Write ``rows`` as a gzip-compressed mysqldump of ``table`` with the given column types."""
    lines = [
        "-- MySQL dump 10.19  Distrib 10.3.38-MariaDB, for debian-linux-gnu (x86_64)",
        f"DROP TABLE IF EXISTS `{table}`;",
        f"CREATE TABLE `{table}` (",
        ",\n".join(f"  `{name}` {kind} NOT NULL" for name, kind in columns),
        ") ENGINE=InnoDB DEFAULT CHARSET=binary;",
        f"/*!40000 ALTER TABLE `{table}` DISABLE KEYS */;",
    ]
    for start in range(0, len(rows), rows_per_insert):
        chunk = rows[start : start + rows_per_insert]
        values = ",".join("(" + ",".join(_literal(v) for v in row) + ")" for row in chunk)
        lines.append(f"INSERT INTO `{table}` VALUES {values};")
    lines += [f"/*!40000 ALTER TABLE `{table}` ENABLE KEYS */;", "-- Dump completed on 2024-05-01"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


PAGE_COLUMNS = [
    ("page_id", "int(10) unsigned"),
    ("page_namespace", "int(11)"),
    ("page_title", "varbinary(255)"),
    ("page_is_redirect", "tinyint(1) unsigned"),
]
IMAGELINKS_OLD = [
    ("il_from", "int(10) unsigned"),
    ("il_to", "varbinary(255)"),
    ("il_from_namespace", "int(11)"),
]
IMAGELINKS_NEW = [
    ("il_from", "int(10) unsigned"),
    ("il_from_namespace", "int(11)"),
    ("il_target_id", "bigint(20) unsigned"),
]
LINKTARGET = [
    ("lt_id", "bigint(20) unsigned"),
    ("lt_namespace", "int(11)"),
    ("lt_title", "varbinary(255)"),
]
CATEGORYLINKS_OLD = [
    ("cl_from", "int(10) unsigned"),
    ("cl_to", "varbinary(255)"),
    ("cl_sortkey", "varbinary(230)"),
    ("cl_type", "enum('page','subcat','file')"),
]
CATEGORYLINKS_NEW = [
    ("cl_from", "int(10) unsigned"),
    ("cl_sortkey", "varbinary(230)"),
    ("cl_type", "enum('page','subcat','file')"),
    ("cl_target_id", "bigint(20) unsigned"),
]
PAGE_PROPS = [
    ("pp_page", "int(10) unsigned"),
    ("pp_propname", "varbinary(60)"),
    ("pp_value", "blob"),
]
