"""Look up published image suggestions, for the server: by article, and best first per wiki.

Built once per published ``image_suggestions`` version: only rows with a suggestion are held
(a few hundred bytes each; the reference produced ~155k suggested articles for enwiki), grouped
per wiki and article, with each wiki's articles pre-sorted best first.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from wikiforge.images.files import language_of_wiki
from wikiforge.wikitext.titles import normalize_title

COLUMNS = [
    "wiki",
    "page_id",
    "page_title",
    "item",
    "rank",
    "image",
    "confidence",
    "score",
    "source",
    "found_on",
    "instance_of",
    "dump_date",
    "wikidata_dump_date",
]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested file."""

    rank: int
    image: str
    confidence: str
    score: float
    source: str
    found_on: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ArticleSuggestions:
    """An unillustrated article and its suggestions, best first."""

    wiki: str
    page_id: int
    page_title: str
    item: str
    instance_of: tuple[str, ...]
    dump_date: str
    wikidata_dump_date: str | None
    suggestions: tuple[Suggestion, ...]

    @property
    def best_score(self) -> float:
        return self.suggestions[0].score


class SuggestionIndex:
    """Suggestions of every wiki of one published version."""

    def __init__(
        self, articles: dict[str, dict[str, ArticleSuggestions]], wikis: frozenset[str]
    ) -> None:
        self._by_title = articles
        self.wikis = wikis
        # Best first: best score, more suggestions, then page id (a stable total order).
        self._ranked = {
            wiki: sorted(
                by_title.values(), key=lambda a: (-a.best_score, -len(a.suggestions), a.page_id)
            )
            for wiki, by_title in articles.items()
        }

    @classmethod
    def from_table(cls, table: pa.Table) -> SuggestionIndex:
        """Build from an ``image_suggestions`` table (all wikis)."""
        wikis = frozenset(pc.unique(table.column("wiki")).to_pylist())
        rows = table.select(COLUMNS).filter(pc.is_valid(table.column("image")))
        grouped: dict[tuple[str, int], list[dict]] = {}
        for row in rows.to_pylist():
            grouped.setdefault((row["wiki"], row["page_id"]), []).append(row)
        articles: dict[str, dict[str, ArticleSuggestions]] = {}
        for (wiki, page_id), group in grouped.items():
            group.sort(key=lambda r: r["rank"])
            first = group[0]
            articles.setdefault(wiki, {})[first["page_title"]] = ArticleSuggestions(
                wiki=wiki,
                page_id=page_id,
                page_title=first["page_title"],
                item=first["item"],
                instance_of=tuple(first["instance_of"] or ()),
                dump_date=first["dump_date"],
                wikidata_dump_date=first["wikidata_dump_date"],
                suggestions=tuple(
                    Suggestion(
                        rank=r["rank"],
                        image=r["image"],
                        confidence=r["confidence"],
                        score=r["score"],
                        source=r["source"],
                        found_on=tuple(r["found_on"] or ()),
                    )
                    for r in group
                ),
            )
        return cls(articles, wikis)

    def article(self, wiki: str, title: str) -> ArticleSuggestions | None:
        """The suggestions for one article, by title as a reader writes it (underscores or
        spaces, any case of the first letter), or None.
        """
        by_title = self._by_title.get(wiki)
        if not by_title:
            return None
        found = by_title.get(title)
        if found is None:
            normalised = normalize_title(title, language_of_wiki(wiki))
            found = by_title.get(normalised) if normalised else None
        return found

    def best(self, wiki: str, limit: int) -> list[ArticleSuggestions]:
        """The wiki's articles with suggestions, best first."""
        return self._ranked.get(wiki, [])[:limit]

    def count(self, wiki: str) -> int:
        """How many articles of the wiki have suggestions."""
        return len(self._by_title.get(wiki, {}))
