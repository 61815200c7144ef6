"""Wikidata dump reading: parallel bzip2 parts, sitelinks equal to a full parse, claims."""

from __future__ import annotations

import bz2
import gzip
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, SAMPLE_DUMPS
from wikiforge.errors import InputError
from wikiforge.wikidata import bzip2_parts, entities, reader

DUMP_2019 = SAMPLE_DUMPS / "wikidatawiki/entities/20190101/wikidata-20190101-all.json.bz2"
TWENTY = FIXTURES / "wikidata/wikidata-twenty-entities-raw.json.bz2"


@pytest.fixture(scope="module")
def dump_bytes() -> bytes:
    return bz2.open(DUMP_2019).read()


@pytest.mark.parametrize("parts", [1, 3, 8, 30])
def test_parts_split_at_bit_aligned_blocks_decode_to_the_whole(parts, dump_bytes):
    split = bzip2_parts.split_parts(DUMP_2019, parts)
    assert split[0].start_bit == 0 and split[-1].end_bit == DUMP_2019.stat().st_size * 8
    assert any(p.start_bit % 8 for p in split[1:]) or len(split) == 1  # plain bzip2: unaligned
    decoded = b"".join(b"".join(bzip2_parts.iter_part_bytes(DUMP_2019, p)) for p in split)
    assert decoded == dump_bytes


def test_parts_of_a_multistream_file(tmp_path, dump_bytes):
    multi = tmp_path / "multi.json.bz2"
    with open(multi, "wb") as f:
        for i in range(0, len(dump_bytes), 700_000):
            f.write(bz2.compress(dump_bytes[i : i + 700_000], 1))
    split = bzip2_parts.split_parts(multi, 7)
    assert len(split) == 7
    decoded = b"".join(b"".join(bzip2_parts.iter_part_bytes(multi, p)) for p in split)
    assert decoded == dump_bytes


def test_not_a_bzip2_file(tmp_path):
    bad = tmp_path / "x.json.bz2"
    bad.write_bytes(b"{}\n")
    with pytest.raises(InputError):
        bzip2_parts.split_parts(bad, 2)


def _collect(entity_lines, label):
    return [entities.extract_sitelinks(e) for e in entity_lines]


def test_map_dump_parts_in_worker_processes_equals_sequential_reading():
    sequential = [entities.extract_sitelinks_full(e) for e in reader.iter_entities(DUMP_2019)]
    results = reader.map_dump_parts(
        DUMP_2019, _collect, workers=2, parts_per_worker=4, min_parallel_bytes=0
    )
    assert len(results) > 2  # several parts, then the stitched boundary lines
    parallel = [e for part in results for e in part]
    assert sorted(parallel, key=lambda e: e.id) == sorted(sequential, key=lambda e: e.id)


def test_gzip_and_plain_dumps(tmp_path, dump_bytes):
    gz = tmp_path / "wikidata-20190101-all.json.gz"
    gz.write_bytes(gzip.compress(dump_bytes))
    results = reader.map_dump_parts(gz, _collect, workers=2)
    assert len(results) == 1 and len(results[0]) == 100
    assert reader.dump_date(gz) == "20190101"
    assert reader.dump_date(DUMP_2019) == "20190101"


def test_real_entities_sitelinks_equal_full_parse():
    for path in (TWENTY, DUMP_2019):
        for line in reader.iter_entities(path):
            assert entities.extract_sitelinks(line) == entities.extract_sitelinks_full(line)


def test_known_sitelinks_of_q58977():
    by_id = {e.id: e for e in map(entities.extract_sitelinks, reader.iter_entities(TWENTY))}
    assert by_id["Q58977"].sitelinks == [
        ("kowiki", "서경주역"),
        ("jawiki", "西慶州駅"),
        ("zhwiki", "西庆州站"),
        ("commonswiki", "Category:Seogyeongju Station"),
    ]
    assert len(by_id) == 20


def test_claims_p31_p18_p373():
    by_id = {e.id: e for e in map(entities.extract_claims, reader.iter_entities(TWENTY))}
    assert by_id["Q58977"].instance_of == ["Q55488"]
    assert by_id["Q58977"].image == ["Geumjang Station.jpg"]
    assert by_id["Q58977"].commons_category == ["Seogyeongju Station"]
    assert by_id["Q59064"].instance_of == ["Q5"]
    line = json.dumps(
        {
            "id": "Q1",
            "claims": {
                "P31": [
                    {
                        "mainsnak": {
                            "snaktype": "value",
                            "datavalue": {"value": {"numeric-id": 5}},
                        },
                        "rank": "normal",
                    },
                    {
                        "mainsnak": {"snaktype": "value", "datavalue": {"value": {"id": "Q6"}}},
                        "rank": "deprecated",
                    },
                    {"mainsnak": {"snaktype": "somevalue"}, "rank": "normal"},
                ]
            },
        }
    ).encode()
    assert entities.extract_claims(line).instance_of == ["Q5"]
    assert entities.extract_claims(b'{"id":"P5","claims":[]}').instance_of == []


# Layout fuzzing: the same entity written with any key order, spacing and escaping must give
# the same sitelinks as a full parse.
_titles = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=32), min_size=1, max_size=12
) | st.sampled_from(['Say "hi"', 'a\\"b', '"sitelinks":{', "C++", "x\\", "}}],"])


def _entity(draw_titles, extra_after: bool, nested_decoy: bool) -> dict:
    sitelinks = {
        f"s{i}wiki": {"site": f"s{i}wiki", "title": t, "badges": []}
        for i, t in enumerate(draw_titles)
    }
    entity = {
        "type": "item",
        "id": "Q42",
        "labels": {"en": {"language": "en", "value": 'decoy "sitelinks": {"x": 1}'}},
        "claims": {"P1": [{"qualifiers": {"sitelinks": {"a": {"site": "zz", "title": "no"}}}}]}
        if nested_decoy
        else {},
        "sitelinks": sitelinks,
    }
    if extra_after:
        entity["lastrevid"] = 123
        entity["modified"] = "2019-01-01T00:00:00Z"
    return entity


@settings(max_examples=150, deadline=None)
@given(
    titles=st.lists(_titles, max_size=5),
    seed=st.integers(0, 10_000),
    extra_after=st.booleans(),
    nested_decoy=st.booleans(),
    ascii_only=st.booleans(),
    spacing=st.sampled_from([(",", ":"), (", ", ": "), (" ,\n ", " :\t")]),
    object_after=st.booleans(),
)
def test_any_json_layout_gives_the_full_parse_result(
    titles, seed, extra_after, nested_decoy, ascii_only, spacing, object_after
):
    entity = _entity(titles, extra_after, nested_decoy)
    items = list(entity.items())
    random.Random(seed).shuffle(items)
    if object_after:
        items.append(("aliases", {"en": [{"language": "en", "value": "x"}]}))
    shuffled_links = {}
    for name, sitelink in entity["sitelinks"].items():
        pairs = list(sitelink.items())
        random.Random(seed + 1).shuffle(pairs)  # badges/site/title in any order
        shuffled_links[name] = dict(pairs)
    items = [(k, shuffled_links if k == "sitelinks" else v) for k, v in items]
    line = json.dumps(dict(items), ensure_ascii=ascii_only, separators=spacing).encode()
    expected = entities.extract_sitelinks_full(line)
    assert expected.sitelinks == [(f"s{i}wiki", t) for i, t in enumerate(titles)]
    assert entities.extract_sitelinks(b"  " + line + b" ") == expected


def test_escaped_key_spellings_and_php_empty_maps():
    escaped = (
        b'{"type":"item","id":"Q7","site\\u006cinks":{"enwiki":{"site":"enwiki","title":"A"}}}'
    )
    assert entities.extract_sitelinks(escaped).sitelinks == [("enwiki", "A")]
    assert entities.extract_sitelinks(b'{"id":"Q8","sitelinks":[]}').sitelinks == []
    assert entities.extract_sitelinks(b'{"type":"property","id":"P31"}').sitelinks == []
    with pytest.raises(entities.EntityParseError):
        entities.extract_sitelinks(b'{"type":"item","id":"Q9","sitelinks":{"enwiki":{"x":1}}}')
    with pytest.raises(entities.EntityParseError):
        entities.extract_sitelinks(b'{"type":"item", broken')
