"""The suggestion heuristic, the Commons listing, coverage, the offline evaluation and the
server's lookup index, on small hand-made inputs whose right answers are known.
"""

import random

import polars as pl
import pytest

from tests.images.sqldumps import (
    CATEGORYLINKS_NEW,
    CATEGORYLINKS_OLD,
    LINKTARGET,
    PAGE_COLUMNS,
    write_sql_dump,
)
from wikiforge.errors import InputError
from wikiforge.images.commons import CommonsListing, read_commons_listing
from wikiforge.images.evaluate import coverage, coverage_markdown, evaluate_hidden, recall_summary
from wikiforge.images.lookup import SuggestionIndex
from wikiforge.images.suggest import SuggestionRules, category_item_counts, suggest_images

LIST = pl.List(pl.String)


def _items(rows):
    return pl.DataFrame(
        rows,
        schema={"item": pl.String, "instance_of": LIST, "image": LIST, "commons_category": LIST},
        orient="row",
    ).lazy()


def _targets(rows):
    return pl.DataFrame(
        rows,
        schema={"wiki": pl.String, "page_id": pl.Int64, "page_title": pl.String, "item": pl.String},
        orient="row",
    )


def _leads(rows):
    return pl.DataFrame(
        rows, schema={"wiki": pl.String, "item": pl.String, "image": pl.String}, orient="row"
    )


ITEMS = _items(
    [
        ("Q1", ["Q515"], ["Manu Trigueros.JPG".replace(" ", "_")], ["Manu_Trigueros"]),
        ("Q2", ["Q4167410"], ["Disambig.jpg"], []),  # a disambiguation page
        ("Q3", ["Q5"], ["Flag_of_Somewhere.jpg"], []),  # P18 with "flag"
        ("Q4", ["Q5"], [], []),
    ]
)
LEADS = _leads(
    [
        ("enwiki", "Q1", "Manu_Trigueros.JPG"),  # the same file as the P18
        ("dewiki", "Q1", "Manu_Trigueros_2.jpg"),
        ("frwiki", "Q1", "Manu_Trigueros_2.jpg"),
        ("eswiki", "Q1", "Manu_in_Villarreal.jpg"),
        ("itwiki", "Q1", "Villarreal_map.png"),  # name filter: map
        ("hawiki", "Q1", "Own_wiki_lead.jpg"),  # the article's own wiki: never a candidate
        ("dewiki", "Q3", "Person_three.jpg"),
        ("dewiki", "Q4", "Scheme.svg"),  # .svg filter
    ]
)
TARGETS = _targets(
    [
        ("hawiki", 10, "Manu Trigueros", "Q1"),
        ("hawiki", 11, "Disambig", "Q2"),
        ("hawiki", 12, "Three", "Q3"),
        ("hawiki", 13, "Four", "Q4"),
        ("hawiki", 14, "Nobody", "Q9"),
    ]
)


def test_sources_ranking_dedupe_and_filters():
    run = suggest_images(TARGETS, ITEMS, LEADS)
    rows = run.table.filter(pl.col("page_id") == 10).to_dicts()
    assert [(r["rank"], r["image"], r["confidence"], r["source"]) for r in rows] == [
        (1, "Manu_Trigueros.JPG", "high", "wikidata"),  # P18 and enwiki lead: one suggestion
        (2, "Manu_Trigueros_2.jpg", "medium", "wikipedia"),  # two wikis
        (3, "Manu_in_Villarreal.jpg", "medium", "wikipedia"),  # one wiki
    ]
    assert rows[0]["found_on"] == ["enwiki"] and rows[1]["found_on"] == ["dewiki", "frwiki"]
    assert rows[0]["score"] == pytest.approx(0.85 + 0.15 / 2)
    # Medium: 0.5 + 0.3 (1 - 1 / (1 + v)), v = wikis leading with it + half those using it.
    assert rows[1]["score"] == pytest.approx(0.7) and rows[2]["score"] == pytest.approx(0.65)
    by_page = {r["page_id"]: r for r in run.table.filter(pl.col("page_id") != 10).to_dicts()}
    assert by_page[11]["image"] is None and by_page[11]["is_article_page"] is False
    assert by_page[12]["image"] == "Person_three.jpg"  # the flag P18 is dropped
    assert by_page[12]["source"] == "wikipedia"
    assert by_page[13]["image"] is None and by_page[13]["is_article_page"] is True
    assert by_page[14]["image"] is None  # item unknown to the Wikidata table
    assert run.stats["wikidata_name_filter"] == 1
    assert run.stats["articles_excluded_by_instance_of"] == 1
    raw = {r["page_id"]: r for r in run.raw.to_dicts()}
    assert raw[10]["has_p18"] and raw[10]["has_other_lead"] and raw[10]["has_commons_category"]
    assert not raw[14]["has_p18"] and not raw[14]["has_other_lead"]


def test_deterministic_whatever_the_input_order():
    first = suggest_images(TARGETS, ITEMS, LEADS).table
    shuffled = LEADS.sample(fraction=1.0, shuffle=True, seed=7)
    targets = TARGETS.sample(fraction=1.0, shuffle=True, seed=3)
    again = suggest_images(targets, ITEMS, shuffled).table
    assert again.equals(first)


def test_a_file_that_leads_over_99_items_is_dropped_everywhere():
    crowd = _leads([(f"wiki{n}", f"Q{1000 + n}", "US_map_generic.jpg") for n in range(100)])
    leads = pl.concat(
        [crowd, _leads([("dewiki", "Q4", "US_map_generic.jpg"), ("dewiki", "Q4", "Good.jpg")])]
    )
    items = _items([("Q4", [], ["US_map_generic.jpg"], [])])
    run = suggest_images(
        _targets([("hawiki", 1, "Four", "Q4")]),
        items,
        leads,
        rules=SuggestionRules(name_filters=(), kind_filters=()),
    )
    assert run.table["image"].to_list() == ["Good.jpg"]
    assert run.stats["wikidata_picture_of_over_99_items"] == 1
    assert run.stats["wikipedia_picture_of_over_99_items"] == 1


def _listing(**files):
    rows = [(cat, name, page_id) for cat, names in files.items() for page_id, name in names]
    frame = pl.DataFrame(
        rows,
        schema={"category": pl.String, "image": pl.String, "file_page_id": pl.Int64},
        orient="row",
    )
    return CommonsListing(
        category_files=frame,
        existing=frozenset({"On_commons.jpg"}),
        placeholders=frozenset({"No_image_yet.jpg"}),
    )


def test_commons_category_files_are_low_confidence_ranked_by_age():
    items = _items(
        [("Q7", [], [], ["Cats_of_Guam"]), ("Q8", [], [], ["Shared"])]
        + [(f"Q{100 + n}", [], [], ["Shared"]) for n in range(99)]
    )
    listing = _listing(
        Cats_of_Guam=[
            (30, "Newer_cat.jpg"),
            (20, "Older_cat.jpg"),
            (10, "No_image_yet.jpg"),
            (40, "Cat_range_map.png"),
            (50, "Newest_cat.jpg"),
        ],
        Shared=[(60, "Shared_file.jpg")],
    )
    leads = _leads([("enwiki", "Q7", "Local_only.jpg"), ("dewiki", "Q7", "On_commons.jpg")])
    targets = _targets([("hawiki", 1, "Cats", "Q7"), ("hawiki", 2, "Shared", "Q8")])
    run = suggest_images(
        targets, items, leads, listing, category_counts=category_item_counts(items).collect()
    )
    rows = run.table.filter(pl.col("page_id") == 1).to_dicts()
    # The enwiki lead does not exist on Commons; then files by age, placeholder and map out.
    assert [(r["image"], r["confidence"]) for r in rows] == [
        ("On_commons.jpg", "medium"),
        ("Older_cat.jpg", "low"),
        ("Newer_cat.jpg", "low"),
    ]
    assert rows[1]["score"] == pytest.approx(0.1 + 0.3 / 5**0.5)
    assert run.stats["wikipedia_not_on_commons"] == 1
    assert run.stats["commons_placeholder"] == 1
    # "Shared" is the P373 of 100 items: a collection, not a picture of item Q8.
    assert run.table.filter(pl.col("page_id") == 2)["image"].to_list() == [None]
    assert run.stats["commons_category_of_over_99_items"] == 1


COMMONS_PAGES = [
    (1, 6, "Older_cat.jpg", 0),
    (2, 6, "Newer_cat.jpg", 0),
    (3, 6, "Redirected.jpg", 1),
    (4, 14, "Cats_of_Guam", 0),
    (5, 6, "No_image_available.svg", 0),
    (6, 6, "On_commons.jpg", 0),
]


@pytest.mark.parametrize("schema", ["cl_to", "cl_target_id"])
def test_commons_listing_from_sql_dumps(tmp_path, schema):
    page = write_sql_dump(tmp_path / "page.sql.gz", "page", PAGE_COLUMNS, COMMONS_PAGES)
    members = [
        (1, "Cats_of_Guam", "file"),
        (2, "Cats_of_Guam", "file"),
        (3, "Cats_of_Guam", "file"),
        (4, "Cats_of_Guam", "subcat"),
        (5, "Image_placeholders", "file"),
        (6, "Other", "file"),
    ]
    linktarget = None
    if schema == "cl_to":
        links = write_sql_dump(
            tmp_path / "cl.sql.gz",
            "categorylinks",
            CATEGORYLINKS_OLD,
            [(f, to, "key", kind) for f, to, kind in members],
        )
    else:
        ids = {"Cats_of_Guam": 1, "Image_placeholders": 2, "Other": 3}
        links = write_sql_dump(
            tmp_path / "cl.sql.gz",
            "categorylinks",
            CATEGORYLINKS_NEW,
            [(f, "key", kind, ids[to]) for f, to, kind in members],
        )
        linktarget = write_sql_dump(
            tmp_path / "lt.sql.gz",
            "linktarget",
            LINKTARGET,
            [(i, 14, name) for name, i in ids.items()],
        )
    listing = read_commons_listing(
        links,
        page,
        categories=["Cats of Guam"],
        file_names=["On commons.jpg", "Missing.jpg"],
        linktarget=linktarget,
    )
    assert listing.category_files.rows() == [
        ("Cats_of_Guam", "Newer_cat.jpg", 2),
        ("Cats_of_Guam", "Older_cat.jpg", 1),
    ]
    assert listing.existing == {"On_commons.jpg"}
    assert listing.placeholders == {"No_image_available.svg"}
    if schema == "cl_target_id":
        with pytest.raises(InputError, match="linktarget"):
            read_commons_listing(links, page, categories=["Cats_of_Guam"])


def test_coverage_rows_and_markdown():
    run = suggest_images(TARGETS, ITEMS, LEADS)
    counts = pl.DataFrame(
        {"wiki": ["hawiki"], "articles": [40], "articles_with_item": [20], "unillustrated": [5]}
    )
    (row,) = coverage(counts, run)
    assert row["with_suggestion"] == 2 and row["excluded_by_instance_of"] == 1
    assert (row["from_wikidata"], row["from_wikipedia"], row["from_commons"]) == (1, 2, 0)
    assert row["suggestions"] == 4 and row["with_suggestion_share"] == 0.4
    assert (row["raw_p18"], row["raw_other_lead"]) == (3, 3)
    assert "| hawiki | 40 | 20 | 5 | 1 | 2 (40.0%) |" in coverage_markdown([row])


def test_offline_evaluation_counts_hidden_files_among_the_top_three():
    hidden = pl.DataFrame(
        [
            ("hawiki", 10, "Manu Trigueros", "Q1", "Manu_Trigueros_2.jpg"),
            ("hawiki", 10, "Manu Trigueros", "Q1", "Flag_of_Spain.svg"),
            ("hawiki", 12, "Three", "Q3", "Unrelated.jpg"),
            ("hawiki", 13, "Four", "Q4", "Flag.svg"),
        ],
        schema=["wiki", "page_id", "page_title", "item", "image"],
        orient="row",
    )
    frame = evaluate_hidden(hidden, ITEMS, LEADS)
    rows = {r["page_id"]: r for r in frame.to_dicts()}
    assert rows[10]["hit"] and rows[10]["hit_wikipedia"] and rows[10]["hit_wikidata"] is False
    assert not rows[12]["hit"] and rows[12]["hit_wikidata"] is None
    assert not rows[13]["hidden_suggestible"]
    summary = recall_summary(frame)
    # Q4 counts as reachable (dewiki has a lead image for it) though the .svg is filtered out.
    # Only article 10's own picture is offered at all (by two other wikis): the ceiling is 1.
    assert summary["item_has_p18_or_other_lead"] == {
        "articles": 3,
        "hits": 1,
        "recall_at_3": 0.3333,
        "recall_at_1": 0.0,  # the P18 comes first
        "precision_at_1": 0.0,
        "with_suggestion": 2,
        "reachable": 1,
        "reachable_after_filters": 1,
        "recall_at_3_of_ceiling": 1.0,
    }
    assert summary["source_wikipedia"]["recall_at_3"] == 0.5
    assert summary["item_has_p18_or_other_lead_and_hidden_suggestible"]["articles"] == 2


def test_lookup_index_by_title_and_best_first():
    run = suggest_images(TARGETS, ITEMS, LEADS)
    table = run.table.with_columns(
        pl.lit("20150406").alias("dump_date"), pl.lit("20190101").alias("wikidata_dump_date")
    ).to_arrow()
    index = SuggestionIndex.from_table(table)
    assert index.wikis == {"hawiki"} and index.count("hawiki") == 2
    found = index.article("hawiki", "manu_Trigueros")
    assert found is not None and [s.rank for s in found.suggestions] == [1, 2, 3]
    excluded = index.article("hawiki", "Disambig")  # excluded kind: known, nothing to suggest
    assert excluded is not None and excluded.suggestions == ()
    assert index.article("dewiki", "Manu Trigueros") is None
    assert [a.page_id for a in index.best("hawiki", 10)] == [10, 12]
    assert index.best("hawiki", 1)[0].best_score > 0.85


def test_random_inputs_never_break_the_contract():
    rng = random.Random(5)
    names = [f"F{n}.jpg" for n in range(12)] + ["Flag_x.jpg", "A_map.png", "S.svg"]
    items = _items(
        [(f"Q{n}", [rng.choice(["Q5", "Q577"])], rng.sample(names, 2), []) for n in range(30)]
    )
    leads = _leads(
        [
            (rng.choice(["a", "b", "c", "d"]), f"Q{rng.randrange(30)}", rng.choice(names))
            for _ in range(200)
        ]
    )
    targets = _targets([("a", n, f"T{n}", f"Q{n}") for n in range(30)])
    table = suggest_images(targets, items, leads).table
    suggested = table.filter(pl.col("image").is_not_null())
    per = suggested.group_by("page_id").agg(
        pl.len(), pl.col("image").n_unique().alias("u"), pl.col("rank").max().alias("m")
    )
    assert (per["len"] <= 3).all() and (per["len"] == per["u"]).all()
    assert (per["len"] == per["m"]).all()
    assert suggested["score"].is_between(0, 1).all()
    assert table["page_id"].n_unique() == 30
