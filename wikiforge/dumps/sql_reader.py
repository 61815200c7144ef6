r"""Streaming reader of MediaWiki SQL dumps (mysqldump output; plain, gzip, bzip2 or xz).

A MediaWiki table dump is a `CREATE TABLE` statement followed by extended `INSERT` statements,
each one line holding many value tuples::

    INSERT INTO `pagelinks` VALUES (5078,0,'.no',0,8713),(2566,0,'1475',0,2789),...;

The reader goes through the file once, a statement at a time (memory is bounded by the longest
statement, which mysqldump keeps near 1 MiB), and yields typed tuples:

- integer columns (`tinyint` ... `bigint`) become `int`, floating ones (`float`, `double`,
  `decimal`) `float`, everything else (`varbinary`, `blob`, `binary`, `char`, ...) `str`
  decoded as UTF-8 (MediaWiki stores UTF-8 in binary columns) or, on request, raw `bytes`;
- `NULL` becomes `None`;
- string escapes follow MySQL: `\0 \' \" \b \n \r \t \Z \\` are decoded, `\%` and `\_`
  keep their backslash, any other escaped character stands for itself, and `''` inside a
  string is one quote.

Malformed input raises :class:`wikiforge.errors.InputError` naming the file, the line and the
byte offset in the uncompressed stream. Text that is not valid UTF-8 is decoded with
replacement characters and counted (``stats.undecodable_text``) rather than stopping the read.

Usage (any table; only the named columns are converted)::

    with SqlDump(path) as dump:                       # e.g. ...-page_props.sql.gz
        for page_id, name, value in dump.rows(["pp_page", "pp_propname", "pp_value"]):
            ...
        dump.stats.as_dict()                          # counters for asset metadata

    with SqlDump(path) as dump:                       # Arrow batches for polars / DuckDB
        for batch in dump.batches(["il_from", "il_target_id"], batch_rows=65_536):
            ...
"""

from __future__ import annotations

import lzma
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO, Literal

import pyarrow as pa

from wikiforge.dumps.decompress import blame_compression, open_decompressed
from wikiforge.errors import InputError

ColumnKind = Literal["int", "float", "text"]

_INT_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "bit"})
_FLOAT_TYPES = frozenset({"float", "double", "decimal", "numeric", "real"})

#: Longest statement accepted; mysqldump's default is about 1 MiB, so this only stops garbage.
DEFAULT_MAX_STATEMENT_BYTES = 256 * 1024 * 1024

# Body of a single-quoted SQL string: unrolled "(non-special | escape | doubled quote)*".
_STRING_BODY = rb"[^'\\]*(?:(?:\\.|'')[^'\\]*)*"
# An unquoted literal: NULL, a number, a 0x hex blob.
_LITERAL = rb"[^,()'\s]+"
_ESCAPES = {
    b"\\0": b"\x00",
    b"\\'": b"'",
    b'\\"': b'"',
    b"\\b": b"\x08",
    b"\\n": b"\n",
    b"\\r": b"\r",
    b"\\t": b"\t",
    b"\\Z": b"\x1a",
    b"\\\\": b"\\",
    b"\\%": b"\\%",
    b"\\_": b"\\_",
    b"''": b"'",
}
_ESCAPE_RE = re.compile(rb"\\.|''", re.DOTALL)

_CREATE_RE = re.compile(rb"^CREATE TABLE `([^`]+)` \(")
_COLUMN_RE = re.compile(rb"^\s*`([^`]+)`\s+([A-Za-z]+)")
_INSERT_RE = re.compile(rb"^INSERT\s+(?:IGNORE\s+)?INTO\s+`([^`]+)`\s*(?:\(([^)]*)\)\s*)?VALUES\s*")


@dataclass(frozen=True)
class SqlColumn:
    """One column of a dumped table.

    Attributes:
        name: Column name, e.g. ``pl_from``.
        sql_type: Lower-cased base SQL type, e.g. ``int`` or ``varbinary``.
    """

    name: str
    sql_type: str

    @property
    def kind(self) -> ColumnKind:
        """How values of this column are converted: ``int``, ``float`` or ``text``."""
        if self.sql_type in _INT_TYPES:
            return "int"
        if self.sql_type in _FLOAT_TYPES:
            return "float"
        return "text"


@dataclass
class SqlReadStats:
    """Counters filled while a dump is read (put them in asset metadata).

    Attributes:
        statements: INSERT statements of the table read.
        rows: Value tuples yielded.
        bytes_read: Uncompressed bytes consumed.
        undecodable_text: Text values that were not valid UTF-8 (decoded with U+FFFD).
        other_table_statements: INSERT statements of other tables, skipped.
        completed_marker: 1 if the file ended with mysqldump's "-- Dump completed" line (a
            dump cut at a line boundary has none; hand-made dumps may lack it too).
    """

    statements: int = 0
    rows: int = 0
    bytes_read: int = 0
    undecodable_text: int = 0
    other_table_statements: int = 0
    completed_marker: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters as a plain dict."""
        return dict(self.__dict__)


def _unescape(raw: bytes) -> bytes:
    if b"\\" not in raw and b"''" not in raw:
        return raw
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(), m.group()[1:]), raw)


def open_dump_stream(path: str | PathLike[str]) -> BinaryIO:
    """Open a dump file as an uncompressed binary stream (gzip, bzip2, xz or plain, detected
    from the magic bytes by the shared :func:`wikiforge.dumps.decompress.open_decompressed`,
    which raises `InputError` on corrupt or cut-off compressed data).
    """
    return open_decompressed(path, threads=1)


class SqlDump:
    """One table of a MediaWiki SQL dump, read once as a stream of typed rows.

    Use as a context manager::

        with SqlDump("chwiki-20240501-pagelinks.sql.gz") as dump:
            for pl_from, target_id in dump.rows(["pl_from", "pl_target_id"]):
                ...

    Args:
        path: The dump file.
        table: Table to read; default: the first table the file creates.
        columns: Column definitions to use when the file has no `CREATE TABLE` (for example a
            dump made with ``--no-create-info``); by default they come from the file.
        decode_text: Decode text columns to `str` (UTF-8); if False they stay `bytes`.
        max_statement_bytes: Longest statement accepted before the input is called malformed.
    """

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        table: str | None = None,
        columns: Sequence[SqlColumn] | None = None,
        decode_text: bool = True,
        max_statement_bytes: int = DEFAULT_MAX_STATEMENT_BYTES,
    ) -> None:
        self.path = Path(path)
        self.decode_text = decode_text
        self.max_statement_bytes = max_statement_bytes
        self.stats = SqlReadStats()
        self._table = table
        self._columns: list[SqlColumn] | None = list(columns) if columns else None
        self._stream = open_dump_stream(self.path)
        self._line_number = 0
        self._pending: tuple[bytes, int, int] | None = None  # first INSERT seen by the header
        self._header_read = False
        self._consumed = False

    # -- context management -------------------------------------------------------------------
    def close(self) -> None:
        """Close the underlying file."""
        self._stream.close()

    def __enter__(self) -> SqlDump:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- header -------------------------------------------------------------------------------
    @property
    def table(self) -> str:
        """Name of the table being read."""
        self._read_header()
        assert self._table is not None
        return self._table

    @property
    def columns(self) -> list[SqlColumn]:
        """Columns of the table, in dump order."""
        self._read_header()
        assert self._columns is not None
        return self._columns

    @property
    def column_names(self) -> list[str]:
        """Names of the table's columns, in dump order."""
        return [column.name for column in self.columns]

    def _position(self, line_start: int, offset_in_line: int = 0) -> str:
        return f"line {self._line_number}, byte {line_start + offset_in_line}"

    def _next_line(self) -> tuple[bytes, int] | None:
        """The next line and the uncompressed offset it starts at, or None at the end."""
        start = self.stats.bytes_read
        try:
            line = self._stream.readline(self.max_statement_bytes + 1)
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as error:
            raise InputError(
                self.path, f"byte {start}", f"corrupt or truncated compressed stream: {error}"
            ) from error
        if not line:
            return None
        self._line_number += 1
        self.stats.bytes_read += len(line)
        if len(line) > self.max_statement_bytes and not line.endswith(b"\n"):
            raise InputError(
                self.path,
                self._position(start),
                f"statement longer than {self.max_statement_bytes} bytes",
            )
        return line, start

    def _read_header(self) -> None:
        """Read up to the first INSERT of the wanted table, learning its columns."""
        if self._header_read:
            return
        self._header_read = True
        creating: str | None = None
        create_columns: list[SqlColumn] = []
        while (item := self._next_line()) is not None:
            line, start = item
            if creating is not None:
                if line.startswith(b")"):
                    if self._table is None or self._table == creating:
                        self._table = creating
                        if self._columns is None:
                            self._columns = create_columns
                    creating = None
                    continue
                column = _COLUMN_RE.match(line)
                if column:
                    create_columns.append(
                        SqlColumn(column.group(1).decode(), column.group(2).decode().lower())
                    )
                continue
            create = _CREATE_RE.match(line)
            if create:
                creating = create.group(1).decode()
                create_columns = []
                continue
            insert = _INSERT_RE.match(line)
            if insert:
                name = insert.group(1).decode()
                if self._table is None:
                    self._table = name
                if name == self._table and self._columns is not None:
                    self._pending = (line, start, self._line_number)
                    return
                if name == self._table:
                    raise InputError(
                        self.path,
                        self._position(start),
                        f"INSERT into `{name}` before its CREATE TABLE; pass columns=",
                    )
                self.stats.other_table_statements += 1
        if creating is not None:
            raise InputError(self.path, f"line {self._line_number}", "CREATE TABLE not closed")
        if self._table is None:
            raise InputError(self.path, "end of file", "no CREATE TABLE and no INSERT found")
        if self._columns is None:
            raise InputError(self.path, "end of file", f"no CREATE TABLE for `{self._table}`")

    # -- rows ---------------------------------------------------------------------------------
    def _converter(self, column: SqlColumn) -> Callable[[bytes | None, bytes | None], Any]:
        """A function from (quoted string body, unquoted literal) to the Python value."""
        kind = column.kind
        decode = self.decode_text
        stats = self.stats

        def text(raw: bytes) -> str | bytes:
            if not decode:
                return raw
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                stats.undecodable_text += 1
                return raw.decode("utf-8", errors="replace")

        if kind == "int":

            def convert_int(quoted: bytes | None, literal: bytes | None) -> int | None:
                value = literal if quoted is None else quoted
                if value == b"NULL" and quoted is None:
                    return None
                return int(value)  # type: ignore[arg-type]

            return convert_int
        if kind == "float":

            def convert_float(quoted: bytes | None, literal: bytes | None) -> float | None:
                value = literal if quoted is None else quoted
                if value == b"NULL" and quoted is None:
                    return None
                return float(value)  # type: ignore[arg-type]

            return convert_float

        def convert_text(quoted: bytes | None, literal: bytes | None) -> str | bytes | None:
            if quoted is not None:
                return text(_unescape(quoted))
            if literal == b"NULL":
                return None
            assert literal is not None
            if literal[:2] in (b"0x", b"0X"):
                return text(bytes.fromhex(literal[2:].decode("ascii")))
            return text(literal)

        return convert_text

    def _statement_layout(self, column_list: bytes | None) -> list[int]:
        """Table column index of each value in a statement's tuples."""
        names = self.column_names
        if column_list is None:
            return list(range(len(names)))
        listed = [part.strip().strip(b"`").decode() for part in column_list.split(b",")]
        unknown = [name for name in listed if name not in names]
        if unknown:
            raise ValueError(f"INSERT names unknown columns {unknown}")
        return [names.index(name) for name in listed]

    def rows(self, columns: Sequence[str] | None = None) -> Iterator[tuple[Any, ...]]:
        """Yield the table's rows as tuples, in file order.

        Args:
            columns: Names of the columns to return, in this order (others are skipped without
                being converted); default: all columns.

        Yields:
            One tuple per value tuple of the dump.

        Raises:
            InputError: On malformed SQL, a truncated file or an unknown column name; when the
                SQL is malformed because the compressed data is damaged, that damage (with its
                compressed byte offset) is what is raised.
        """
        try:
            yield from self._rows(columns)
        except InputError as exc:
            real = blame_compression(self.path, exc)
            if real is exc:
                raise
            raise real from exc

    def _rows(self, columns: Sequence[str] | None) -> Iterator[tuple[Any, ...]]:
        if self._consumed:
            raise RuntimeError(f"{self.path}: rows() can be read only once")
        self._consumed = True
        self._read_header()
        names = self.column_names
        wanted = list(columns) if columns is not None else list(names)
        missing = [name for name in wanted if name not in names]
        if missing:
            raise InputError(self.path, "header", f"table `{self.table}` has no column {missing}")
        wanted_index = [names.index(name) for name in wanted]
        converters = [self._converter(self.columns[index]) for index in wanted_index]
        kinds = [self.columns[index].kind for index in wanted_index]
        layouts: dict[bytes | None, tuple[re.Pattern[bytes], re.Pattern[bytes], Callable]] = {}
        for line, start, column_list in self._statement_lines():
            if column_list not in layouts:
                try:
                    layout = self._statement_layout(column_list)
                    strict, groups = _tuple_pattern(layout, wanted_index, tolerant=False)
                    tolerant, _ = _tuple_pattern(layout, wanted_index, tolerant=True)
                except ValueError as error:
                    raise InputError(self.path, self._position(start), str(error)) from error
                layouts[column_list] = (strict, tolerant, _row_builder(converters, kinds, groups))
            strict, tolerant, build_row = layouts[column_list]
            strict_match = strict.match
            position = _INSERT_RE.match(line).end()  # type: ignore[union-attr]
            self.stats.statements += 1
            while True:
                # mysqldump's own layout first; spaces and _binary prefixes on the slow path.
                match = strict_match(line, position) or tolerant.match(line, position)
                if match is None:
                    raise InputError(
                        self.path,
                        self._position(start, position),
                        "statement truncated or malformed value tuple: " + _snippet(line, position),
                    )
                groups_found = match.groups()
                try:
                    row = build_row(groups_found)
                except ValueError as error:
                    raise InputError(
                        self.path,
                        self._position(start, position),
                        f"bad value ({error}) in tuple {_snippet(line, position)}",
                    ) from error
                yield row
                self.stats.rows += 1
                position = match.end()
                if groups_found[-1] == b";":
                    break
            rest = line[position:].strip()
            if rest:
                raise InputError(
                    self.path,
                    self._position(start, position),
                    f"unexpected text after statement: {_snippet(line, position)}",
                )

    def _statement_lines(self) -> Iterator[tuple[bytes, int, bytes | None]]:
        """Yield (line, start offset, column list) for each INSERT of the table."""
        if self._pending is not None:
            line, start, _ = self._pending
            self._pending = None
            yield line, start, _INSERT_RE.match(line).group(2)  # type: ignore[union-attr]
        while (item := self._next_line()) is not None:
            line, start = item
            if not line.startswith(b"INSERT"):
                if line.startswith(b"-- Dump completed"):
                    self.stats.completed_marker = 1
                continue
            insert = _INSERT_RE.match(line)
            if insert is None:
                raise InputError(self.path, self._position(start), "malformed INSERT statement")
            if insert.group(1).decode() != self._table:
                self.stats.other_table_statements += 1
                continue
            yield line, start, insert.group(2)

    def batches(
        self, columns: Sequence[str] | None = None, batch_rows: int = 65_536
    ) -> Iterator[pa.RecordBatch]:
        """Yield the rows as Arrow record batches of at most `batch_rows` rows.

        Integer columns are ``int64``, floating ones ``float64``, text ``string`` (``binary``
        when ``decode_text`` is False).

        Args:
            columns: Names of the columns to return; default: all.
            batch_rows: Rows per batch.

        Yields:
            Record batches with the schema :meth:`arrow_schema` gives for `columns`.
        """
        schema = self.arrow_schema(columns)
        buffer: list[tuple[Any, ...]] = []
        for row in self.rows(columns):
            buffer.append(row)
            if len(buffer) >= batch_rows:
                yield _to_batch(buffer, schema)
                buffer = []
        if buffer:
            yield _to_batch(buffer, schema)

    def arrow_schema(self, columns: Sequence[str] | None = None) -> pa.Schema:
        """The Arrow schema of :meth:`batches` for these columns (default: all)."""
        by_name = {column.name: column for column in self.columns}
        names = list(columns) if columns is not None else self.column_names
        text_type = pa.string() if self.decode_text else pa.binary()
        types = {"int": pa.int64(), "float": pa.float64(), "text": text_type}
        missing = [name for name in names if name not in by_name]
        if missing:
            raise InputError(self.path, "header", f"table `{self.table}` has no column {missing}")
        return pa.schema([pa.field(name, types[by_name[name].kind]) for name in names])


def _to_batch(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.RecordBatch:
    # One comprehension per column: zip(*rows) over tens of thousands of rows is much slower.
    return pa.RecordBatch.from_arrays(
        [
            pa.array([row[index] for row in rows], type=column.type)
            for index, column in enumerate(schema)
        ],
        schema=schema,
    )


def _snippet(line: bytes, offset: int, width: int = 60) -> str:
    return repr(line[offset : offset + width].decode("utf-8", errors="replace"))


def _tuple_pattern(
    layout: list[int], wanted_index: list[int], *, tolerant: bool
) -> tuple[re.Pattern[bytes], list[int]]:
    """A regex matching one value tuple and its separator, capturing only wanted columns.

    The strict form matches mysqldump's exact output (no spaces, no charset introducers) and
    is the fast path; the tolerant form allows spaces and ``_binary`` prefixes.

    Returns the pattern and, for each wanted column, the index of its (quoted, literal) group
    pair in ``match.groups()``. The last group is the separator after the tuple.
    """
    wanted_set = set(wanted_index)
    prefix = rb"(?:_binary\s*)?" if tolerant else b""
    parts = []
    group_of_column: dict[int, int] = {}
    group = 0
    for column_index in layout:
        if column_index in wanted_set:
            parts.append(rb"(?:" + prefix + rb"'(" + _STRING_BODY + rb")'|(" + _LITERAL + rb"))")
            group_of_column[column_index] = group
            group += 2
        else:
            parts.append(rb"(?:" + prefix + rb"'" + _STRING_BODY + rb"'|" + _LITERAL + rb")")
    missing = [index for index in wanted_index if index not in group_of_column]
    if missing:
        raise ValueError(f"statement's column list lacks wanted columns {missing}")
    if tolerant:
        body = rb"\s*,\s*".join(parts)
        pattern = rb"\(\s*" + body + rb"\s*\)\s*([,;])\s*"
    else:
        pattern = rb"\(" + b",".join(parts) + rb"\)([,;])"
    return re.compile(pattern, re.DOTALL), [group_of_column[index] for index in wanted_index]


def _row_builder(
    converters: list[Callable[[bytes | None, bytes | None], Any]],
    kinds: list[ColumnKind],
    groups: list[int],
) -> Callable[[tuple[bytes | None, ...]], tuple[Any, ...]]:
    """A function from a tuple match's groups to the row, compiled for this column layout.

    Generated (like `collections.namedtuple`) so a row costs one call instead of a generator
    and a converter call per value; unquoted integers, the common case, convert inline.
    """
    names: dict[str, Any] = {}
    values = []
    for position, (convert, kind, group) in enumerate(zip(converters, kinds, groups, strict=True)):
        names[f"c{position}"] = convert
        quoted, literal = f"g[{group}]", f"g[{group + 1}]"
        generic = f"c{position}({quoted}, {literal})"
        if kind == "int":
            values.append(
                f"(int({literal}) if {quoted} is None and {literal} != b'NULL' else {generic})"
            )
        else:
            values.append(generic)
    source = "lambda g: (" + "".join(value + ", " for value in values) + ")"
    return eval(source, names)  # noqa: S307 - source built above from column positions only


def read_sql_table(
    path: str | PathLike[str],
    columns: Sequence[str] | None = None,
    *,
    table: str | None = None,
) -> pa.Table:
    """Read (some columns of) a small dump into one Arrow table: a convenience for tests and
    small tables such as `redirect`; big tables should be streamed with :meth:`SqlDump.batches`.

    Args:
        path: The dump file.
        columns: Columns to read; default: all.
        table: Table to read; default: the first one in the file.

    Returns:
        The rows, with the schema of :meth:`SqlDump.arrow_schema`.
    """
    with SqlDump(path, table=table) as dump:
        schema = dump.arrow_schema(columns)
        return pa.Table.from_batches(list(dump.batches(columns)), schema=schema)
