"""Every partitions definition of the asset graph. Assets, sensors, jobs and tests import these."""

import dagster as dg

from wikiforge.tasks.encoder import DEFAULT_ENCODER_KEY

#: One key per wiki database name (``hawiki``); added by the landing-zone sensor. The dump date
#: is the partition's data version and is recorded on every materialization.
wiki_partitions = dg.DynamicPartitionsDefinition(name="wiki")

#: Dump dates (``20190101``) of the Wikidata JSON dump; the QRank ranking is keyed by it.
wikidata_dump_partitions = dg.DynamicPartitionsDefinition(name="wikidata_dump")

#: One key per crawl or saved-page batch (a directory name under crawls/).
crawl_partitions = dg.DynamicPartitionsDefinition(name="crawl")

#: Calendar months of page views; pagecounts-raw starts in December 2007.
month_partitions = dg.MonthlyPartitionsDefinition(start_date="2007-12-01", end_offset=0)

#: One key per text encoder the task index can embed with (built once, reused by every crawl):
#: today the model2vec distillation of the packaged all-MiniLM-L6-v2.
encoder_partitions = dg.StaticPartitionsDefinition([DEFAULT_ENCODER_KEY])
