"""Extension points: the example reader plugin in examples/ is discovered through its entry point for real
(a .dist-info with the entry_points.txt its pyproject declares, on the path of a real `llmflation` process), and
an engine plugin is discovered the same way."""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run_cli
from llmflation.usage import readers

EXAMPLE = ROOT / "examples" / "llmflation-tinylog"


def install_like_pip(project: Path, target: Path) -> None:
    """What `pip install --no-deps --target TARGET PROJECT` leaves for a one-module project: the module and a
    .dist-info whose entry_points.txt is written from the project's own pyproject.toml."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    for module in tomllib.loads((project / "pyproject.toml").read_text())["tool"]["setuptools"]["py-modules"]:
        shutil.copy(project / f"{module}.py", target / f"{module}.py")
    dist = target / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n")
    lines = []
    for group, eps in meta["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in eps.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def plugin_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    target = tmp_path / "site"
    target.mkdir()
    install_like_pip(EXAMPLE, target)
    monkeypatch.syspath_prepend(str(target))
    monkeypatch.setattr(readers, "_REGISTRY", {})
    monkeypatch.setattr(readers, "_LOADED", False)
    yield target
    sys.modules.pop("llmflation_tinylog", None)


TINYLOG = [
    {"at": "2024-12-24T10:00:00Z", "llm": "gpt-4o", "tokens_in": 1200, "cached_in": 200, "tokens_out": 80,
     "call": "c-1"},
    {"at": "2024-12-24T11:00:00Z", "llm": "gpt-4o", "tokens_in": 10, "cached_in": 20, "tokens_out": 1, "call": "c-2"},
    {"at": "2024-12-24T12:00:00Z", "llm": "gpt-4o-mini", "tokens_in": 500, "tokens_out": 50, "call": "c-3"},
]


def test_example_reader_plugin_is_discovered_in_process(plugin_path: Path, tmp_path: Path) -> None:
    assert "tinylog" in readers.formats()
    assert "tinylog" not in readers.BUILTIN_FORMATS
    log = tmp_path / "calls.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in TINYLOG))
    fmt, items = readers.read(log)
    got = list(items)
    assert fmt == "tinylog"
    ok = [i for i in got if hasattr(i, "cache_read")]
    assert [(i.input_uncached, i.cache_read, i.output_text) for i in ok] == [(1000, 200, 80), (500, 0, 50)]
    bad = [i for i in got if not hasattr(i, "cache_read")]
    assert len(bad) == 1 and bad[0].field == "tokens_in" and "exceed" in bad[0].reason


def test_example_reader_plugin_ingests_through_the_real_cli(plugin_path: Path, shared_home: Path,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "ledger.duckdb").write_bytes((shared_home / "ledger.duckdb").read_bytes())
    log = tmp_path / "calls.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in TINYLOG))
    monkeypatch.setenv("PYTHONPATH", f"{plugin_path}:{ROOT / 'src'}")
    listed = run_cli("usage", "formats", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    plugin = [f for f in json.loads(listed.stdout) if f["format"] == "tinylog"]
    assert plugin and plugin[0]["origin"] == "plugin"
    res = run_cli("usage", "ingest", "--json", str(log), home=home)
    assert res.returncode == 0, res.stderr
    f = json.loads(res.stdout)["files"][0]
    assert (f["format"], f["accepted"], f["quarantined"]) == ("tinylog", 2, 1)
    spend = run_cli("usage", "spend", "--json", home=home)
    assert spend.returncode == 0 and json.loads(spend.stdout)["total"]["requests"] == 2


ENGINE_MODULE = '''
import ibis

from llmflation.usage.pricing import Engine


def open_memduck(spec, source):
    """A toy engine: the usage rows copied into an in-memory DuckDB."""
    from llmflation.usage.store import UsageStore

    con = ibis.duckdb.connect()
    if isinstance(source, UsageStore):
        raw = source.connect()
        try:
            table = ibis.duckdb.from_connection(raw).table("usage").to_pyarrow()
        finally:
            raw.close()
        usage = con.create_table("usage", table)
    else:
        usage = con.read_parquet(str(source))
    return Engine("memduck", con, usage)
'''


def test_engine_plugin_is_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ledger: Any) -> None:
    from llmflation.usage.analytics import spend
    from llmflation.usage.store import UsageStore

    target = tmp_path / "site"
    target.mkdir()
    (target / "memduck_engine.py").write_text(ENGINE_MODULE)
    dist = target / "memduck_engine-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: memduck-engine\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[llmflation.engines]\nmemduck = memduck_engine:open_memduck\n")
    monkeypatch.syspath_prepend(str(target))
    log = tmp_path / "a.jsonl"
    log.write_text(json.dumps({"id": "c1", "object": "chat.completion", "created": 1735000000, "model": "gpt-4o",
                               "usage": {"prompt_tokens": 1000, "completion_tokens": 100}}) + "\n")
    store = UsageStore(tmp_path / "usage.duckdb")
    store.ingest([log], ledger)
    by_plugin = spend(store, ledger, by="model", engine="memduck")
    by_duckdb = spend(store, ledger, by="model", engine="duckdb")
    assert by_plugin.total.cost_usd == by_duckdb.total.cost_usd > 0
    sys.modules.pop("memduck_engine", None)
