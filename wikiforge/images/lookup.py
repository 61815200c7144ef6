"""Look up published image suggestions, for the server: by article, and best first per wiki.

Built once per published ``image_suggestions`` version. The table has one row per article of
every wiki (its state, ``illustrated`` or ``unillustrated``) and one more per suggestion. Rows
with a suggestion are held as objects (a few hundred bytes each; the reference produced ~155k
suggested articles for enwiki), grouped per wiki and article, each wiki's pre-sorted best
first. The other articles stay in Arrow arrays sorted by title and are found by binary search,
so millions of titles cost their bytes, not millions of Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from wikiforge.wikis import language_of
from wikiforge.wikitext.titles import normalize_title

COLUMNS = [
    "wiki",
    "state",
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
    item: str | None
    instance_of: tuple[str, ...]
    dump_date: str
    wikidata_dump_date: str | None
    suggestions: tuple[Suggestion, ...]
    state: str = "unillustrated"  # illustrated | unillustrated

    @property
    def best_score(self) -> float:
        """The first suggestion's score (0 without suggestions)."""
        return self.suggestions[0].score if self.suggestions else 0.0


class _SortedArticles:
    """A wiki's articles without suggestions: Arrow columns sorted by title."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table.sort_by("page_title")
        self.titles = self.table.column("page_title")

    def find(self, wiki: str, title: str) -> ArticleSuggestions | None:
        low, high = 0, len(self.titles)
        while low < high:
            middle = (low + high) // 2
            if self.titles[middle].as_py() < title:
                low = middle + 1
            else:
                high = middle
        if low == len(self.titles) or self.titles[low].as_py() != title:
            return None
        row = {name: self.table.column(name)[low].as_py() for name in self.table.column_names}
        return ArticleSuggestions(
            wiki=wiki,
            page_id=row["page_id"],
            page_title=title,
            item=row["item"],
            instance_of=tuple(row["instance_of"] or ()),
            dump_date=row["dump_date"],
            wikidata_dump_date=row["wikidata_dump_date"],
            suggestions=(),
            state=row["state"] or "unillustrated",
        )


class SuggestionIndex:
    """Suggestions of every wiki of one published version."""

    def __init__(
        self,
        articles: dict[str, dict[str, ArticleSuggestions]],
        wikis: frozenset[str],
        without: dict[str, _SortedArticles] | None = None,
    ) -> None:
        self._by_title = articles
        self._without = without or {}
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
        if "state" not in table.column_names:  # versions published before article states
            table = table.append_column(
                "state", pa.array(["unillustrated"] * table.num_rows, pa.string())
            )
        wikis = frozenset(pc.unique(table.column("wiki")).to_pylist())
        rows = table.select(COLUMNS).filter(pc.is_valid(table.column("image")))
        plain = table.select(COLUMNS).filter(pc.invert(pc.is_valid(table.column("image"))))
        without = {
            wiki: _SortedArticles(
                plain.filter(pc.equal(plain.column("wiki"), wiki)).drop_columns(
                    ["wiki", "rank", "image", "confidence", "score", "source", "found_on"]
                )
            )
            for wiki in wikis
        }
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
                state=first["state"] or "unillustrated",
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
        return cls(articles, wikis, without)

    @classmethod
    def from_stored(cls, stored) -> SuggestionIndex:
        """Build from a published ``image_suggestions`` version (older versions have no
        ``state`` column: their articles all count as unillustrated).
        """
        try:
            return cls.from_table(stored.table(COLUMNS))
        except (KeyError, ValueError, pa.ArrowInvalid):
            return cls.from_table(stored.table([c for c in COLUMNS if c != "state"]))

    def article(self, wiki: str, title: str) -> ArticleSuggestions | None:
        """An article's state and suggestions (possibly none), by title as a reader writes it
        (underscores or spaces, any case of the first letter); None for an unknown article.
        """
        normalised = normalize_title(title, language_of(wiki))
        for candidate in dict.fromkeys((title, normalised)):
            if not candidate:
                continue
            found = self._by_title.get(wiki, {}).get(candidate)
            if found is None and wiki in self._without:
                found = self._without[wiki].find(wiki, candidate)
            if found is not None:
                return found
        return None

    def best(self, wiki: str, limit: int) -> list[ArticleSuggestions]:
        """The wiki's articles with suggestions, best first."""
        return self._ranked.get(wiki, [])[:limit]

    def count(self, wiki: str) -> int:
        """How many articles of the wiki have suggestions."""
        return len(self._by_title.get(wiki, {}))
