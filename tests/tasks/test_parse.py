"""Parsers on the bundled real pages, TaskMap structure, protobuf stream and JSON, codegen."""

import io
import json
import tempfile
from pathlib import Path

import pytest

from bench.support.tasks_accuracy import score_taskmap
from tests.conftest import FIXTURES, SAMPLE_CRAWLS
from wikiforge.errors import InputError
from wikiforge.tasks.pages import read_page
from wikiforge.tasks.parsers import parse_document
from wikiforge.tasks.parsers.model import execution_order
from wikiforge.tasks.proto import TaskMap
from wikiforge.tasks.stream import from_json, read_delimited, to_json, write_delimited

HTML = SAMPLE_CRAWLS / "sample-html" / "html"
RECIPES = sorted((HTML / "recipes").rglob("*.html"))


def _parse(path: Path):
    doc = read_page(path)
    return parse_document(doc.html, doc.url)


@pytest.mark.parametrize("page", RECIPES, ids=lambda p: p.parent.name)
def test_recipe_pages_match_expected_parse(page):
    expected = json.loads(
        (FIXTURES / "recipes" / page.parent.name / f"{page.stem}.json").read_text()
    )
    result = _parse(page)
    assert result.taskmap is not None, result.reason
    score = score_taskmap(result.taskmap, expected)
    assert score.ok, score


def test_wikihow_keeps_every_method_headlines_bodies_images_requirements():
    result = _parse(HTML / "wikihow" / "How-to-Marinate-Pork-13-Steps-with-Pictures-wikiHow.html")
    tm = result.taskmap
    assert result.parser == "wikihow" and tm.title == "How to Marinate Pork"
    sections = [s.response.screen.subheader for s in execution_order(tm)]
    assert list(dict.fromkeys(sections)) == ["Make-your-own marinade", "Red wine pork marinade"]
    first = execution_order(tm)[0]
    assert first.response.screen.headline and first.response.description
    assert first.response.speech_text.startswith(first.response.screen.headline)
    assert len(first.response.speech_text) > len(first.response.screen.headline) + 20
    assert all(s.response.screen.image_list for s in tm.steps)
    names = [r.name for r in tm.requirement_list]
    assert "Oil" in names and "Medium mixing bowl" in names
    tools = [r for r in tm.requirement_list if r.type == r.HARDWARE]
    assert [r.name for r in tools][:1] == ["Medium mixing bowl"]
    assert tm.domain_name == "wikihow" and tm.rating_out_100 > 0


def test_steps_are_chained_in_execution_order_and_ids_are_stable():
    page = HTML / "wikihow" / "3-Ways-to-Grill-Zucchini-wikiHow.html"
    a, b = _parse(page).taskmap, _parse(page).taskmap
    assert a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)
    assert len(a.steps) == 17  # all three methods, not only the first
    # Each alternative method is its own chain: edges only between steps of one method.
    by_method: dict[str, list[str]] = {}
    for step in a.steps:
        by_method.setdefault(step.response.screen.subheader, []).append(step.unique_id)
    assert len(by_method) == 3
    expected = [(x, y) for ids in by_method.values() for x, y in zip(ids, ids[1:], strict=False)]
    assert [(c.id_from, c.id_to) for c in a.connection_list] == expected
    assert [s.unique_id for s in execution_order(a)] == [i for v in by_method.values() for i in v]
    from assets.tasks.taskmaps import chains_ok

    assert chains_ok(a)
    del a.connection_list[0]  # a step left out of every chain's order is still a chain start
    assert chains_ok(a)
    a.connection_list.add(id_from=a.steps[5].unique_id, id_to=a.steps[1].unique_id)
    assert not chains_ok(a)  # two predecessors


def test_non_task_pages_are_rejected_with_a_reason():
    assert (
        parse_document("<html><body><p>hello</p></body></html>", "http://x/a").reason
        == "no_task_markup"
    )
    assert (
        parse_document("<html><body><p>hello</p></body></html>", "http://x/").reason
        == "not_a_task_page:home"
    )
    assert parse_document("   ", "http://x/").reason.startswith("unparseable_html")


def test_jsonld_howto_with_sections_and_broken_json():
    html = """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "HowTo", "name": "Fix a Chair",
     "tool": [{"@type": "HowToTool", "name": "screwdriver"}],
     "supply": ["wood glue"],
     "step": [{"@type": "HowToSection", "name": "Prepare", "itemListElement": [
        {"@type": "HowToStep", "name": "Clean", "text": "Clean the joint with a cloth."}]},
        {"@type": "HowToStep", "text": "Glue the joint and clamp it overnight."},]}]}
    </script></head><body></body></html>"""
    tm = parse_document(html, "https://diy.example.org/chair").taskmap
    assert tm.title == "Fix a Chair"
    assert [s.response.screen.subheader for s in tm.steps] == ["Prepare", ""]
    assert [(r.name, r.type) for r in tm.requirement_list] == [
        ("wood glue", tm.requirement_list[0].SOFTWARE),
        ("screwdriver", tm.requirement_list[0].HARDWARE),
    ]


def test_microdata_recipe():
    html = """<html><body><div itemscope itemtype="http://schema.org/Recipe">
    <h1 itemprop="name">Toast</h1>
    <span itemprop="recipeIngredient">2 slices bread</span>
    <span itemprop="recipeIngredient">butter</span>
    <ol><li itemprop="recipeInstructions">Toast the bread.</li>
    <li itemprop="recipeInstructions">Spread the butter.</li></ol></div></body></html>"""
    tm = parse_document(html, "https://example.org/toast").taskmap
    assert tm.title == "Toast" and len(tm.steps) == 2
    assert [r.name for r in tm.requirement_list] == ["2 slices bread", "butter"]


def test_delimited_stream_round_trip_json_and_truncation():
    tms = [_parse(p).taskmap for p in RECIPES[:3]]
    buf = io.BytesIO()
    assert write_delimited(buf, tms) == 3
    data = buf.getvalue()
    back = list(read_delimited(io.BytesIO(data), TaskMap))
    assert back == tms
    assert from_json(to_json(back[0]), TaskMap) == tms[0]
    assert json.loads(to_json(back[0]))["taskmap_id"] == tms[0].taskmap_id
    with pytest.raises(InputError, match="truncated message") as err:
        list(read_delimited(io.BytesIO(data[:-5]), TaskMap, path="x.bin"))
    assert err.value.position > 0


def test_generated_code_matches_the_proto():
    from wikiforge.tasks import codegen

    # The committed module is ruff-formatted: compare the serialized descriptor protoc embeds.
    with tempfile.TemporaryDirectory() as tmp:
        generated = codegen.generate(Path(tmp)).read_text()
    committed = (codegen.PROTO_DIR / "taskmap_pb2.py").read_text()
    assert _descriptor_bytes(generated) == _descriptor_bytes(committed)


def _descriptor_bytes(source: str) -> bytes:
    import ast

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "AddSerializedFile":
            return ast.literal_eval(node.args[0])
    raise AssertionError("no AddSerializedFile call in the generated module")


def test_oat_field_numbers_are_kept():
    fields = {f.name: f.number for f in TaskMap.DESCRIPTOR.fields}
    assert (
        fields["taskmap_id"],
        fields["steps"],
        fields["connection_list"],
        fields["rating_out_100"],
        fields["domain_name"],
    ) == (1, 16, 20, 10, 25)
