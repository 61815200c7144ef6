"""taskmaps_augmented: requirements linked to steps, long steps split, images attached."""

import dagster as dg

from assets.code_version import step_version
from partitions import crawl_partitions
from resources.storage import Artifacts, StoredAsset
from wikiforge.tasks.pipeline import augment_file

TASKMAPS_FILE = "taskmaps.bin"


@dg.asset(
    partitions_def=crawl_partitions,
    group_name="tasks",
    kinds={"python", "protobuf"},
    code_version=step_version(__name__),
)
def taskmaps_augmented(taskmaps_filtered: StoredAsset) -> dg.Output[Artifacts]:
    """Filtered TaskMaps with each step's requirements listed, steps over 60 words split at
    sentence boundaries (every sentence kept, connections rewired) and page images attached to
    imageless steps by caption words; the metadata counts what each augmenter changed.
    """
    art = Artifacts()
    counts = augment_file(taskmaps_filtered.path(TASKMAPS_FILE), art.path(TASKMAPS_FILE))
    art.rows = counts.get("taskmaps", 0)
    art.stats = counts
    return dg.Output(art, metadata=counts)
