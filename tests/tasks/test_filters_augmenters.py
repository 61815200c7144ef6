"""Filters (dangerous, single step, duplicates) and augmenters on real and built TaskMaps."""

from collections import Counter
from itertools import pairwise

from tests.conftest import SAMPLE_CRAWLS
from wikiforge.tasks.augmenters import (
    attach_images,
    link_requirements,
    requirement_core,
    sentences,
    split_long_steps,
)
from wikiforge.tasks.filters import DangerousFilter, filter_taskmaps
from wikiforge.tasks.pages import read_page
from wikiforge.tasks.parsers import parse_document
from wikiforge.tasks.parsers.model import (
    ParsedImage,
    ParsedRequirement,
    ParsedStep,
    ParsedTask,
    build_taskmap,
    execution_order,
)

HTML = SAMPLE_CRAWLS / "sample-html" / "html"


def _task(url, title, steps, rating=0, count=0, reqs=(), images=()):
    return build_taskmap(
        ParsedTask(
            title=title,
            url=url,
            steps=[ParsedStep(text=s) for s in steps],
            requirements=[ParsedRequirement(name=r) for r in reqs],
            rating_out_100=rating,
            rating_count=count,
            page_images=list(images),
        )
    )


def test_dangerous_matches_plurals_punctuation_and_steps():
    f = DangerousFilter()
    assert f.reason(_task("u1", "Sharpen Chainsaws, Fast", ["a", "b"])) == "title: chainsaw"
    assert (
        f.reason(_task("u2", "Garden shed", ["Dig.", "Then build a retaining walls."]))
        == "step 2: build a retaining wall"
    )
    assert f.reason(_task("u3", "Grill Zucchini", ["Slice it.", "Grill it."])) is None
    assert f.match("a brakes-check") == "brake"


def test_filters_keep_best_rated_duplicate_and_count():
    good = _task("https://a/1", "Pancakes", ["Mix.", "Fry."], rating=90, count=10)
    worse = _task("https://b/2", "pancakes!", ["Mix", "Fry"], rating=60, count=99)
    single = _task("https://c/3", "Toast", ["Toast it."])
    danger = _task("https://d/4", "Pancakes", ["Mix.", "Fry.", "Use a blowtorch."], rating=99)
    tasks = [worse, single, danger, good]
    kept, stats = filter_taskmaps(lambda: tasks)
    assert [t.source_url for t in kept] == ["https://a/1"]
    assert (stats["dangerous"].failed, stats["single_step"].failed, stats["duplicates"].failed) == (
        1,
        1,
        1,
    )
    assert stats["composed"].passed == 1 and stats["composed"].failed == 3
    assert stats["duplicates"].examples[0]["url"] == "https://b/2"


def test_requirements_are_linked_to_the_steps_that_use_them():
    tm = _task(
        "u",
        "Salad",
        ["Chop the red onions finely.", "Whisk the olive oil and vinegar."],
        reqs=["2 large red onions, sliced", "3 tbsp extra-virgin olive oil", "1 tsp sugar"],
    )
    assert requirement_core("2 cups finely chopped red onions, divided") == ["red", "onion"]
    assert link_requirements(tm) == 2
    assert list(tm.steps[0].response.screen.requirements) == ["2 large red onions, sliced"]
    assert list(tm.steps[1].response.screen.requirements) == ["3 tbsp extra-virgin olive oil"]


def test_long_steps_split_at_sentences_keeping_every_word():
    long_text = " ".join(f"Stir the pot number {i} for 2 min. until thick." for i in range(12))
    tm = _task("u", "Soup", ["Boil water.", long_text, "Serve."])
    before = " ".join(s.response.speech_text for s in execution_order(tm)).split()
    split, added = split_long_steps(tm, max_words=30)
    after = execution_order(tm)
    assert split == 1 and added >= 2
    assert " ".join(s.response.speech_text for s in after).split() == before
    assert all(len(s.response.speech_text.split()) <= 30 for s in after)
    ids = [s.unique_id for s in after]
    assert [(c.id_from, c.id_to) for c in tm.connection_list] == list(pairwise(ids))
    assert sentences("Add 1.5 cups (e.g. Dr. Oetker). Stir.") == [
        "Add 1.5 cups (e.g. Dr. Oetker).",
        "Stir.",
    ]


def test_images_attached_by_caption_words_and_thumbnail_filled():
    tm = _task(
        "u",
        "Bread",
        ["Knead the dough until smooth.", "Bake the loaf until golden."],
        images=[
            ParsedImage("http://i/1.jpg", "golden baked loaf"),
            ParsedImage("http://i/2.jpg", "kneading smooth dough"),
        ],
    )
    assert attach_images(tm, min_shared_words=1) == (2, 1)
    assert [s.response.screen.image_list[0].path for s in tm.steps] == [
        "http://i/2.jpg",
        "http://i/1.jpg",
    ]
    assert tm.thumbnail_url == "http://i/1.jpg"


def test_augment_real_page_counts():
    from wikiforge.tasks.augmenters import augment

    doc = read_page(HTML / "recipes" / "seriouseats.com" / "seriouseats.html")
    tm = parse_document(doc.html, doc.url).taskmap
    counts = Counter()
    out = augment(tm, counts)
    assert counts["steps_split"] > 0 and counts["requirement_links"] > 0
    assert len(out.steps) == len(tm.steps) + counts["steps_added_by_split"]
    assert tm.steps[0].response.screen.requirements == []  # the input is not modified
