"""The data root: atomic publish, schema checks, old versions readable until replaced."""

import json

import pyarrow as pa
import pytest

from wikiforge.storage import POINTER, DataRoot, SchemaMismatch, write_parquet

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


def _publish(root: DataRoot, rows: list[tuple[int, str]], partition: str = "p1"):
    staged = root.staging()
    table = pa.table({"id": [r[0] for r in rows], "name": [r[1] for r in rows]}, schema=SCHEMA)
    count = write_parquet(staged, table, SCHEMA, what="t")
    from wikiforge.storage import describe_files

    return root.publish(
        "things", partition, staged, {"rows": count, "files": describe_files(staged)}
    )


def test_publish_then_read_back(tmp_path):
    root = DataRoot(tmp_path)
    stored = _publish(root, [(1, "a"), (2, "b")])
    current = root.current("things", "p1")
    assert current.version == stored.version
    assert current.table().to_pylist() == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert current.rows == 2
    assert root.partitions("things") == ["p1"]
    assert root.assets() == ["things"]


def test_newest_is_the_latest_date_key_that_is_published(tmp_path):
    root = DataRoot(tmp_path)
    assert root.newest("things") is None
    _publish(root, [(1, "a")], partition="20190101")
    newer = _publish(root, [(2, "b")], partition="20200101")
    (tmp_path / "things" / "20210101").mkdir()  # a partition being written: no pointer yet
    key, stored = root.newest("things")
    assert key == "20200101" and stored.version == newer.version


def test_new_version_replaces_pointer_and_old_stays_readable(tmp_path):
    root = DataRoot(tmp_path)
    first = _publish(root, [(1, "a")])
    second = _publish(root, [(1, "a"), (2, "b")])
    assert root.current("things", "p1").version == second.version
    # A reader that resolved the first version before the switch can still read it.
    assert first.table().num_rows == 1


def test_only_two_versions_are_kept(tmp_path):
    root = DataRoot(tmp_path)
    for n in range(4):
        _publish(root, [(n, "x")])
    versions = [p for p in (tmp_path / "things" / "p1").iterdir() if p.is_dir()]
    assert len(versions) == 2


def test_same_rows_give_byte_identical_files(tmp_path):
    root = DataRoot(tmp_path)
    a = _publish(root, [(1, "a"), (2, "b")], "x")
    b = _publish(root, [(1, "a"), (2, "b")], "y")
    assert a.files == b.files and a.checksum == b.checksum


def test_schema_mismatch_names_the_column(tmp_path):
    bad = pa.table({"id": pa.array([1], pa.int32()), "name": ["a"]})
    with pytest.raises(SchemaMismatch, match="'id' has type int32, declared int64"):
        write_parquet(tmp_path, bad, SCHEMA, what="things[p1]")


def test_pointer_is_the_only_way_in(tmp_path):
    root = DataRoot(tmp_path)
    assert root.current("things", "p1") is None
    stored = _publish(root, [(1, "a")])
    pointer = json.loads((tmp_path / "things" / "p1" / POINTER).read_text())
    assert pointer["version"] == stored.version
    with pytest.raises(FileNotFoundError):
        stored.path("../../etc/passwd")


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "", "x\0y"])
def test_partition_names_cannot_escape_the_root(tmp_path, bad):
    with pytest.raises(ValueError):
        DataRoot(tmp_path).partition_dir("things", bad)
