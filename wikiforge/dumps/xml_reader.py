"""Streaming reader for MediaWiki XML export dumps (``pages-articles`` and the like).

Usage::

    reader = read_pages("hawiki-20150406-pages-articles.xml.bz2")
    print(reader.siteinfo.namespaces)
    for page in reader:
        ...
    print(reader.report)        # pages, skipped by reason, truncated, bytes read

How it reads, and why it is fast and still exact:

* Bytes come from ``open_decompressed``: decoding runs in background threads ahead of the
  parser (bzip2 blocks in parallel), releasing the GIL. UTF-16 files (BOM) are transcoded to
  UTF-8 on the fly, so everything below works on UTF-8.
* The header (everything before the first ``<page>``) is parsed by expat: the root element must
  be ``<mediawiki>``; ``<siteinfo>`` gives the namespaces.
* Each page is matched in place by one compiled regular expression for the exact layout
  MediaWiki writes. That fast path accepts a strict subset of well-formed XML (only the five
  predefined entities, no CR, no comments or CDATA, no characters XML forbids: each read buffer
  is scanned once for those) and decodes it exactly as an XML parser would.
* Otherwise the page is cut out of the stream (``<`` never appears unescaped in character
  data, so the first ``</page>`` closes the page).
* Any page the fast path does not accept is parsed by expat (the slow path), which decides:
  either it is well-formed (an unusual layout, several revisions, character references...) and
  is read from the tree, or it is not and ``InputError`` names the byte offset and the page.

Bad input: malformed XML, a non-MediaWiki document and corrupt compressed data raise
``InputError``; a document cut off (no closing tag: an excerpt) yields every complete page and
sets ``report.truncated`` with where it stops; a truncated compressed stream (a download that
stopped early) does too, and then raises ``TruncatedInputError`` naming the compressed byte
offset and where the XML stops, unless ``allow_truncated`` is set; page-level problems (invalid title, missing id or
text) are skipped and counted in ``report.skipped``. Memory holds one read chunk plus the
largest page.
"""

from __future__ import annotations

import codecs
import io
import os
import pyexpat
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from wikiforge.dumps.decompress import TruncatedInputError, blame_compression, open_decompressed
from wikiforge.dumps.titles import invalid_title_reason
from wikiforge.errors import InputError

__all__ = [
    "DEFAULT_NAMESPACES",
    "DumpReader",
    "Page",
    "ReadReport",
    "SiteInfo",
    "read_pages",
]

# The standard MediaWiki namespaces with their canonical English names: used when a file has
# no <siteinfo> (SiteInfo.from_default is then True).
DEFAULT_NAMESPACES: dict[int, str] = {
    -2: "Media",
    -1: "Special",
    0: "",
    1: "Talk",
    2: "User",
    3: "User talk",
    4: "Project",
    5: "Project talk",
    6: "File",
    7: "File talk",
    8: "MediaWiki",
    9: "MediaWiki talk",
    10: "Template",
    11: "Template talk",
    12: "Help",
    13: "Help talk",
    14: "Category",
    15: "Category talk",
}
# Canonical names every wiki also accepts as a prefix, whatever its local names.
_CANONICAL_ALIASES: dict[str, int] = {
    **{name: key for key, name in DEFAULT_NAMESPACES.items() if key},
    "Image": 6,
    "Image talk": 7,
}

_READ_CHUNK = 4 << 20  # decompressed bytes read at a time
_HEADER_LIMIT = 64 << 20  # a real <siteinfo> is a few kB; beyond this it is not an export
_DEFAULT_MAX_PAGE_BYTES = 512 << 20  # larger pages are skipped (counted), not held


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a dump with its latest revision (the last one in the file)."""

    page_id: int
    namespace: int
    title: str
    redirect: str | None
    revision_id: int
    timestamp: str
    text: str


@dataclass
class SiteInfo:
    """The ``<siteinfo>`` header: site names, title case rule and namespaces.

    Attributes:
        namespaces: Namespace number to local name (``0`` is ``""``).
        from_default: True when the file had no ``<siteinfo>`` and the standard MediaWiki
            namespaces (English names) stand in for it.
    """

    dbname: str | None
    sitename: str | None
    base: str | None
    case: str
    namespaces: dict[int, str]
    from_default: bool = False
    generator: str | None = None
    _prefix_index: dict[str, int] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def default(cls) -> SiteInfo:
        """The stand-in for a file without ``<siteinfo>``: standard English namespaces."""
        return cls(
            dbname=None,
            sitename=None,
            base=None,
            case="first-letter",
            namespaces=dict(DEFAULT_NAMESPACES),
            from_default=True,
        )

    def namespace_of(self, title: str) -> int:
        """The namespace a title's prefix names (0 when the prefix is not a namespace).

        Namespace names match case-insensitively with ``_`` and `` `` equivalent, and the
        canonical English names (``Project``, ``Image``, ...) work on every wiki, as in MediaWiki.
        """
        prefix, sep, _ = title.partition(":")
        if not sep:
            return 0
        if self._prefix_index is None:
            index = {_fold_prefix(name): key for name, key in _CANONICAL_ALIASES.items()}
            index.update({_fold_prefix(name): key for key, name in self.namespaces.items() if key})
            self._prefix_index = index
        return self._prefix_index.get(_fold_prefix(prefix), 0)


def _fold_prefix(name: str) -> str:
    return name.replace("_", " ").strip().casefold()


@dataclass
class ReadReport:
    """What a read saw. Complete once iteration has ended.

    Attributes:
        pages: Pages yielded.
        skipped: Pages skipped, by reason (``invalid_title``, ``missing_text``, ...).
        truncated: The file stopped before ``</mediawiki>`` (or its compressed stream was cut).
        truncated_at: Where: the byte offset of the cut and the last complete page's title.
        bytes_read: Decompressed bytes read from the file.
        cut: The error describing the cut (raised at the end when the compressed stream was
            cut, unless truncation is allowed).
    """

    pages: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    truncated: bool = False
    truncated_at: str | None = None
    bytes_read: int = 0
    cut: TruncatedInputError | None = None


class _Utf8Source:
    """Decompressed chunks of a dump, as UTF-8, with the count of bytes read from the file.

    The encoding comes from the byte-order mark (UTF-8, UTF-16LE/BE), else from the XML
    declaration, else UTF-8. Anything but UTF-8 is transcoded to UTF-8 incrementally (so byte
    offsets in errors are then those of the transcoding).
    """

    def __init__(self, path: Path, threads: int, decoder_threads: int | None) -> None:
        self.path = path
        if decoder_threads is None:
            # bzip2 blocks decode on every core, the parser's included: measured faster than
            # leaving the parser a core to itself (bench/dump_reading.py, both rows).
            decoder_threads = threads
        self._stream: io.BufferedReader = open_decompressed(
            path, threads=threads, decoder_threads=decoder_threads
        )
        self.bytes_read = 0
        self.encoding = "utf-8"
        self.truncated_stream: TruncatedInputError | None = None
        self.exhausted = False
        self._decoder: codecs.IncrementalDecoder | None = None
        self._started = False

    def read(self) -> bytes:
        """Next chunk of UTF-8 bytes; ``b""`` once the file is exhausted."""
        while not self.exhausted:
            data = self._read_raw()
            if not self._started:
                data = self._start(data)
            if self._decoder is not None:
                data = self._transcode(data)
            if data:
                return data
        return b""

    def _read_raw(self) -> bytes:
        try:
            # read1: one read of the layer below, so no data read before an error is lost.
            data = self._stream.read1(_READ_CHUNK)
        except TruncatedInputError as exc:
            self.truncated_stream = exc
            data = b""
        if not data:
            self.exhausted = True
        self.bytes_read += len(data)
        return data

    def _start(self, data: bytes) -> bytes:
        """Detect the encoding on the first bytes; drop a byte-order mark."""
        while len(data) < 4 and not self.exhausted:
            data += self._read_raw()
        self._started = True
        encoding, bom_length = _sniff_encoding(data)
        self.encoding = encoding
        if encoding != "utf-8":
            try:
                self._decoder = codecs.getincrementaldecoder(encoding)("strict")
            except LookupError as exc:
                raise InputError(self.path, "byte 0", f"unknown encoding {encoding!r}") from exc
        return data[bom_length:]

    def _transcode(self, data: bytes) -> bytes:
        assert self._decoder is not None
        try:
            return self._decoder.decode(data, final=self.exhausted).encode("utf-8")
        except UnicodeError as exc:
            start = getattr(exc, "start", 0)
            raise InputError(
                self.path,
                f"byte {self.bytes_read - len(data) + start}",
                f"invalid {self.encoding} data ({exc})",
            ) from exc

    def close(self) -> None:
        self._stream.close()


_XML_DECLARATION_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _sniff_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a document from its first bytes, and the length of its byte-order mark."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 0  # kept: expat skips it, and byte offsets stay those of the file
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if head.startswith(b"<\x00?\x00") or head.startswith(b"<\x00m\x00"):
        return "utf-16-le", 0
    if head.startswith(b"\x00<\x00?") or head.startswith(b"\x00<\x00m"):
        return "utf-16-be", 0
    match = _XML_DECLARATION_ENCODING.match(head[:200])
    if match:
        declared = match.group(1).decode("ascii")
        try:
            declared = codecs.lookup(declared).name
        except LookupError:
            return declared, 0  # reported by the caller as an unknown encoding
        if declared not in ("utf-8", "us-ascii", "ascii"):
            return declared, 0
    return "utf-8", 0


# ---------------------------------------------------------------------------------------------
# Header: expat on everything before the first <page>.


class _HeaderParser:
    """Feeds the bytes before the first ``<page>`` to expat and collects ``<siteinfo>``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parser = pyexpat.ParserCreate("UTF-8")
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._chars
        self.root: str | None = None
        self.root_closed = False
        self.stack: list[str] = []
        self.values: dict[str, str] = {}
        self.namespaces: dict[int, str] = {}
        self.saw_siteinfo = False
        self._text: list[str] = []
        self._namespace_key: int | None = None
        self.fed = 0

    def feed(self, data: bytes) -> None:
        """Parse more of the header; raises ``InputError`` on malformed or foreign XML."""
        try:
            self.parser.Parse(data, False)
        except pyexpat.ExpatError as exc:
            raise InputError(
                self.path,
                f"byte {self.parser.ErrorByteIndex}",
                f"malformed XML before the first page: {pyexpat.ErrorString(exc.code)}",
            ) from exc
        self.fed += len(data)
        if self.root is not None and self.root != "mediawiki":
            raise InputError(
                self.path, "byte 0", f"not a MediaWiki export: root element is <{self.root}>"
            )

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if self.root is None:
            self.root = name
        self.stack.append(name)
        self._text = []
        if name == "siteinfo" and len(self.stack) == 2:
            self.saw_siteinfo = True
        if name == "namespace" and self.stack[-2:-1] == ["namespaces"]:
            try:
                self._namespace_key = int(attrs.get("key", ""))
            except ValueError:
                self._namespace_key = None

    def _end(self, name: str) -> None:
        text = "".join(self._text)
        self._text = []
        depth = len(self.stack)
        if depth == 3 and self.stack[1] == "siteinfo":
            self.values[name] = text
        elif name == "namespace" and self._namespace_key is not None:
            self.namespaces[self._namespace_key] = text
            self._namespace_key = None
        self.stack.pop()
        if not self.stack:
            self.root_closed = True

    def _chars(self, data: str) -> None:
        self._text.append(data)

    def siteinfo(self) -> SiteInfo:
        if not self.saw_siteinfo:
            return SiteInfo.default()
        namespaces = self.namespaces or dict(DEFAULT_NAMESPACES)
        namespaces.setdefault(0, "")
        return SiteInfo(
            dbname=self.values.get("dbname"),
            sitename=self.values.get("sitename"),
            base=self.values.get("base"),
            case=self.values.get("case", "first-letter"),
            namespaces=namespaces,
            generator=self.values.get("generator"),
        )


# ---------------------------------------------------------------------------------------------
# Pages: the fast path (one regular expression) and the slow path (expat).

_WS = rb"[ \t\n]*"
_FAST_PAGE = re.compile(
    rb"<page>"
    + _WS
    + rb"<title>(?P<title>[^<]*)</title>"
    + _WS
    + rb"(?:<ns>(?P<ns>[^<]*)</ns>"
    + _WS
    + rb")?"
    + rb"(?:<id>(?P<id>[^<]*)</id>"
    + _WS
    + rb")?"
    + rb"(?:<redirect(?P<redirect_tag>(?: title=\"(?P<redirect>[^\"<]*)\")?)"
    + _WS
    + rb"/>"
    + _WS
    + rb")?"
    + rb"(?:<restrictions>[^<]*</restrictions>"
    + _WS
    + rb")?"
    + rb"<revision>"
    + _WS
    + rb"<id>(?P<revision_id>[^<]*)</id>"
    + _WS
    + rb"(?:<parentid>[^<]*</parentid>"
    + _WS
    + rb")?"
    + rb"<timestamp>(?P<timestamp>[^<]*)</timestamp>"
    + _WS
    + rb"(?:<contributor(?: deleted=\"deleted\")?"
    + _WS
    + rb"/>|<contributor>"
    + _WS
    + rb"(?:<username>[^<]*</username>"
    + _WS
    + rb"|<username"
    + _WS
    + rb"/>"
    + _WS
    + rb")?"
    + rb"(?:<id>[^<]*</id>"
    + _WS
    + rb")?"
    + rb"(?:<ip>[^<]*</ip>"
    + _WS
    + rb")?"
    + rb"</contributor>)"
    + _WS
    + rb"(?:<minor"
    + _WS
    + rb"/>"
    + _WS
    + rb")?"
    + rb"(?:<comment(?: deleted=\"deleted\")?"
    + _WS
    + rb"/>"
    + _WS
    + rb"|<comment>[^<]*</comment>"
    + _WS
    + rb")?"
    + rb"(?:<origin>[^<]*</origin>"
    + _WS
    + rb")?"
    + rb"(?:<model>[^<]*</model>"
    + _WS
    + rb")?"
    + rb"(?:<format>[^<]*</format>"
    + _WS
    + rb")?"
    + rb"<text(?P<text_attrs>(?:[ \t\n]+[A-Za-z_:][\w:.-]*=\"[^\"<]*\")*)"
    + _WS
    + rb"(?:/>|>(?P<text>[^<]*)</text>)"
    + _WS
    + rb"(?:<sha1>[^<]*</sha1>"
    + _WS
    + rb"|<sha1"
    + _WS
    + rb"/>"
    + _WS
    + rb")?"
    + rb"</revision>"
    + _WS
    + rb"</page>"
)
# The same, after the whitespace that precedes a page: matched at the current position, it reads
# the next page without searching for its start and end first.
_FAST_PAGE_AT = re.compile(_WS + _FAST_PAGE.pattern)
# Bytes XML 1.0 forbids (C0 controls but tab/LF/CR) mapped to NUL by one translate() call, so a
# single find() tells whether any is present (much faster than a regular expression).
_NOT_XML_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32)])
_FLAG_NOT_XML_BYTES = bytes.maketrans(_NOT_XML_BYTES, b"\0" * len(_NOT_XML_BYTES))
_NOT_XML_NONCHARACTER = re.compile(rb"\xef\xbf[\xbe\xbf]")  # U+FFFE, U+FFFF
_AMPERSAND_NOT_NAMED_ENTITY = re.compile(rb"&(?!lt;|gt;|amp;|quot;|apos;)")
# Longer texts with entities are decoded by expat: about 3x faster than chained replace() on long
# entity-dense texts (enwiki articles); no gain on short ones.
_TEXT_VIA_EXPAT_BYTES = 2048


def _is_plain(data: bytes) -> bool:
    """True when ``data`` needs none of what only a full XML parser does right.

    That is: no CR (line-end normalisation), no ``]]>``, no character XML forbids, and every
    ``&`` starts one of the five predefined entities. Pages inside plain data take the fast path.
    """
    return not (
        b"\r" in data
        or b"]]>" in data
        or data.translate(_FLAG_NOT_XML_BYTES).find(b"\0") >= 0
        or _NOT_XML_NONCHARACTER.search(data)
        or _AMPERSAND_NOT_NAMED_ENTITY.search(data)
    )


_MAX_IMPURE_SPOTS = 1000


def _plain_span(buffer: bytes, spots: list[int] | None, start: int, end: int) -> bool:
    """Whether ``buffer[start:end]`` is plain, from the buffer's ``_impure_spots`` when listed."""
    if spots is None:
        return _is_plain(buffer[start:end])
    first = bisect_left(spots, start)
    return first == len(spots) or spots[first] >= end


def _impure_spots(data: bytes) -> list[int] | None:
    """Sorted offsets of everything that makes data not plain (see ``_is_plain``).

    A page that contains none of them takes the fast path without a check of its own. ``None``
    when there are too many to list (say a CRLF file): then every page is checked by itself.
    """
    spots: list[int] = []
    # One scan per kind: each is a C-speed search, unlike one regex with alternatives.
    for needle, haystack in (
        (b"\r", data),
        (b"]]>", data),
        (b"\0", data.translate(_FLAG_NOT_XML_BYTES)),
    ):
        found = haystack.find(needle)
        while found >= 0:
            spots.append(found)
            if len(spots) > _MAX_IMPURE_SPOTS:
                return None
            found = haystack.find(needle, found + 1)
    for pattern in (_NOT_XML_NONCHARACTER, _AMPERSAND_NOT_NAMED_ENTITY):
        for match in pattern.finditer(data):
            spots.append(match.start())
            if len(spots) > _MAX_IMPURE_SPOTS:
                return None
    spots.sort()
    return spots


def _unescape(raw: bytes) -> bytes:
    """Decode the five predefined XML entities (the only ones the fast path lets through)."""
    if b"&" not in raw:
        return raw
    return (
        raw.replace(b"&lt;", b"<")
        .replace(b"&gt;", b">")
        .replace(b"&quot;", b'"')
        .replace(b"&apos;", b"'")
        .replace(b"&amp;", b"&")  # last, so "&amp;lt;" stays "&lt;"
    )


def _decode_text(raw: bytes) -> str:
    """Character data of plain bytes (see ``_is_plain``) as a string, decoded exactly.

    Long texts with entities go through expat, which decodes entities and UTF-8 in one pass.
    """
    if len(raw) < _TEXT_VIA_EXPAT_BYTES or b"&" not in raw:
        return _unescape(raw).decode("utf-8")
    parts: list[str] = []
    parser = pyexpat.ParserCreate("UTF-8")
    parser.buffer_text = True
    parser.buffer_size = len(raw) + 16
    parser.CharacterDataHandler = parts.append
    try:
        parser.Parse(b"<t>" + raw + b"</t>", True)
    except pyexpat.ExpatError as exc:
        raise _NotFast from exc
    return "".join(parts)


# A title this does not match, of at most 63 characters (at most 252 UTF-8 bytes), passes every
# rule of invalid_title_reason: it matches anything any of those rules looks at.
_TITLE_NEEDS_CHECKS = re.compile(
    r"^$|[\x00-\x1f\x7f#<>\[\]{|}\ufffd%&]|~~~|\./|/\.|(?:^|:)\.\.?$|^[ :_]|[ :_]$"
)


class _NotFast(Exception):
    """The fast path declines a page; expat decides."""


@dataclass(slots=True)
class _RawPage:
    """Fields of one page as found in the XML, before validation."""

    title: str | None
    namespace: str | None
    page_id: str | None
    redirect: str | None
    has_revision: bool
    revision_id: str | None
    timestamp: str | None
    text: str | None


def _fast_page(chunk: bytes) -> Page | None:
    """The common case in one step: a plain page in MediaWiki's exact layout with ``<ns>``,
    ``<id>``, text and a title no rule needs to look at. ``None`` for anything else (the general
    path then decides). The caller has checked that ``chunk`` is plain (``_is_plain``).
    """
    match = _FAST_PAGE.fullmatch(chunk)
    return None if match is None else _page_from_match(match)


def _page_from_match(match: re.Match[bytes]) -> Page | None:
    """The ``Page`` a match of ``_FAST_PAGE`` describes, or ``None`` if it needs the general path
    (no ``<ns>`` or ``<id>``, deleted text, a title some rule must look at, bad UTF-8...).
    """
    (
        raw_title, namespace, page_id, redirect_tag, raw_redirect,
        revision_id, timestamp, text_attrs, raw_text,
    ) = match.groups()  # fmt: skip
    if namespace is None or page_id is None or b"deleted=" in text_attrs:
        return None
    try:
        title = (_unescape(raw_title) if b"&" in raw_title else raw_title).decode("utf-8")
        if len(title) > 63 or _TITLE_NEEDS_CHECKS.search(title) is not None:
            return None
        redirect = None
        if redirect_tag is not None:
            if raw_redirect is None:
                redirect = ""
            else:
                # Attribute-value normalisation: literal tab and newline become spaces.
                if b"\t" in raw_redirect or b"\n" in raw_redirect:
                    raw_redirect = raw_redirect.replace(b"\t", b" ").replace(b"\n", b" ")
                redirect = _unescape(raw_redirect).decode("utf-8")
        if raw_text is None:
            text = ""
        elif b"&" not in raw_text:
            text = raw_text.decode("utf-8")
        else:
            text = _decode_text(raw_text)
        return Page(
            int(page_id), int(namespace), title, redirect, int(revision_id),
            timestamp.decode("ascii"), text,
        )  # fmt: skip
    except (UnicodeDecodeError, ValueError, _NotFast):
        return None


def _fast_parse(chunk: bytes) -> _RawPage:
    """Read a page in MediaWiki's exact layout; raise ``_NotFast`` for anything else."""
    if not _is_plain(chunk):
        raise _NotFast
    match = _FAST_PAGE.fullmatch(chunk)
    if match is None:
        raise _NotFast
    try:
        redirect = None
        if match.group("redirect_tag") is not None:
            raw_redirect = match.group("redirect")
            if raw_redirect is not None:
                # Attribute-value normalisation: literal tab and newline become spaces.
                raw_redirect = raw_redirect.replace(b"\t", b" ").replace(b"\n", b" ")
                redirect = _unescape(raw_redirect).decode("utf-8")
            else:
                redirect = ""
        text_attrs = match.group("text_attrs")
        raw_text = match.group("text")
        if b"deleted=" in text_attrs:
            text = None
        elif raw_text is None:
            text = ""
        else:
            text = _decode_text(raw_text)
        namespace = match.group("ns")
        page_id = match.group("id")
        return _RawPage(
            title=_unescape(match.group("title")).decode("utf-8"),
            namespace=None if namespace is None else namespace.decode("ascii"),
            page_id=None if page_id is None else page_id.decode("ascii"),
            redirect=redirect,
            has_revision=True,
            revision_id=match.group("revision_id").decode("ascii"),
            timestamp=_unescape(match.group("timestamp")).decode("utf-8"),
            text=text,
        )
    except UnicodeDecodeError as exc:
        raise _NotFast from exc


class _Node:
    """A minimal element for the slow path: tag, attributes, children, character data."""

    __slots__ = ("attrs", "children", "tag", "text")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node] = []
        self.text: list[str] = []

    def child(self, tag: str) -> _Node | None:
        for node in self.children:
            if node.tag == tag:
                return node
        return None

    def last_child(self, tag: str) -> _Node | None:
        for node in reversed(self.children):
            if node.tag == tag:
                return node
        return None

    def string(self) -> str:
        return "".join(self.text)


class _XmlError(Exception):
    def __init__(self, byte_index: int, message: str) -> None:
        super().__init__(message)
        self.byte_index = byte_index
        self.message = message


def _expat_parse(chunk: bytes) -> _Node:
    """Parse one ``<page>`` element with expat into ``_Node``s (raises ``_XmlError``)."""
    parser = pyexpat.ParserCreate("UTF-8")
    parser.buffer_text = True
    stack: list[_Node] = []
    roots: list[_Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = _Node(tag, attrs)
        if stack:
            stack[-1].children.append(node)
        else:
            roots.append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(chunk, True)
    except pyexpat.ExpatError as exc:
        raise _XmlError(parser.ErrorByteIndex, pyexpat.ErrorString(exc.code)) from exc
    return roots[0]


def _slow_parse(chunk: bytes) -> _RawPage:
    """Read any well-formed ``<page>`` element; the latest (last) revision is kept."""
    page = _expat_parse(chunk)

    def text_of(node: _Node | None, tag: str) -> str | None:
        found = node.child(tag) if node is not None else None
        return None if found is None else found.string()

    redirect_node = page.child("redirect")
    revision = page.last_child("revision")
    text = None
    if revision is not None:
        text_node = revision.child("text")
        if text_node is not None and "deleted" not in text_node.attrs:
            text = text_node.string()
    return _RawPage(
        title=text_of(page, "title"),
        namespace=text_of(page, "ns"),
        page_id=text_of(page, "id"),
        redirect=None if redirect_node is None else redirect_node.attrs.get("title", ""),
        has_revision=revision is not None,
        revision_id=text_of(revision, "id"),
        timestamp=text_of(revision, "timestamp"),
        text=text,
    )


# ---------------------------------------------------------------------------------------------
# The reader.


class DumpReader:
    """Iterate the pages of a MediaWiki XML dump, streaming, in bounded memory.

    Args:
        path: The dump (``.xml``, ``.bz2`` incl. multistream, ``.xz``, ``.gz``; detected by
            magic bytes).
        threads: Cores to use: decoding runs in a read-ahead thread while this one parses,
            and bzip2 blocks decode in parallel on ``threads`` threads.
        max_page_bytes: Pages larger than this (in UTF-8 bytes) are skipped and counted as
            ``page_too_large`` rather than held in memory.
        decoder_threads: bzip2 decoding threads (default ``threads``).
        allow_truncated: Keep the complete pages of a file whose compressed stream is cut off
            without raising (the cut is then only in ``report``). By default such a file raises
            ``TruncatedInputError`` once its complete pages have been yielded: a cut download
            is not a dump. (A complete stream holding a cut-off document is an excerpt: its
            complete pages are kept and the cut is reported, never raised.)

    Attributes:
        siteinfo: The ``<siteinfo>`` header (read on first access, before the first page).
        report: Counts of this read; complete once iteration ends.

    Iterating a second time reads the file again from the start (with a fresh report).

    Positions in errors and in ``report.truncated_at`` are byte offsets in the decompressed XML
    (for a UTF-16 file, in its UTF-8 transcoding); errors of the compressed data itself give the
    offset in the compressed file.

    Known limit: a ``</page>`` inside a comment or CDATA section within a page (MediaWiki writes
    neither) would end the page early and be reported as malformed XML.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        threads: int = 2,
        max_page_bytes: int = _DEFAULT_MAX_PAGE_BYTES,
        decoder_threads: int | None = None,
        allow_truncated: bool = False,
    ) -> None:
        self.path = Path(path)
        self.allow_truncated = allow_truncated
        self.threads = threads
        self.decoder_threads = decoder_threads
        self.max_page_bytes = max_page_bytes
        self.report = ReadReport()
        self._siteinfo: SiteInfo | None = None
        self._prepared: tuple[_Utf8Source, bytes, int] | None = None

    @property
    def siteinfo(self) -> SiteInfo:
        """The header of the dump (``SiteInfo.default()`` when the file has none)."""
        if self._siteinfo is None:
            self._prepared = self._open()
        assert self._siteinfo is not None
        return self._siteinfo

    def __iter__(self) -> Iterator[Page]:
        prepared, self._prepared = self._prepared, None
        if prepared is None:
            prepared = self._open()
        return self._blamed(self._pages(*prepared))

    def _blamed(self, pages: Iterator[Page]) -> Iterator[Page]:
        """``pages``, with a parse error replaced by the damaged compression that caused it."""
        try:
            yield from pages
        except InputError as exc:
            real = blame_compression(self.path, exc)
            if real is exc:
                raise
            raise real from exc

    def close(self) -> None:
        """Release the file opened to read ``siteinfo`` if no iteration took it over.

        (An iteration closes its file when it ends or is abandoned.)
        """
        prepared, self._prepared = self._prepared, None
        if prepared is not None:
            prepared[0].close()

    def __enter__(self) -> DumpReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    # -- header -------------------------------------------------------------------------------

    def _open(self) -> tuple[_Utf8Source, bytes, int]:
        """Open the file, parse the header; return the source, the buffer and its offset."""
        try:
            return self._open_header()
        except InputError as exc:
            real = blame_compression(self.path, exc)
            if real is exc:
                raise
            raise real from exc

    def _open_header(self) -> tuple[_Utf8Source, bytes, int]:
        self.report = ReadReport()
        source = _Utf8Source(self.path, self.threads, self.decoder_threads)
        try:
            header = _HeaderParser(self.path)
            buffer = b""
            page_at = -1
            while page_at < 0:
                data = source.read()
                if not data:
                    break
                search_from = max(len(buffer) - 5, 0)
                buffer += data
                page_at = _find_page_start(buffer, search_from)
                feed_to = page_at if page_at >= 0 else max(len(buffer) - 5, header.fed)
                header.feed(buffer[header.fed : feed_to])
                if page_at < 0 and len(buffer) > _HEADER_LIMIT:
                    raise InputError(
                        self.path,
                        f"byte {len(buffer)}",
                        f"no <page> in the first {_HEADER_LIMIT} bytes: not a MediaWiki export",
                    )
            if page_at < 0:
                header.feed(buffer[header.fed :])
            if header.root is None:
                if source.truncated_stream is not None:
                    # Nothing decodable before the cut: the real cause is the cut, not the XML.
                    self._mark_truncated(source, len(buffer), None)
                    assert self.report.cut is not None
                    raise self.report.cut
                if not buffer.strip():
                    raise InputError(
                        self.path, "byte 0", "no XML: the decompressed document is empty"
                    )
                raise InputError(self.path, "byte 0", "no XML element: not a MediaWiki export")
            if page_at >= 0 and header.stack != ["mediawiki"]:
                raise InputError(
                    self.path,
                    f"byte {page_at}",
                    f"malformed export: <page> inside <{header.stack[-1]}>",
                )
            self._siteinfo = header.siteinfo()
            if page_at < 0:
                # No page at all: either a complete empty export or one cut off early.
                self.report.bytes_read = source.bytes_read
                if not header.root_closed:
                    self._mark_truncated(source, len(buffer), None)
                source.close()
                return source, b"", len(buffer)
            return source, buffer[page_at:], page_at
        except BaseException:
            source.close()
            raise

    # -- pages --------------------------------------------------------------------------------

    def _pages(  # noqa: C901 (the hot loop: one frame per page is what makes it fast)
        self, source: _Utf8Source, buffer: bytes, base: int
    ) -> Iterator[Page]:
        """Yield the pages; ``buffer`` starts at the first ``<page`` at file offset ``base``."""
        report = self.report
        siteinfo = self.siteinfo
        skipped = report.skipped
        last_title: str | None = None
        position = 0
        pages = 0
        # Checked once per buffer: pages clear of these spots need no check of their own.
        spots = _impure_spots(buffer)
        try:
            if source.exhausted and not buffer:
                return
            fast_page_at = _FAST_PAGE_AT.match
            max_page_bytes = self.max_page_bytes
            while True:
                # The usual case first: the next page, plain and in MediaWiki's layout.
                match = fast_page_at(buffer, position)
                if match is not None:
                    end = match.end()
                    if end - position <= max_page_bytes and _plain_span(
                        buffer, spots, position, end
                    ):
                        page = _page_from_match(match)
                        if page is not None:
                            position = end
                            last_title = page.title
                            pages += 1
                            yield page
                            continue
                # Anything else: find the page's bounds, then read it with the general path.
                start = _find_page_start(buffer, position)
                if start < 0:
                    if source.exhausted:
                        self._finish(source, buffer[position:], base + position, last_title)
                        return
                    tail = buffer[position:]
                    if len(tail) > _READ_CHUNK:
                        self._check_long_tail(tail, base + position, last_title)
                    buffer, base, position = tail + source.read(), base + position, 0
                    spots = _impure_spots(buffer)
                    continue
                if start > position and buffer[position:start].strip(b" \t\n"):
                    self._check_gap(buffer[position:start], base + position, last_title)
                end = buffer.find(b"</page>", start + 6)
                if end < 0:
                    buffer, base, end = self._read_rest_of_page(source, buffer, base, start)
                    spots = _impure_spots(buffer)
                    position = start = 0
                    if end < 0:
                        if source.exhausted:  # cut off inside this page
                            self._mark_truncated(source, base + len(buffer), last_title)
                            return
                        continue  # an oversized page was skipped; buffer is what follows it
                end += 7
                position = end
                if end - start > self.max_page_bytes:
                    skipped["page_too_large"] = skipped.get("page_too_large", 0) + 1
                    continue
                chunk = buffer[start:end]
                fast = _fast_page(chunk) if _plain_span(buffer, spots, start, end) else None
                read = (
                    fast
                    if fast is not None
                    else self._read_page(chunk, base + start, last_title, siteinfo)
                )
                if isinstance(read, str):
                    skipped[read] = skipped.get(read, 0) + 1
                    continue
                page = read
                last_title = page.title
                pages += 1
                yield page
        finally:
            report.pages = pages
            report.bytes_read = source.bytes_read
            source.close()

    def _read_rest_of_page(
        self, source: _Utf8Source, buffer: bytes, base: int, start: int
    ) -> tuple[bytes, int, int]:
        """Read on until the page starting at ``buffer[start]`` is complete.

        Returns:
            The new buffer (starting at the page), its file offset and the offset of
            ``</page>`` in it; ``-1`` when the data ended first, or when the page was larger
            than ``max_page_bytes`` and skipped (the buffer then holds what follows it).
        """
        buffer, base = buffer[start:], base + start
        pieces = [buffer]
        size = len(buffer)
        while True:
            data = source.read()
            if not data:
                return b"".join(pieces), base, -1
            # Search only the new data (plus 6 bytes for a tag split across reads).
            end = (pieces[-1][-6:] + data).find(b"</page>")
            if end >= 0:
                end += size - min(len(pieces[-1]), 6)
                pieces.append(data)
                return b"".join(pieces), base, end
            pieces.append(data)
            size += len(data)
            if size > self.max_page_bytes:
                skipped = self.report.skipped
                skipped["page_too_large"] = skipped.get("page_too_large", 0) + 1
                tail = data[-6:]
                return self._skip_large_page(source, tail, base + size - len(tail))

    def _read_page(
        self, chunk: bytes, offset: int, last_title: str | None, siteinfo: SiteInfo
    ) -> Page | str:
        """Turn one ``<page>`` element into a ``Page``, or the reason it is skipped.

        The general path for pages ``_fast_page`` declined or that lie in non-plain data.
        """
        try:
            raw = _fast_parse(chunk)
        except _NotFast:
            try:
                raw = _slow_parse(chunk)
            except _XmlError as exc:
                raise InputError(
                    self.path,
                    f"byte {offset + exc.byte_index} (in the page after {last_title!r})"
                    if last_title is not None
                    else f"byte {offset + exc.byte_index} (in the first page)",
                    f"malformed XML: {exc.message}",
                ) from None
        return _validate(raw, siteinfo)

    def _check_gap(self, gap: bytes, offset: int, last_title: str | None) -> None:
        """Between pages only whitespace and comments may appear."""
        rest = _strip_comments(gap).strip(b" \t\r\n")
        if not rest:
            return
        where = f"byte {offset} (after page {last_title!r})"
        if rest.startswith(b"</mediawiki>"):
            raise InputError(self.path, where, "malformed XML: content after </mediawiki>")
        raise InputError(
            self.path, where, f"malformed export: unexpected {rest[:40]!r} between pages"
        )

    def _finish(
        self, source: _Utf8Source, tail: bytes, offset: int, last_title: str | None
    ) -> None:
        """At the end of the data: a complete file ends with ``</mediawiki>``."""
        rest = _strip_comments(tail).strip(b" \t\r\n")
        if rest == b"</mediawiki>" and source.truncated_stream is None:
            return
        if rest.startswith(b"</mediawiki>") and rest != b"</mediawiki>":
            raise InputError(
                self.path, f"byte {offset}", "malformed XML: content after </mediawiki>"
            )
        if rest and not b"</mediawiki>".startswith(rest) and source.truncated_stream is None:
            raise InputError(
                self.path,
                f"byte {offset} (after page {last_title!r})",
                f"malformed export: unexpected {rest[:40]!r} at the end",
            )
        self._mark_truncated(source, offset + len(tail), last_title)

    def _mark_truncated(self, source: _Utf8Source, offset: int, last_title: str | None) -> None:
        """Record where the document stops; raise a cut compressed stream unless allowed."""
        self.report.truncated = True
        where = f"byte {offset}"
        if last_title is not None:
            where += f", after page {last_title!r}"
        else:
            where += ", before any complete page"
        stream = source.truncated_stream
        if stream is not None:
            self.report.cut = TruncatedInputError(
                self.path,
                stream.position,
                f"{stream.message}; the XML stops at decompressed {where}",
            )
            where += f" (compressed stream cut at {stream.position})"
        else:
            self.report.cut = TruncatedInputError(
                self.path,
                where,
                "the XML document stops before </mediawiki>: the file is cut off",
            )
        self.report.truncated_at = where
        self.report.bytes_read = source.bytes_read
        if stream is not None and not self.allow_truncated:
            raise self.report.cut

    def _skip_large_page(
        self, source: _Utf8Source, tail: bytes, base: int
    ) -> tuple[bytes, int, int]:
        """Drop the rest of an oversized page without holding it: read on past its end."""
        while True:
            data = source.read()
            if not data:
                return b"", base + len(tail), -1
            window = tail + data
            end = window.find(b"</page>")
            if end >= 0:
                return window[end + 7 :], base + end + 7, -1
            base += len(window) - 6
            tail = window[-6:]

    def _check_long_tail(self, tail: bytes, offset: int, last_title: str | None) -> None:
        """Megabytes without a ``<page>``: only whitespace and comments are allowed there."""
        content = _strip_comments(tail[:-16]).strip(b" \t\r\n")
        if content and content != b"</mediawiki>":
            self._check_gap(content, offset, last_title)


def _find_page_start(buffer: bytes, start: int) -> int:
    """Offset of the next ``<page>`` (or ``<page `` with attributes) at or after ``start``."""
    while True:
        found = buffer.find(b"<page", start)
        if found < 0:
            return -1
        following = buffer[found + 5 : found + 6]
        if following in (b">", b" ", b"\t", b"\n", b"\r", b"/"):
            return found
        if not following:  # the buffer ends inside the tag name: not yet known
            return -1
        start = found + 5


_COMMENT = re.compile(rb"<!--.*?-->", re.S)


def _strip_comments(data: bytes) -> bytes:
    return _COMMENT.sub(b"", data) if b"<!--" in data else data


def _validate(raw: _RawPage, siteinfo: SiteInfo) -> Page | str:
    """Check the page-level rules; return the ``Page`` or the reason to skip it."""
    if raw.title is None:
        return "missing_title"
    if raw.page_id is None:
        return "missing_id"
    if not raw.has_revision:
        return "missing_revision"
    if raw.text is None:
        return "missing_text"
    if raw.revision_id is None:
        return "missing_revision_id"
    try:
        page_id = int(raw.page_id)
    except ValueError:
        return "invalid_id"
    try:
        revision_id = int(raw.revision_id)
    except ValueError:
        return "invalid_revision_id"
    if raw.namespace is None:
        namespace = siteinfo.namespace_of(raw.title)
    else:
        try:
            namespace = int(raw.namespace)
        except ValueError:
            return "invalid_namespace"
    if invalid_title_reason(
        raw.title, namespace=namespace, namespace_name=siteinfo.namespaces.get(namespace, "")
    ):
        return "invalid_title"
    return Page(
        page_id=page_id,
        namespace=namespace,
        title=raw.title,
        redirect=raw.redirect,
        revision_id=revision_id,
        timestamp=raw.timestamp or "",
        text=raw.text,
    )


def read_pages(
    path: str | os.PathLike[str], *, threads: int = 2, allow_truncated: bool = False
) -> DumpReader:
    """Open a MediaWiki XML dump for streaming its pages (see ``DumpReader``).

    Args:
        path: The dump file (any of the supported compressions, detected by magic bytes).
        threads: Cores to use (bzip2 decoding in parallel, ahead of the parser).
        allow_truncated: Keep the complete pages of a cut-off file instead of raising.

    Returns:
        A ``DumpReader``: iterate it for ``Page``s, then read its ``report``.
    """
    return DumpReader(path, threads=threads, allow_truncated=allow_truncated)
