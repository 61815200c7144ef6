"""The generic extractor's layers, each on its own: JSON-LD, microdata, RDFa, h-recipe, recipe
plugins, page structure, the fills, the page-kind gate and the leave-one-site-out rule switch.
"""

import pytest

from wikiforge.tasks.parsers import parse_document
from wikiforge.tasks.parsers.html import parse_html
from wikiforge.tasks.parsers.jsonld import jsonld_objects, load_json_lenient
from wikiforge.tasks.parsers.microdata import rdfa_objects
from wikiforge.tasks.parsers.page_kind import non_task_kind
from wikiforge.tasks.parsers.rules import ALL_RULES, word_rule
from wikiforge.tasks.parsers.schema_values import steps_of
from wikiforge.tasks.parsers.structure import structural_ingredients, structural_steps

URL = "https://cook.example.org/recipes/soup"


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def _ld(obj: str) -> str:
    return f'<script type="application/ld+json">{obj}</script>'


def test_jsonld_graph_type_arrays_sections_and_html_in_strings():
    html = _page(
        "",
        _ld(
            """{"@context": "https://schema.org", "@graph": [
            {"@type": "WebPage", "name": "Site"},
            {"@type": ["Recipe", "NewsArticle"], "name": "Leek &amp; potato soup",
             "recipeIngredient": ["2 leeks", "3 potatoes &amp; salt"],
             "recipeInstructions": [
               {"@type": "HowToSection", "name": "Soup", "itemListElement": [
                 {"@type": "HowToStep", "text": "<p>Slice the <b>leeks</b>.</p>"},
                 {"@type": "HowToStep", "text": "Simmer with the potatoes."}]},
               {"@type": "HowToSection", "name": "Serve", "itemListElement": [
                 {"@type": "HowToStep", "text": "Blend and season."}]}]}]}"""
        ),
    )
    result = parse_document(html, URL)
    tm = result.taskmap
    assert tm.title == "Leek & potato soup" and tm.extraction_layer == "json-ld"
    assert [s.response.speech_text for s in tm.steps] == [
        "Slice the leeks.",
        "Simmer with the potatoes.",
        "Blend and season.",
    ]
    assert [s.response.screen.subheader for s in tm.steps] == ["Soup", "Soup", "Serve"]
    assert [r.name for r in tm.requirement_list] == ["2 leeks", "3 potatoes & salt"]


def test_recipe_instructions_as_one_html_or_numbered_string():
    assert [s.text for s in steps_of("<ol><li>Boil water.</li><li>Add pasta.</li></ol>")] == [
        "Boil water.",
        "Add pasta.",
    ]
    assert [s.text for s in steps_of("1. Boil water. 2. Add pasta. 3. Drain it.")] == [
        "Boil water.",
        "Add pasta.",
        "Drain it.",
    ]


def test_broken_jsonld_is_repaired():
    assert load_json_lenient('{"a": [1, 2,],}') == {"a": [1, 2]}
    assert load_json_lenient('{"a": 1}{"b": 2}') == [{"a": 1}, {"b": 2}]
    assert load_json_lenient("not json") is None
    root = parse_html(_page("", _ld('<!-- {"@type": "Recipe", "name": "x"} -->')))
    assert [o["name"] for o in jsonld_objects(root)] == ["x"]


def test_rdfa_recipe_keeps_document_order():
    html = _page(
        """<div vocab="http://schema.org/" typeof="Recipe"><h1 property="name">Toast</h1>
        <span property="recipeIngredient">2 slices bread</span>
        <span property="recipeIngredient">1 tbsp butter</span>
        <ol><li property="recipeInstructions">Toast the bread until golden.</li>
        <li property="recipeInstructions">Spread the butter on it.</li></ol></div>"""
    )
    items = list(rdfa_objects(parse_html(html)))
    assert items[0]["recipeIngredient"] == ["2 slices bread", "1 tbsp butter"]
    tm = parse_document(html, URL).taskmap
    assert tm.extraction_layer == "rdfa" and tm.title == "Toast"
    assert [s.response.speech_text for s in tm.steps][0] == "Toast the bread until golden."


def test_h_recipe_microformat():
    html = _page(
        """<div class="h-recipe"><h1 class="p-name">Toast</h1>
        <ul><li class="p-ingredient">2 slices bread</li><li class="p-ingredient">butter</li></ul>
        <ol class="e-instructions"><li>Toast the bread.</li><li>Butter it.</li></ol></div>"""
    )
    tm = parse_document(html, URL).taskmap
    assert tm.extraction_layer == "h-recipe" and tm.title == "Toast"
    assert [s.response.speech_text for s in tm.steps] == ["Toast the bread.", "Butter it."]


@pytest.mark.parametrize(
    "plugin, body",
    [
        (
            "wprm",
            """<h2 class="wprm-recipe-name">Pancakes</h2>
            <li class="wprm-recipe-ingredient">200 g flour</li>
            <li class="wprm-recipe-ingredient">2 eggs</li>
            <div class="wprm-recipe-instruction-text">Whisk everything together well.</div>
            <div class="wprm-recipe-instruction-text">Fry in a hot pan.</div>""",
        ),
        (
            "tasty",
            """<h2 class="tasty-recipes-title">Pancakes</h2>
            <div class="tasty-recipes-ingredients"><ul><li>200 g flour</li><li>2 eggs</li></ul></div>
            <div class="tasty-recipes-instructions"><ol><li>Whisk everything together well.</li>
            <li>Fry in a hot pan.</li></ol></div>""",
        ),
        (
            "ziplist",
            """<div id="zlrecipe-title">Pancakes</div>
            <ul id="zlrecipe-ingredients-list"><li>200 g flour</li><li>2 eggs</li></ul>
            <ol id="zlrecipe-instructions-list"><li>Whisk everything together well.</li>
            <li>Fry in a hot pan.</li></ol>""",
        ),
        (
            "easyrecipe",
            """<div class="easyrecipe"><div class="ERSName">Pancakes</div>
            <li class="ingredient">200 g flour</li><li class="ingredient">2 eggs</li>
            <li class="instruction">Whisk everything together well.</li>
            <li class="instruction">Fry in a hot pan.</li></div>""",
        ),
    ],
)
def test_recipe_plugin_markup(plugin, body):
    tm = parse_document(_page(f"<h1>Blog post</h1>{body}"), URL).taskmap
    assert tm.extraction_layer == f"plugin:{plugin}" and tm.title == "Pancakes"
    assert [r.name for r in tm.requirement_list] == ["200 g flour", "2 eggs"]
    assert len(tm.steps) == 2


def test_page_structure_layer_and_its_amount_pattern():
    html = _page(
        """<h1>Lentil soup</h1><h2>Ingredients</h2>
        <ul><li>200 g red lentils</li><li>1 onion, chopped</li><li>1½ l stock</li></ul>
        <h2>Method</h2><ol><li>Soften the onion in a little oil for five minutes.</li>
        <li>Add the lentils and stock and simmer for twenty minutes.</li></ol>"""
    )
    result = parse_document(html, URL)
    assert result.taskmap.extraction_layer.startswith("page-structure:")
    assert result.taskmap.title == "Lentil soup" and len(result.taskmap.steps) == 2
    # Years and list numbers glued to a word are not amounts.
    toc = _page(
        "<ul><li>1History</li><li>2Geography</li></ul><ul><li>1979–1983</li><li>2003</li></ul>"
    )
    assert structural_ingredients(parse_html(toc)) == ([], "")


def test_markup_without_steps_takes_the_page_steps_or_says_why():
    head = _ld('{"@type": "Recipe", "name": "Soup", "recipeIngredient": ["1 leek"]}')
    steps = "<h2>Instructions</h2><p>Slice the leek and simmer it in stock.</p><p>Blend it all until smooth.</p>"
    filled = parse_document(_page(steps, head), URL)
    assert filled.taskmap.extraction_layer == "json-ld+steps:heading"
    bare = parse_document(_page("<p>A story.</p>", head), URL)
    assert bare.taskmap is None and bare.reason == "markup_without_steps"


def test_truncated_markup_gives_way_to_the_page_steps():
    steps = [f"Step number {i} of the soup: stir the pot slowly and carefully." for i in range(8)]
    head = _ld(
        '{"@type": "Recipe", "name": "Soup", "recipeIngredient": ["1 leek"],'
        f' "recipeInstructions": ["{steps[0]}"]}}'
    )
    body = "".join(f'<div data-testid="recipe-instruction">{s}</div>' for s in steps)
    tm = parse_document(_page(body + "<p>" + "filler text " * 200 + "</p>", head), URL).taskmap
    assert len(tm.steps) == 8 and "truncated:steps:repeated" in tm.extraction_layer


@pytest.mark.parametrize(
    "head, url, kind",
    [
        (
            '<meta name="generator" content="MediaWiki 1.41">',
            "https://an.wikipedia.org/wiki/X",
            "encyclopedia",
        ),
        (_ld('{"@type": "NewsArticle", "headline": "x"}'), "https://news.example/a/1", "news"),
        ("", "https://shop.example/category/shoes/", "listing"),
        ("", "https://shop.example/", "home"),
        ("", "https://shop.example/about-us", "other"),
    ],
)
def test_page_kind(head, url, kind):
    assert non_task_kind(parse_html(_page("<p>x</p>", head)), url) == kind


def test_a_wiki_article_with_lists_is_not_a_task():
    # The shape of the Escopete capture: a table of contents and a list of terms of office.
    html = _page(
        """<h1>Escopete</h1><ul><li>1 Cheografía</li><li>2 Historia</li><li>3 Fiestas</li></ul>
        <ul><li>1 alcalde del Partido Popular de Escopete</li><li>2 alcaldes socialistas</li></ul>
        <ul><li>Zaguera edición d'ista pachina o 17 ago 2023 a las 21:26 y mas texto aquí.</li>
        <li>O texto ye disponible baixo a Licencia Creative Commons Atribución/Compartir.</li></ul>""",
        '<meta name="generator" content="MediaWiki 1.41.0">',
    )
    result = parse_document(html, "https://an.wikipedia.org/wiki/Escopete")
    assert result.taskmap is None and result.reason == "not_a_task_page:encyclopedia"


def test_rules_switch_off_one_at_a_time():
    html = _page(
        "<h1>Soup</h1><h2>Zutaten</h2><ul><li>2 Lauch</li><li>1 l Brühe</li></ul>"
        "<h2>Zubereitung</h2><p>Den Lauch schneiden und in der Brühe köcheln.</p>"
        "<p>Alles fein pürieren und abschmecken.</p>"
    )
    assert parse_document(html, URL).taskmap is not None
    # Without the heading word, the section after the ingredient list still holds the steps.
    without_word = ALL_RULES - {word_rule("instruction-word", "zubereitung")}
    found = parse_document(html, URL, rules=without_word)
    assert found.parser == "page-structure:ingredients:amount-lists+steps:after-ingredients"
    without = without_word - {"steps:after-ingredients"}
    assert parse_document(html, URL, rules=without).taskmap is None


def _steps_of(result) -> list[str]:
    return [s.response.speech_text for s in result.taskmap.steps]


def test_steps_follow_the_ingredient_list_whatever_their_heading():
    # The method under a heading no vocabulary holds (the dish's own name), then a list of
    # links to other dishes; elsewhere a numbered list of sentence-long promotions.
    head = _ld(
        '{"@type": "Recipe", "name": "Leek soup",'
        ' "recipeIngredient": ["2 leeks (small)", "1 l vegetable stock", "Salt"]}'
    )
    body = """<ol><li>Thank you for reading us: log in with your existing account today.</li>
        <li>Or try our digital subscription with access to every single article.</li></ol>
        <h2>Zutaten</h2><ol><li>2 leeks (small)</li><li>1 l vegetable stock</li><li>Salt</li></ol>
        <h2>Leek soup</h2><p>Wash the leeks, slice them thinly and sweat them in butter.</p>
        <p>Pour in the stock, simmer for twenty minutes, season with salt and blend.</p>
        <ol><li>Carrots</li><li>Fennel</li></ol>"""
    result = parse_document(_page(body, head), URL)
    assert result.parser == "json-ld+steps:after-ingredients"
    assert _steps_of(result) == [
        "Wash the leeks, slice them thinly and sweat them in butter.",
        "Pour in the stock, simmer for twenty minutes, season with salt and blend.",
    ]
    without = parse_document(_page(body, head), URL, rules=ALL_RULES - {"steps:after-ingredients"})
    assert without.parser == "json-ld+steps:numbered-lists"  # the promotions: wrong


def test_after_ingredients_steps_without_a_heading_and_past_repeated_captions():
    lines = "<ul><li>2 cups flour</li><li>1 cup milk</li><li>2 eggs</li></ul>"
    # No heading at all: the numbered list right after the ingredients; the byline and the
    # share buttons after it are not steps.
    plain = _page(
        f"<h1>Pancakes</h1>{lines}"
        "<ol><li>Whisk the flour, milk and eggs together.</li><li>Fry thin pancakes in butter "
        "in a hot pan.</li></ol><p>Written by the whole kitchen team</p>"
        "<div>Share on Facebook, share on Pinterest</div>"
    )
    rules = ALL_RULES - {"steps:numbered-lists"}
    assert _steps_of(parse_document(plain, URL, rules=rules)) == [
        "Whisk the flour, milk and eggs together.",
        "Fry thin pancakes in butter in a hot pan.",
    ]
    # Photo credits under a run of images repeat one another: the next heading's section.
    captions = "".join("<p>Photo credit: the kitchen team</p>" for _ in range(3))
    steps = (
        "<h2>How we do it</h2><p>Whisk the flour, milk and eggs together in a large bowl.</p>"
        "<p>Fry thin pancakes in butter in a hot pan.</p>"
    )
    page = _page(f"<h1>Pancakes</h1>{lines}{captions}{steps}")
    result = parse_document(page, URL)
    assert result.parser == "page-structure:ingredients:amount-lists+steps:after-ingredients"
    assert len(result.taskmap.steps) == 2 and "Photo" not in " ".join(_steps_of(result))


def test_after_ingredients_rows_must_name_the_ingredients():
    # Price ranges read as amounts, then an error page's text: not a recipe.
    html = _page(
        "<ul><li>5 万以下</li><li>5-8 万</li><li>8-12 万</li></ul><h2>抱歉</h2>"
        "<p>很抱歉，当您看到这个页面的时候，说明您访问的地址有错误或者页面已经不存在了。</p>"
        "<p>意见建议：点击提交按钮，您访问的错误链接会直接发送给我们，谢谢您的支持和理解。</p>"
        "<p>联系方式：Email或者电话，方便我们将结果发送给您，我们会尽快处理您的反馈意见。</p>"
    )
    result = parse_document(html, "https://shop.example.com/24/article.html")
    assert result.taskmap is None and result.reason == "ingredients_without_steps"


def test_hidden_copies_are_not_section_rows():
    # A paywalled copy of the article in a `hidden` element is not rendered.
    html = _page(
        "<h1>Leek soup</h1><h2>Ingredients</h2><ul><li>2 leeks</li><li>1 l stock</li></ul>"
        "<h2>Method</h2><p>Slice the leeks and sweat them in butter until soft.</p>"
        "<p>Add the stock, simmer for twenty minutes and blend until smooth.</p>"
        "<div hidden><p>Subscribe now to read the whole story of this humble soup.</p></div>"
    )
    assert len(parse_document(html, URL).taskmap.steps) == 2


# A food blog's narrative above its recipe card: a "how to make it" summary in prose.
_NARRATIVE = """<h1>Pancakes</h1><h2>How to make pancakes</h2>
    <p>Pancakes are quick: mix a batter, rest it, then fry thin rounds until golden.</p>
    <p>Here is a brief preview of the process and why every step of it matters so much.</p>"""


def test_the_instructions_heading_after_the_ingredient_list_wins():
    card = """<h3>Ingredients</h3><ul><li>2 cups flour</li><li>1 cup milk</li><li>2 eggs</li></ul>
        <h3>Instructions</h3><ol><li>Whisk the flour, milk and eggs into a smooth batter.</li>
        <li>Rest the batter, then fry thin pancakes in a hot buttered pan.</li></ol>"""
    result = parse_document(_page(_NARRATIVE + card), URL)
    assert result.parser == "page-structure:ingredients:amount-lists+steps:heading"
    assert _steps_of(result) == [
        "Whisk the flour, milk and eggs into a smooth batter.",
        "Rest the batter, then fry thin pancakes in a hot buttered pan.",
    ]


def test_an_element_labelled_as_instructions_comes_before_a_heading():
    card = """<div class="recipe-instructions"><ol>
        <li>Whisk the flour, milk and eggs into a smooth batter.</li>
        <li>Rest the batter, then fry thin pancakes in a hot buttered pan.</li></ol></div>"""
    steps, rule = structural_steps(parse_html(_page(_NARRATIVE + card)))
    assert rule == "steps:class"
    assert [s.text for s in steps][0] == "Whisk the flour, milk and eggs into a smooth batter."
