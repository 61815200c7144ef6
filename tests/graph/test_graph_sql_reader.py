"""The shared MediaWiki SQL dump reader, on the real chwiki dumps and on hand-made dumps."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.graph.conftest import chwiki_dump
from wikiforge.dumps.sql_reader import SqlColumn, SqlDump, read_sql_table
from wikiforge.errors import InputError

HEADER = """-- MySQL dump 10.19
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `t`;
CREATE TABLE `t` (
  `id` int(8) unsigned NOT NULL,
  `name` varbinary(255) NOT NULL DEFAULT '',
  `weight` double DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `name` (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=binary;
"""


def write_dump(
    tmp_path: Path, body: str | bytes, name: str = "t.sql", header: str = HEADER
) -> Path:
    """Write a dump file (gzip when the name ends with .gz)."""
    data = header.encode() + (body.encode() if isinstance(body, str) else body)
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def mysql_escape(text: str) -> str:
    """How mysqldump writes a string value (mysql_real_escape_string)."""
    replacements = {
        "\\": "\\\\",
        "\x00": "\\0",
        "\n": "\\n",
        "\r": "\\r",
        "'": "\\'",
        '"': '\\"',
        "\x1a": "\\Z",
    }
    return "'" + "".join(replacements.get(ch, ch) for ch in text) + "'"


# -- real dumps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "rows", "columns"),
    [
        ("page", 2525, 12),
        ("pagelinks", 19922, 5),
        ("linktarget", 9379, 3),
        ("redirect", 194, 5),
        ("page_props", 1991, 4),
    ],
)
def test_real_chwiki_dumps_read_completely(table: str, rows: int, columns: int) -> None:
    with SqlDump(chwiki_dump(table)) as dump:
        assert dump.table == table
        assert len(dump.columns) == columns
        read = list(dump.rows())
        assert dump.stats.rows == rows == len(read)
        assert dump.stats.completed_marker == 1
        assert all(len(row) == columns for row in read)


def test_real_rows_are_typed_and_unescaped() -> None:
    with SqlDump(chwiki_dump("page")) as dump:
        first = next(dump.rows())
    assert first == (
        2,
        2,
        "Suisui",
        0,
        1,
        0.644655711783,
        "20230608011539",
        "20230608011539",
        991,
        40,
        "wikitext",
        None,
    )
    redirects = read_sql_table(chwiki_dump("redirect"), ["rd_from", "rd_title"])
    titles = dict(zip(*(redirects.column(i).to_pylist() for i in range(2)), strict=True))
    assert titles[2387] == "Assan-Ma'ina"  # written \' in the dump
    assert titles[1518] == "Usuario_Discusión:Javier_Carro"  # UTF-8 in a varbinary column


def test_selected_columns_come_in_requested_order() -> None:
    with SqlDump(chwiki_dump("pagelinks")) as dump:
        rows = dump.rows(["pl_target_id", "pl_from"])
        assert next(rows) == (8713, 5078)


def test_binary_blobs_are_counted_not_fatal() -> None:
    with SqlDump(chwiki_dump("page_props")) as dump:
        values = [row[0] for row in dump.rows(["pp_value"])]
        assert dump.stats.undecodable_text > 0
    assert "Q16635" in values
    with SqlDump(chwiki_dump("page_props"), decode_text=False) as raw:
        blobs = [row[0] for row in raw.rows(["pp_value"])]
        assert raw.stats.undecodable_text == 0
    assert all(isinstance(blob, bytes) for blob in blobs)
    assert any(b"\x00" in blob for blob in blobs)  # \0 escapes decoded to NUL bytes


def test_batches_have_the_declared_arrow_schema() -> None:
    with SqlDump(chwiki_dump("linktarget")) as dump:
        schema = dump.arrow_schema()
        batches = list(dump.batches(batch_rows=4000))
    assert schema == pa.schema(
        [("lt_id", pa.int64()), ("lt_namespace", pa.int64()), ("lt_title", pa.string())]
    )
    assert [b.num_rows for b in batches] == [4000, 4000, 1379]
    assert all(b.schema == schema for b in batches)


# -- escapes and SQL forms -----------------------------------------------------------------


def test_every_mysql_escape(tmp_path: Path) -> None:
    body = (
        "INSERT INTO `t` VALUES (1,'a\\'b\\\"c\\\\d\\0e\\nf\\rg\\th\\Zi\\bj',NULL),"
        "(2,'50\\% off\\_x and \\q','-1.5e3'),(3,'it''s',2.5),(4,0x4869,NULL),"
        "(5,_binary 'raw',NULL),( 6 , 'spaced' , 7 );\n"
    )
    path = write_dump(tmp_path, body)
    rows = list(SqlDump(path).rows())
    assert rows == [
        (1, "a'b\"c\\d\x00e\nf\rg\th\x1ai\x08j", None),
        (2, "50\\% off\\_x and q", -1500.0),
        (3, "it's", 2.5),
        (4, "Hi", None),
        (5, "raw", None),
        (6, "spaced", 7.0),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
            st.text(),
            st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=1, max_value=7),
)
def test_round_trip_of_mysqldump_escaping(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[int, str, float | None]],
    per_statement: int,
) -> None:
    statements = []
    for start in range(0, len(rows), per_statement):
        values = ",".join(
            f"({i},{mysql_escape(s)},{'NULL' if w is None else repr(w)})"
            for i, s, w in rows[start : start + per_statement]
        )
        statements.append(f"INSERT INTO `t` VALUES {values};\n")
    # Text with lone surrogates cannot be UTF-8; mysqldump never writes them either.
    expected = [(i, s.encode("utf-8", "replace").decode("utf-8"), w) for i, s, w in rows]
    body = "".join(statements).encode("utf-8", "replace")
    path = write_dump(tmp_path_factory.mktemp("rt"), body, name="t.sql.gz")
    with SqlDump(path) as dump:
        assert list(dump.rows()) == expected
        assert dump.stats.statements == len(statements)


def test_explicit_column_list_is_mapped(tmp_path: Path) -> None:
    body = "INSERT INTO `t` (`weight`, `id`, `name`) VALUES (0.5,1,'x'),(NULL,2,'y');\n"
    rows = list(SqlDump(write_dump(tmp_path, body)).rows(["id", "name", "weight"]))
    assert rows == [(1, "x", 0.5), (2, "y", None)]


def test_other_tables_in_the_same_file_are_skipped(tmp_path: Path) -> None:
    other = HEADER.replace("`t`", "`u`")
    body = (
        "INSERT INTO `t` VALUES (1,'a',NULL);\n"
        + other
        + "INSERT INTO `u` VALUES (9,'z',NULL);\nINSERT INTO `t` VALUES (2,'b',NULL);\n"
    )
    with SqlDump(write_dump(tmp_path, body)) as dump:
        assert [row[0] for row in dump.rows()] == [1, 2]
        assert dump.stats.other_table_statements == 1
    with SqlDump(write_dump(tmp_path, body, name="u.sql"), table="u") as dump:
        assert list(dump.rows()) == [(9, "z", None)]


def test_columns_can_be_given_when_the_dump_has_no_create_table(tmp_path: Path) -> None:
    path = write_dump(tmp_path, "INSERT INTO `t` VALUES (1,'a');\n", header="")
    with pytest.raises(InputError, match="before its CREATE TABLE"):
        list(SqlDump(path).rows())
    columns = [SqlColumn("id", "int"), SqlColumn("name", "varbinary")]
    assert list(SqlDump(path, columns=columns).rows()) == [(1, "a")]


# -- malformed input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("INSERT INTO `t` VALUES (1,'a',NULL),(2,'b);\n", "truncated or malformed", 11),
        ("INSERT INTO `t` VALUES (1,'a',NULL),(2,'b',NULL)\n", "truncated or malformed", 11),
        ("INSERT INTO `t` VALUES (1,'a',NULL),(2,'b');\n", "truncated or malformed", 11),
        ("INSERT INTO `t` VALUES (1,'a',NULL) junk;\n", "truncated or malformed", 11),
        ("INSERT INTO `t` VALUES (1,'a',NULL);junk\n", "unexpected text", 11),
        (
            "INSERT INTO `t` VALUES (1,'a',NULL);\nINSERT INTO `t` VALUS (2,'b',NULL);\n",
            "malformed INSERT",
            12,
        ),
        ("INSERT INTO `t` VALUES (1,'a',NULL),('x','a',NULL);\n", "bad value", 11),
    ],
)
def test_malformed_statements_raise_input_error_with_position(
    tmp_path: Path, body: str, message: str, line: int
) -> None:
    path = write_dump(tmp_path, body)
    with pytest.raises(InputError, match=message) as caught:
        list(SqlDump(path).rows())
    error = caught.value
    assert error.path == str(path)
    assert str(error.position).startswith(f"line {line}, byte ")
    assert str(path) in str(error)


def test_error_position_is_the_uncompressed_byte_offset(tmp_path: Path) -> None:
    body = "INSERT INTO `t` VALUES (1,'a',NULL),(2,'b);\n"
    path = write_dump(tmp_path, body, name="t.sql.gz")
    with pytest.raises(InputError) as caught:
        list(SqlDump(path).rows())
    offset = len(HEADER.encode()) + body.index("(2,")
    assert caught.value.position == f"line 11, byte {offset}"


def test_truncated_gzip_raises_input_error(tmp_path: Path) -> None:
    data = chwiki_dump("page").read_bytes()
    path = tmp_path / "cut.sql.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="(?i)truncat|corrupt|cut") as caught:
        list(SqlDump(path).rows())
    assert str(path) in str(caught.value)


def test_overlong_statement_is_refused(tmp_path: Path) -> None:
    body = "INSERT INTO `t` VALUES " + ",".join(f"({i},'x',NULL)" for i in range(100)) + ";\n"
    path = write_dump(tmp_path, body)
    with pytest.raises(InputError, match="longer than 200 bytes"):
        list(SqlDump(path, max_statement_bytes=200).rows())


def test_unknown_column_and_missing_table(tmp_path: Path) -> None:
    path = write_dump(tmp_path, "INSERT INTO `t` VALUES (1,'a',NULL);\n")
    with pytest.raises(InputError, match="has no column"):
        list(SqlDump(path).rows(["nope"]))
    with pytest.raises(InputError, match="no CREATE TABLE for `zzz`"):
        _ = SqlDump(path, table="zzz").columns
    empty = write_dump(tmp_path, "", name="e.sql", header="-- nothing\n")
    with pytest.raises(InputError, match="no CREATE TABLE and no INSERT"):
        _ = SqlDump(empty).columns


def test_rows_can_be_read_once(tmp_path: Path) -> None:
    dump = SqlDump(write_dump(tmp_path, "INSERT INTO `t` VALUES (1,'a',NULL);\n"))
    assert list(dump.rows()) == [(1, "a", None)]
    with pytest.raises(RuntimeError, match="only once"):
        list(dump.rows())
    dump.close()
