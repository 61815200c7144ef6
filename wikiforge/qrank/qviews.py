"""Views per entity over the year before a Wikidata dump, optionally spike-capped.

The window is the 12 calendar months before the dump's month (dump 2019-01-01 -> 2018-01 ..
2018-12), as in the reference. Months whose page views are missing are named by the caller and
simply absent from the sum.

**Spike capping** (the reference's stated goal that it never met). Page views of an obscure page
can jump for a month (news, a meme, a bot) and lift it above pages that are read steadily all
year. With ``spike_cap=K``, each entity's views in each month are capped at K times the entity's
own median month before summing:

    capped_views(e) = sum over months m of min(v(e, m), floor(K * median(e)))

where ``median(e)`` is the median of ``v(e, m)`` over the months in which ``e`` had any views
(for an even number of months, the mean of the two middle ones). A steadily read entity never
reaches its cap (its months are all near its median for K >= 2); a one-month spike counts at
most K median months. Months without views are left out of the median on purpose: counted as
zeros they would cap to nothing every entity read in fewer than half of the months, which is
most of the long tail and every newly created page. The price: an entity read only in the
months of a spike is not capped, because the spike is all there is of it. K must be >= 1.
"""

from __future__ import annotations

import pyarrow as pa

QVIEWS_SCHEMA = pa.schema([("qid", pa.int64()), ("views", pa.int64())])


def window_months(dump_date: str) -> list[str]:
    """The 12 calendar months (``YYYY-MM``) before the month of a dump dated ``YYYYMMDD``."""
    year, month = int(dump_date[:4]), int(dump_date[4:6])
    result = []
    for back in range(12, 0, -1):
        index = year * 12 + (month - 1) - back
        result.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return result


# -- the step as SQL for either engine (DuckDB or Spark SQL); run by the asset's write_qviews -
#: Columns of the intermediate result: views per entity and whether a month was capped.
QVIEWS_CAPPED_SCHEMA = pa.schema(
    [("qid", pa.int64()), ("views", pa.int64()), ("capped", pa.bool_())]
)


def month_table(month: str) -> str:
    """The SQL name of a month's ``pageviews_month`` table (``2018-01`` -> ``month_2018_01``)."""
    return "month_" + month.replace("-", "_")


def qviews_sql(months: list[str], spike_cap: float | None = None) -> dict[str, str]:
    """The 12-month join as SQL, one text per engine (they differ only in the median).

    Tables: ``sitelinks`` (key, qid) and one ``month_table(m)`` (key, views) per month.
    Result: (qid, views, capped) of every entity with views, unordered.

    Raises:
        ValueError: if ``spike_cap`` is below 1.
    """
    if spike_cap is not None and spike_cap < 1:
        raise ValueError(f"spike_cap must be >= 1, got {spike_cap}")
    if months:
        views_union = " UNION ALL ".join(
            f"SELECT '{m}' AS month, key, views FROM {month_table(m)}" for m in sorted(months)
        )
    else:
        views_union = (
            "SELECT CAST(NULL AS STRING) AS month, CAST(NULL AS STRING) AS key, "
            "CAST(0 AS BIGINT) AS views WHERE false"
        )
    monthly = f"""
        SELECT s.qid, v.month, CAST(SUM(v.views) AS BIGINT) AS v
        FROM ({views_union}) v JOIN sitelinks s ON v.key = s.key
        GROUP BY s.qid, v.month"""
    if spike_cap is None:
        query = f"""SELECT qid, CAST(SUM(v) AS BIGINT) AS views, false AS capped
                    FROM ({monthly}) m GROUP BY qid HAVING SUM(v) > 0"""
        return {"duckdb": query, "spark": query}
    texts = {}
    for engine, median in (("duckdb", "quantile_cont(v, 0.5)"), ("spark", "percentile(v, 0.5)")):
        texts[engine] = f"""
            SELECT qid, CAST(SUM(LEAST(v, cap)) AS BIGINT) AS views, bool_or(v > cap) AS capped
            FROM (
              SELECT qid, v,
                CAST(FLOOR({float(spike_cap)!r} * {median} OVER (PARTITION BY qid)) AS BIGINT)
                  AS cap
              FROM ({monthly}) m
            ) c
            GROUP BY qid HAVING SUM(LEAST(v, cap)) > 0"""
    return texts


#: Over the intermediate ``qv``: the published order, and the figures for the metadata.
QVIEWS_ORDER_SQL = "SELECT qid, views FROM qv ORDER BY qid"
QVIEWS_TOTALS_SQL = (
    "SELECT CAST(COUNT(*) AS BIGINT) AS entities, "
    "CAST(COALESCE(SUM(views), 0) AS BIGINT) AS views, "
    "CAST(COALESCE(SUM(CASE WHEN capped THEN 1 ELSE 0 END), 0) AS BIGINT) AS capped FROM qv"
)
QVIEWS_TOTALS_SCHEMA = pa.schema(
    [("entities", pa.int64()), ("views", pa.int64()), ("capped", pa.int64())]
)
