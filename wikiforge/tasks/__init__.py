"""Tasks line: crawled how-to and recipe pages to TaskMap graphs, filtered, augmented, searchable.

Pure library (no dagster/litestar imports): WARC, Common Crawl index and saved-page ingest
(`warc`, `ccindex`, `pages`), page parsers (`parsers`), TaskMap protobufs (`proto`, `stream`),
filters, augmenters and the search index (`index`).
"""
