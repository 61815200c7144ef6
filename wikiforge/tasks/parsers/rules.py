"""The extractor's rules by name, so each can be switched off to judge it on unseen sites.

Production always runs with `ALL_RULES`. The leave-one-site-out bench
(`bench/tasks_parse_accuracy.py --loso`) switches rules off one at a time and keeps, when it
scores a site, only the rules that help pages of other sites: a rule is never credited on the
site it was written for. Heading vocabularies are rules word by word (a language's word that
only one site needs is not credited on that site either).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Words of headings that open an instructions section (regex fragments, several languages).
INSTRUCTION_WORDS = (
    "instruction",
    "direction",
    "method",
    "preparation",
    "steps",
    "how to make",
    "zubereitung",
    "pr[ée]paration",
    "preparaci[óo]n",
    "procedimento",
    "procedure",
    "bereiding",
    "fremgangsm[åa]de",
    "elk[ée]sz[íi]t[ée]s",
    "przygotowanie",
    "postup",
    "tillagning",
    "g[öo]r s[åa] h[äa]r",
    "valmistus",
)
# Words of headings (and id/class names) that open an ingredients section.
INGREDIENT_WORDS = ("ingredient", "zutat", "ingr[ée]dient", "hozz[áa]val[óo]", "sk[łl]adnik")
# Words of id/class names of an element holding the instructions.
INSTRUCTION_CLASS_WORDS = (
    "instruction",
    "direction",
    "preparation",
    "method",
    "steps",
    "zubereitung",
    "elk[ée]sz[íi]t",
    "bereiding",
)

LAYER_RULES = ("layer:json-ld", "layer:microdata", "layer:rdfa", "layer:h-recipe")
PLUGIN_RULES = tuple(
    f"plugin:{p}"
    for p in ("wprm", "wpurp", "tasty", "mediavine", "wpzoom", "ziplist", "easyrecipe", "cooked")
) + ("plugin:itemprop", "class-names")
STRUCTURE_RULES = (
    "ingredients:amount-lists",
    "ingredients:heading",
    "ingredients:class",
    "steps:heading",
    "steps:class",
    "steps:repeated",
    "steps:after-ingredients",
    "steps:numbered-lists",
)
FILL_RULES = ("fill:steps-from-page", "fill:ingredients-from-page", "fill:truncated-steps")
GATE_RULES = ("gate:page-kind",)


def word_rule(kind: str, fragment: str) -> str:
    """The rule name of one heading word ("heading-word:zubereitung")."""
    plain = re.sub(r"\[(.)[^\]]*\]", r"\1", fragment)  # pr[ée]paration -> preparation
    return f"{kind}:{plain}"


WORD_RULES = tuple(
    dict.fromkeys(
        [word_rule("instruction-word", w) for w in INSTRUCTION_WORDS]
        + [word_rule("ingredient-word", w) for w in INGREDIENT_WORDS]
        + [word_rule("instruction-class", w) for w in INSTRUCTION_CLASS_WORDS]
    )
)
ALL_RULES = frozenset(
    LAYER_RULES + PLUGIN_RULES + STRUCTURE_RULES + FILL_RULES + GATE_RULES + WORD_RULES
)


@lru_cache(maxsize=256)
def label_pattern(kind: str, rules: frozenset[str]) -> re.Pattern | None:
    """The regex of a vocabulary's enabled words (None when every word is switched off)."""
    words = {
        "instruction-word": INSTRUCTION_WORDS,
        "ingredient-word": INGREDIENT_WORDS,
        "instruction-class": INSTRUCTION_CLASS_WORDS,
    }[kind]
    enabled = [w for w in words if word_rule(kind, w) in rules]
    return re.compile("|".join(enabled), re.I) if enabled else None
