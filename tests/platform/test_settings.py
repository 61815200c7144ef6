"""The settings object: every WIKIFORGE_* variable is one of its fields, parsed once, used."""

import re
from dataclasses import fields
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from wikiforge.settings import Settings, SettingsError, describe, env_name
from wikiforge.storage import DataRoot, describe_files, write_parquet

REPO = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bWIKIFORGE_[A-Z0-9_]*[A-Z0-9]\b")
SCANNED = {".py", ".sh", ".md", ".toml", ".yaml", ".yml", ".cfg", ".ini", ".txt"}
SKIPPED = {".git", ".venv", "node_modules", "__pycache__", ".cache", "out", "data"}
#: Where the settings are used (the library takes their values as parameters).
CONSUMERS = ["cli", "resources", "serving", "assets", "definitions.py"]
FIELDS = [spec.name for spec in fields(Settings)]


def _repo_files():
    for path in REPO.rglob("*"):
        parts = set(path.relative_to(REPO).parts)
        if (
            path.is_file()
            and not parts & SKIPPED
            and (path.suffix in SCANNED or path.name == "run")
        ):
            yield path


def test_every_wikiforge_variable_in_the_repo_is_a_setting():
    known = {env_name(name) for name in FIELDS}
    found: dict[str, set[str]] = {}
    for path in _repo_files():
        for name in NAME.findall(path.read_text(errors="replace")):
            found.setdefault(name, set()).add(str(path.relative_to(REPO)))
    unknown = {name: sorted(where) for name, where in found.items() if name not in known}
    assert not unknown, f"not a field of wikiforge.settings.Settings: {unknown}"


def test_every_setting_is_used_outside_the_settings_module():
    text = ""
    for consumer in CONSUMERS:
        root = REPO / consumer
        paths = [root] if root.is_file() else sorted(root.rglob("*.py"))
        text += "".join(p.read_text() for p in paths)
    # `data` is read through its `data_root` / `data_is_remote` properties.
    unused = [name for name in FIELDS if not re.search(rf"\.{name}(\b|_)", text)]
    assert not unused, f"settings no code reads: {unused}"


def test_the_readme_settings_table_lists_exactly_the_settings():
    readme = (REPO / "README.md").read_text()
    listed = set(re.findall(r"^\| `(WIKIFORGE_[A-Z0-9_]+)`", readme, flags=re.M))
    assert listed == {variable for variable, _, _ in describe()}


def test_defaults_without_any_variable():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.data == "data" and settings.engine == "local"
    assert settings.heavy_concurrency is None and settings.links_max_wikitext_chars == 2 << 20
    assert settings.cache == Path.home() / ".cache" / "wikiforge"
    assert [row[0] for row in describe()] == [env_name(name) for name in FIELDS]
    assert all(default and meaning for _, default, meaning in describe())


def test_each_variable_sets_its_field():
    env = {
        "WIKIFORGE_DATA": "s3://bucket/wf/",
        "WIKIFORGE_DUMPS": "/mnt/dumps",
        "WIKIFORGE_CRAWLS": "~/crawls",
        "WIKIFORGE_ENGINE": "Spark",
        "WIKIFORGE_SPARK_MASTER": "spark://m:7077",
        "WIKIFORGE_CACHE": "/var/cache/wf",
        "WIKIFORGE_TASK_ENCODER": "minilm",
        "WIKIFORGE_CC_BASE_URL": "http://127.0.0.1:9/",
        "WIKIFORGE_USE_DAGSTER_HOME": "1",
        "WIKIFORGE_LINKS_MAX_WIKITEXT_CHARS": "1000",
        "WIKIFORGE_HEAVY_CONCURRENCY": "0",
        "WIKIFORGE_WARMUP": "off",
        "UNRELATED": "x",
    }
    settings = Settings.from_env(env)
    assert settings.data_is_remote and settings.data_root == "s3://bucket/wf"
    assert settings.dumps == Path("/mnt/dumps") and settings.crawls == Path.home() / "crawls"
    assert settings.engine == "spark" and settings.spark_master == "spark://m:7077"
    assert settings.cache == Path("/var/cache/wf") and settings.task_encoder == "minilm"
    assert settings.cc_base_url == "http://127.0.0.1:9/" and settings.use_dagster_home
    assert settings.links_max_wikitext_chars == 1000 and settings.heavy_concurrency == 0
    assert settings.warmup is False


def test_an_empty_variable_is_unset_and_a_local_root_is_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"WIKIFORGE_DATA": " ", "WIKIFORGE_HEAVY_CONCURRENCY": ""})
    assert settings.heavy_concurrency is None and not settings.data_is_remote
    assert settings.data_root == str(tmp_path / "data")
    assert Settings(data="file:///srv/wf").data_root == "/srv/wf"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WIKIFORGE_ENGINE", "flink"),
        ("WIKIFORGE_TASK_ENCODER", "bert"),
        ("WIKIFORGE_HEAVY_CONCURRENCY", "many"),
        ("WIKIFORGE_HEAVY_CONCURRENCY", "-1"),
        ("WIKIFORGE_LINKS_MAX_WIKITEXT_CHARS", "2MB"),
        ("WIKIFORGE_USE_DAGSTER_HOME", "maybe"),
    ],
)
def test_a_malformed_value_names_its_variable(variable, value):
    with pytest.raises(SettingsError, match=rf"^{variable}='{value}': expected"):
        Settings.from_env({variable: value})


def test_the_cli_reports_a_malformed_variable_as_a_usage_error(monkeypatch):
    from cli import main

    monkeypatch.setenv("WIKIFORGE_ENGINE", "flink")
    result = CliRunner().invoke(main, ["qrank", "rank", "Q42"])
    assert result.exit_code == 2 and "WIKIFORGE_ENGINE='flink'" in result.output


def _publish_numbers(root: Path) -> None:
    data = DataRoot(root)
    schema = pa.schema([("n", pa.int64())])
    staged = data.staging()
    write_parquet(staged, pa.table({"n": [1]}, schema=schema), schema, what="numbers")
    data.publish("numbers", "p", staged, {"files": describe_files(staged), "rows": 1})


def test_the_server_and_the_cli_honour_wikiforge_data_and_data_overrides_it(tmp_path, monkeypatch):
    from cli import main
    from serving.app import create_app

    env_root, option_root = tmp_path / "env", tmp_path / "option"
    _publish_numbers(env_root)
    monkeypatch.setenv("WIKIFORGE_DATA", str(env_root))
    with TestClient(app=create_app()) as client:
        assert [d["asset"] for d in client.get("/v1/datasets").json()["datasets"]] == ["numbers"]
        health = client.get("/healthz").json()
        assert health["status"] == "ok" and str(tmp_path) not in str(health)
    with TestClient(app=create_app(option_root)) as client:
        assert client.get("/v1/datasets").json()["datasets"] == []
    runner = CliRunner()
    for command in (["qrank", "rank", "Q42"], ["images", "coverage"]):
        from_env = runner.invoke(main, command)
        assert from_env.exit_code == 1
        overridden = runner.invoke(main, [*command, "--data", str(option_root)])
        assert overridden.exit_code == 1
    assert str(env_root) in runner.invoke(main, ["images", "coverage"]).output
    overridden = runner.invoke(main, ["images", "coverage", "--data", str(option_root)])
    assert str(option_root) in overridden.output
    for command in ("demo", "materialize", "serve", "query"):
        assert "$WIKIFORGE_DATA" in runner.invoke(main, [command, "--help"]).output


def test_the_task_encoder_setting_is_the_crawl_runs_default_config():
    from cli.runner import run_config_for
    from definitions import build_defs

    def run_config(settings):
        job = build_defs(settings=settings).resolve_job_def("crawl_job")
        return run_config_for(job, "cc-2020")

    assert run_config(Settings())["ops"]["task_index"]["config"] == {"encoder": "model2vec"}
    minilm = run_config(Settings(task_encoder="minilm"))
    assert minilm["ops"]["task_index"]["config"] == {"encoder": "minilm"}
    assert minilm["loggers"]["console"]["config"]["log_level"] == "WARNING"


def test_step_memory_limits_live_in_the_engine_config():
    from resources.engine import Engine

    engine = Engine(kind="local")
    assert engine.memory_limit("links") == "128MB"
    assert engine.memory_limit("some_other_step") == engine.duckdb_memory_limit == "2GB"
    tuned = Engine(kind="local", duckdb_memory_limit="1GB", step_memory_limits={"links": "64MB"})
    assert tuned.memory_limit("links") == "64MB" and tuned.memory_limit("sentences") == "1GB"


def test_the_settings_command_prints_values_and_the_table(monkeypatch):
    from cli import main

    monkeypatch.setenv("WIKIFORGE_HEAVY_CONCURRENCY", "3")
    shown = CliRunner().invoke(main, ["settings"])
    assert shown.exit_code == 0
    lines = {line.split()[0]: line for line in shown.output.splitlines()}
    assert set(lines) == {variable for variable, _, _ in describe()}
    assert lines["WIKIFORGE_HEAVY_CONCURRENCY"].split()[1] == "3"
    assert "environment" in lines["WIKIFORGE_HEAVY_CONCURRENCY"]
    assert "environment" not in lines["WIKIFORGE_ENGINE"]
    table = CliRunner().invoke(main, ["settings", "--markdown"]).output
    assert table.count("| `WIKIFORGE_") == len(FIELDS)
