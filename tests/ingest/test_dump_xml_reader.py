"""The streaming MediaWiki XML reader on the bundled real dumps and on crafted bad input."""

from __future__ import annotations

import bz2
import functools
import gzip
import lzma
import re
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import mwxml
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikiforge.dumps import xml_reader
from wikiforge.dumps.decompress import TruncatedInputError, open_decompressed
from wikiforge.dumps.xml_reader import DumpReader, Page, SiteInfo, read_pages
from wikiforge.errors import InputError

REPO = Path(__file__).resolve().parents[2]
DUMPS = REPO / "samples" / "dumps"
WIKIS = REPO / "samples" / "fixtures" / "wikis"
HAWIKI = DUMPS / "hawiki/20150406/hawiki-20150406-pages-articles.xml.bz2"
NVWIKI = DUMPS / "nvwiki/20150602/nvwiki-20150602-pages-articles.xml.bz2"
ENWIKI = DUMPS / "enwiki/20160501/enwiki-20160501-pages-articles.xml.bz2"
BGWIKI_UTF16 = WIKIS / "bgwiki-utf16-3pages.xml.bz2"
NO_SITEINFO = WIKIS / "enwiki-table-markup-pages.xml.bz2"


@functools.cache
def our_read(path: Path) -> tuple[list[tuple], xml_reader.ReadReport, SiteInfo]:
    """Our reading of a bundled dump, done once per test session (several tests compare it)."""
    reader = read_pages(path)
    pages = [page_tuple(page) for page in reader]
    return pages, reader.report, reader.siteinfo


def page_tuple(page: Page) -> tuple:
    return (
        page.page_id, page.namespace, page.title, page.redirect,
        page.revision_id, page.timestamp, page.text,
    )  # fmt: skip


# -- real whole wikis ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pages", "articles", "redirects", "dbname"),
    [
        (HAWIKI, 2101, 1651, 172, "hawiki"),
        (NVWIKI, 8156, 2475, 1718, "nvwiki"),
        (ENWIKI, 206, 106, 99, "enwiki"),
    ],
)
def test_counts_of_bundled_wikis(path, pages, articles, redirects, dbname) -> None:
    read, report, siteinfo = our_read(path)
    # Fields: (page_id, namespace, title, redirect, ...)
    kinds = Counter(
        ("redirect" if page[3] is not None else "article") for page in read if page[1] == 0
    )
    assert report.pages == len(read) == pages
    assert kinds == {"article": articles, "redirect": redirects}
    assert report.skipped == {}
    assert not report.truncated and report.truncated_at is None
    assert report.bytes_read == len(bz2.decompress(path.read_bytes()))
    assert siteinfo.dbname == dbname and not siteinfo.from_default


def mwxml_pages(path: Path) -> list[tuple]:
    """Mwxml's reading of the same file, last revision per page, as Page field tuples."""
    pages = []
    with open_decompressed(path) as stream:
        for page in mwxml.Dump.from_file(stream):
            revision = list(page)[-1]
            pages.append(
                (
                    page.id,
                    page.namespace,
                    page.title,
                    page.redirect,
                    revision.id,
                    str(revision.timestamp),
                    # mwxml gives None for an empty <text/>; the page exists with empty text.
                    "" if revision.text is None and not revision.deleted.text else revision.text,
                )  # fmt: skip
            )
    return pages


@pytest.mark.parametrize("path", [HAWIKI, NVWIKI, ENWIKI, BGWIKI_UTF16], ids=lambda p: p.name)
def test_every_field_of_every_page_equals_mwxml(path: Path) -> None:
    assert our_read(path)[0] == mwxml_pages(path)


def test_threads_do_not_change_the_result() -> None:
    reference = our_read(HAWIKI)[0]  # threads=2
    assert [page_tuple(page) for page in read_pages(HAWIKI, threads=1)] == reference
    assert [page_tuple(page) for page in read_pages(HAWIKI, threads=3)] == reference


def test_fast_path_agrees_with_expat_on_every_real_page() -> None:
    """The regular-expression fast path and the expat path read each real page identically."""
    data = bz2.decompress(HAWIKI.read_bytes()) + bz2.decompress(ENWIKI.read_bytes())
    siteinfo = SiteInfo.default()
    fast_pages = 0
    for match in re.finditer(rb"<page>.*?</page>", data, re.S):
        chunk = match.group()
        by_expat = xml_reader._validate(xml_reader._slow_parse(chunk), siteinfo)
        fast = xml_reader._fast_page(chunk) if xml_reader._is_plain(chunk) else None
        if fast is not None:
            fast_pages += 1
            assert fast == by_expat
    assert fast_pages > 2000  # nearly every page takes the fast path


def test_siteinfo() -> None:
    siteinfo = our_read(NVWIKI)[2]
    assert siteinfo.sitename == "Wikipedia"
    assert siteinfo.case == "first-letter"
    assert siteinfo.base.startswith("http://nv.wikipedia.org/")
    assert siteinfo.namespaces[0] == ""
    assert siteinfo.namespaces[10] == "Bee álnééhí"
    assert siteinfo.namespaces[-1] == "Special"


def test_siteinfo_before_iterating_then_pages_continue() -> None:
    reader = read_pages(HAWIKI)
    assert reader.siteinfo.dbname == "hawiki"
    assert sum(1 for _ in reader) == 2101
    assert sum(1 for _ in reader) == 2101  # a second pass reads the file again
    assert reader.report.pages == 2101


def test_utf16_with_bom_and_crlf() -> None:
    reader = read_pages(BGWIKI_UTF16)
    pages = list(reader)
    assert len(pages) == 3
    assert reader.siteinfo.dbname == "bgwiki"
    assert all("\r" not in page.text for page in pages)  # XML end-of-line normalisation
    assert any(re.search("[а-яА-Я]", page.title) for page in pages)


def test_file_without_siteinfo_uses_default_namespaces() -> None:
    reader = read_pages(NO_SITEINFO)
    pages = list(reader)
    assert len(pages) == 5
    assert reader.siteinfo.from_default
    assert reader.siteinfo.namespaces[10] == "Template"
    assert pages[0].title == "Constructive vote of no confidence"
    assert pages[0].page_id == 217916 and pages[0].revision_id == 807605030


@pytest.mark.parametrize(
    ("wiki", "complete_pages", "last_title"),
    [("jawiki", 36, "プログラミング言語"), ("elwiki", 88, None), ("ukwiki", 65, "1900")],
)
def test_dump_cut_off_mid_page_keeps_complete_pages(wiki, complete_pages, last_title) -> None:
    (path,) = (DUMPS / wiki).glob("*/*.xml.xz")
    reader = read_pages(path)
    pages = list(reader)
    raw = lzma.decompress(path.read_bytes())
    assert len(pages) == complete_pages == raw.count(b"</page>")
    assert reader.report.truncated
    assert f"byte {len(raw)}" in reader.report.truncated_at
    assert repr(pages[-1].title) in reader.report.truncated_at
    if last_title:
        assert pages[-1].title == last_title


@pytest.mark.parametrize("threads", [1, 2])
def test_truncated_bzip2_yields_a_prefix_and_reports(tmp_path: Path, threads: int) -> None:
    raw = HAWIKI.read_bytes()
    cut = tmp_path / "hawiki-cut.xml.bz2"
    cut.write_bytes(raw[: len(raw) // 2])
    reader = read_pages(cut, threads=threads, allow_truncated=True)
    pages = [page_tuple(page) for page in reader]
    full = our_read(HAWIKI)[0]
    assert 100 < len(pages) < len(full)  # the complete 900 kB bzip2 blocks before the cut
    assert pages == full[: len(pages)]
    assert reader.report.truncated
    assert "compressed stream cut" in reader.report.truncated_at
    assert repr(pages[-1][2]) in reader.report.truncated_at
    # By default the same pages come out, then the cut is raised.
    strict = []
    with pytest.raises(TruncatedInputError, match="bzip2 stream is truncated"):
        strict.extend(page_tuple(page) for page in read_pages(cut, threads=threads))
    assert strict == pages


@pytest.mark.parametrize("threads", [1, 2])
def test_corrupt_bzip2_raises_with_file_and_byte(tmp_path: Path, threads: int) -> None:
    raw = bytearray(HAWIKI.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 16] = bytes(16)
    bad = tmp_path / "hawiki-bad.xml.bz2"
    bad.write_bytes(bytes(raw))
    with pytest.raises(InputError) as caught:
        for _ in read_pages(bad, threads=threads):
            pass
    assert caught.value.path == str(bad)
    assert re.fullmatch(r"byte \d+", str(caught.value.position))


# -- crafted input ------------------------------------------------------------------------------

HEADER = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <dbname>testwiki</dbname>
    <base>https://test.example/wiki/Main_Page</base>
    <case>first-letter</case>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Talk</namespace>
      <namespace key="4" case="first-letter">Wikipedia</namespace>
      <namespace key="10" case="first-letter">Template</namespace>
    </namespaces>
  </siteinfo>
"""


def page_xml(
    title: str = "Example",
    page_id: int | None = 1,
    text: str | None = "Some text.",
    *,
    ns: int | None = 0,
    redirect: str | None = None,
    revision_id: int = 100,
    raw_text: str | None = None,
    raw_title: str | None = None,
) -> str:
    title_xml = raw_title if raw_title is not None else escape(title)
    parts = ["  <page>", f"    <title>{title_xml}</title>"]
    if ns is not None:
        parts.append(f"    <ns>{ns}</ns>")
    if page_id is not None:
        parts.append(f"    <id>{page_id}</id>")
    if redirect is not None:
        parts.append(f"    <redirect title={quoteattr(redirect)} />")
    parts += [
        "    <revision>",
        f"      <id>{revision_id}</id>",
        "      <timestamp>2020-01-02T03:04:05Z</timestamp>",
        "      <contributor>\n        <username>Someone</username>\n        <id>7</id>\n"
        "      </contributor>",
        "      <model>wikitext</model>",
        "      <format>text/x-wiki</format>",
    ]
    if raw_text is not None:
        parts.append(f'      <text xml:space="preserve">{raw_text}</text>')
    elif text is not None:
        parts.append(f'      <text bytes="{len(text)}" xml:space="preserve">{escape(text)}</text>')
    parts += ["      <sha1>abc</sha1>", "    </revision>", "  </page>"]
    return "\n".join(parts) + "\n"


def write_dump(path: Path, pages: list[str], *, header: str = HEADER, end: str = "</mediawiki>\n"):
    data = (header + "".join(pages) + end).encode("utf-8")
    if path.suffix == ".bz2":
        data = bz2.compress(data)
    elif path.suffix == ".gz":
        data = gzip.compress(data)
    elif path.suffix == ".xz":
        data = lzma.compress(data)
    path.write_bytes(data)
    return path


def read_all(path: Path, **kwargs) -> tuple[list[Page], DumpReader]:
    reader = DumpReader(path, **kwargs)
    return list(reader), reader


@pytest.mark.parametrize("suffix", [".xml", ".bz2", ".gz", ".xz"])
def test_each_compression(tmp_path: Path, suffix: str) -> None:
    path = write_dump(tmp_path / f"d{suffix}", [page_xml("A", 1), page_xml("B", 2)])
    pages, reader = read_all(path)
    assert [p.title for p in pages] == ["A", "B"]
    assert reader.siteinfo.dbname == "testwiki"


def test_entities_decoded_exactly(tmp_path: Path) -> None:
    raw_text = (
        "&lt;ref name=&quot;x&quot;&gt;a &amp;amp; b&lt;/ref&gt; &#039;q&#x27; &#65;&#x42; &apos;"
    )
    path = write_dump(
        tmp_path / "e.xml",
        [
            page_xml("Tom &amp; Jerry", 1, raw_text=raw_text, raw_title="Tom &amp; Jerry"),
            page_xml("Plain", 2, raw_text="&lt;b&gt;bold&lt;/b&gt; &amp;lt; stays"),
            page_xml("R", 3, redirect='Na\'ura & "co"', text="#REDIRECT [[Na'ura]]"),
        ],
    )
    pages, _ = read_all(path)
    assert pages[0].title == "Tom & Jerry"
    assert pages[0].text == "<ref name=\"x\">a &amp; b</ref> 'q' AB '"
    assert pages[1].text == "<b>bold</b> &lt; stays"
    assert pages[2].redirect == 'Na\'ura & "co"'


xml_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\r\ufffe\uffff",
        min_codepoint=0x9,
    ).filter(lambda c: c in "\t\n" or ord(c) >= 0x20),
    max_size=300,
)


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(xml_text, min_size=1, max_size=4), long_text=xml_text)
def test_any_text_round_trips(tmp_path_factory, texts: list[str], long_text: str) -> None:
    # Long texts with entities take another decoder: cover it with a text over the threshold.
    texts = [*texts, long_text + "&<>\"'" * 600]
    path = tmp_path_factory.mktemp("rt") / "rt.xml"
    write_dump(path, [page_xml(f"T{i}", i + 1, text) for i, text in enumerate(texts)])
    pages, _ = read_all(path)
    assert [p.text for p in pages] == texts


def test_carriage_returns_and_character_references(tmp_path: Path) -> None:
    path = tmp_path / "cr.xml"
    pages = page_xml("A", 1, raw_text="line1\r\nline2\rline3&#13;end")
    path.write_bytes((HEADER + pages + "</mediawiki>").encode())
    (page,), _ = read_all(path)
    assert page.text == "line1\nline2\nline3\rend"


def test_page_level_problems_are_skipped_and_counted(tmp_path: Path) -> None:
    path = write_dump(
        tmp_path / "skip.xml",
        [
            page_xml("Good", 1),
            page_xml("Bad#fragment", 2),
            page_xml("Bad[bracket]", 3),
            page_xml("Talk:", 4, ns=1),
            page_xml("No id", None),
            page_xml("No text", 6, None),
            page_xml("Deleted text", 7, raw_text=None, text=None).replace(
                "<sha1>", '<text deleted="deleted" />\n      <sha1>'
            ),
            page_xml("A%41b", 8),
            page_xml("x/../y", 9),
            page_xml("~~~sig", 10),
            page_xml("L" * 256, 11),
            page_xml("Also good", 12),
        ],
    )
    pages, reader = read_all(path)
    assert [p.title for p in pages] == ["Good", "Also good"]
    assert reader.report.skipped == {"invalid_title": 7, "missing_id": 1, "missing_text": 2}
    assert reader.report.pages == 2 and not reader.report.truncated


def test_namespace_from_title_prefix_when_ns_is_absent(tmp_path: Path) -> None:
    path = write_dump(
        tmp_path / "ns.xml",
        [
            page_xml("Template:Infobox", 1, ns=None),
            page_xml("wikipedia:About", 2, ns=None),
            page_xml("Image:Old.png", 3, ns=None),
            page_xml("Project:Canonical", 4, ns=None),
            page_xml("Star Wars: A New Hope", 5, ns=None),
        ],
    )
    pages, _ = read_all(path)
    assert [p.namespace for p in pages] == [10, 4, 6, 4, 0]


def test_default_siteinfo_namespace_prefixes() -> None:
    siteinfo = SiteInfo.default()
    assert siteinfo.from_default
    assert siteinfo.namespace_of("Category:Cats") == 14
    assert siteinfo.namespace_of("user_talk:Someone") == 3
    assert siteinfo.namespace_of("Cats") == 0


def test_several_revisions_keep_the_last(tmp_path: Path) -> None:
    page = page_xml("Multi", 1, "old text", revision_id=1)
    second = page_xml("Multi", 1, "new text", revision_id=2)
    second_revision = second[second.index("    <revision>") : second.index("  </page>")]
    page = page.replace("  </page>", second_revision + "  </page>")
    path = write_dump(tmp_path / "multi.xml", [page])
    (only,), _ = read_all(path)
    assert (only.revision_id, only.text) == (2, "new text")


@pytest.mark.parametrize("threads", [1, 2])
def test_multistream_bzip2(tmp_path: Path, threads: int) -> None:
    pages = [page_xml(f"P{i}", i) for i in range(1, 251)]
    groups = ["".join(pages[i : i + 100]) for i in range(0, 250, 100)]
    streams = [HEADER, *groups, "</mediawiki>"]
    path = tmp_path / "multistream.xml.bz2"
    path.write_bytes(b"".join(bz2.compress(s.encode()) for s in streams))
    read, reader = read_all(path, threads=threads)
    assert [p.page_id for p in read] == list(range(1, 251))
    assert not reader.report.truncated


def test_oversized_page_is_skipped_not_held(tmp_path: Path) -> None:
    path = write_dump(
        tmp_path / "big.xml",
        [page_xml("Small", 1), page_xml("Huge", 2, "x" * 200_000), page_xml("After", 3)],
    )
    pages, reader = read_all(path, max_page_bytes=50_000)
    assert [p.title for p in pages] == ["Small", "After"]
    assert reader.report.skipped == {"page_too_large": 1}


def test_cut_between_pages_and_inside_siteinfo(tmp_path: Path) -> None:
    path = write_dump(tmp_path / "cut.xml", [page_xml("A", 1), page_xml("B", 2)], end="")
    pages, reader = read_all(path)
    assert [p.title for p in pages] == ["A", "B"]
    assert reader.report.truncated and "'B'" in reader.report.truncated_at

    early = tmp_path / "early.xml"
    early.write_bytes(HEADER[: HEADER.index("<namespaces>")].encode())
    pages, reader = read_all(early)
    assert pages == [] and reader.report.truncated


def test_empty_export_is_complete(tmp_path: Path) -> None:
    path = write_dump(tmp_path / "empty.xml", [])
    pages, reader = read_all(path)
    assert pages == [] and not reader.report.truncated
    assert reader.siteinfo.dbname == "testwiki"


# -- errors that stop the read --------------------------------------------------------------------


def expect_error(path: Path, match: str) -> InputError:
    with pytest.raises(InputError, match=match) as caught:
        for _ in read_pages(path):
            pass
    assert caught.value.path == str(path)
    return caught.value


@pytest.mark.parametrize(
    ("bad_page", "message"),
    [
        (page_xml("Broken", 2).replace("</title>", "</titel>"), "mismatched tag"),
        (page_xml("Amp", 2, raw_text="a & b"), "not well-formed"),
        (page_xml("Entity", 2, raw_text="a &nbsp; b"), "undefined entity"),
        (page_xml("Lt", 2, raw_text="a < b"), "not well-formed"),
        (page_xml("Ctrl", 2, raw_text="a \x01 b"), "not well-formed"),
    ],
)
def test_malformed_page_names_byte_and_page(tmp_path: Path, bad_page: str, message: str) -> None:
    path = write_dump(tmp_path / "bad.xml", [page_xml("Before", 1), bad_page, page_xml("C", 3)])
    error = expect_error(path, message)
    position = str(error.position)
    assert "'Before'" in position
    offset = int(re.match(r"byte (\d+)", position).group(1))
    data = path.read_bytes()
    assert data.index(b"<title>Before") < offset < data.index(b"<title>C<")


def test_not_a_mediawiki_export(tmp_path: Path) -> None:
    html = tmp_path / "page.xml"
    html.write_text("<html><body><page>no</page></body></html>")
    expect_error(html, "not a MediaWiki export: root element is <html>")
    json_file = tmp_path / "data.json.bz2"
    json_file.write_bytes(bz2.compress(b'{"pages": []}'))
    expect_error(json_file, "malformed XML")
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    expect_error(empty, r"empty file \(0 bytes\)")


def test_garbage_between_pages_and_after_the_end(tmp_path: Path) -> None:
    path = write_dump(tmp_path / "gap.xml", [page_xml("A", 1), "junk\n", page_xml("B", 2)])
    expect_error(path, "unexpected")
    after = write_dump(tmp_path / "after.xml", [page_xml("A", 1)], end="</mediawiki>\n<page>")
    expect_error(after, "after </mediawiki>")


def test_utf8_bom_and_declared_encodings(tmp_path: Path) -> None:
    body = HEADER + page_xml("Ça va", 1, "déjà vu") + "</mediawiki>\n"
    with_bom = tmp_path / "bom.xml"
    with_bom.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    latin1 = tmp_path / "latin1.xml"
    latin1.write_bytes(('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + body).encode("latin-1"))
    for path in (with_bom, latin1):
        (page,), _ = read_all(path)
        assert (page.title, page.text) == ("Ça va", "déjà vu")
    unknown = tmp_path / "unknown.xml"
    unknown.write_bytes(b'<?xml version="1.0" encoding="x-no-such"?>\n' + body.encode())
    expect_error(unknown, "unknown encoding")


def test_reading_only_siteinfo_releases_the_read_ahead_thread() -> None:
    import threading

    before = threading.active_count()
    with read_pages(HAWIKI) as reader:
        assert reader.siteinfo.dbname == "hawiki"
    assert threading.active_count() == before
    iterator = iter(read_pages(HAWIKI))
    next(iterator)
    iterator.close()  # an abandoned iteration stops its thread too
    assert threading.active_count() == before
