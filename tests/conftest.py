from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.cli import run_cli, run_cli_process
from helpers.ledger_data import fixture_texts

__all__ = ["fixture_texts", "run_cli", "run_cli_process"]

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"

# Every test process talks to loopback only, and never to the user's real data directory.
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def _hypothesis_profiles() -> str:
    """Property and schema tests (Hypothesis, Schemathesis) explore freely on a developer's machine and run a
    fixed, derandomized set of examples in CI (CI=true, as `.ci/run` sets), so a red or green run never depends
    on chance. A failure found by exploration is pinned as an explicit @example. HYPOTHESIS_PROFILE overrides."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
    settings.register_profile("dev", print_blob=True)
    on_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    name = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if on_ci else "dev")
    settings.load_profile(name)
    return name


HYPOTHESIS_PROFILE = _hypothesis_profiles()


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {HYPOTHESIS_PROFILE} (CI=true selects the derandomized 'ci' profile)"


# `.ci/run` runs the suite on both cores: `pytest -n 2 --dist loadgroup` (pytest-xdist). Tests carrying one of these
# marks run on one worker, one after another: one Spark JVM per run instead of one per worker, one Chromium at a
# time, and tests that time a real process (a held lock, SIGKILL, a timeout) never overlap each other.
XDIST_GROUPS = ("spark", "browser", "timed")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _own_node_ids(items)
    if not getattr(config.option, "loadgroup", False):  # set on xdist's workers under --dist loadgroup
        return
    for item in items:
        group = next((name for name in XDIST_GROUPS if item.get_closest_marker(name)), None)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
        names = {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                 for m in item.iter_markers("xdist_group")}
        if names:
            # What xdist's own hook does (the group after '@' is the scheduling unit); on pytest 9.2 its write to
            # the legacy `_nodeid` no longer reaches the id (pytest-dev/pytest-xdist#1386), so groups would be
            # silently ignored. Once xdist writes the id itself, the suffix is doubled and the group is the same.
            _set_node_id(item, f"{item.nodeid}@{'_'.join(sorted(names))}")


def _own_node_ids(items: list[pytest.Item]) -> None:
    """Every test gets its own node id. pytest 9.2 builds an item's id from its function name and parametrization;
    Schemathesis' items (one per API operation) carry no parametrization, so all operations of a test share one id,
    and xdist's scope schedulers (loadgroup, loadscope, loadfile) key work by id: they would run one operation per
    test. Such items get their full name (`test_x[GET /api/models]`); any id still shared stops the run here."""
    from collections import Counter

    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None and item.name != item.nodeid.rsplit("::", 1)[-1]:
            _set_node_id(item, f"{item.parent.nodeid}::{item.name}")
    shared = sorted(n for n, c in Counter(item.nodeid for item in items).items() if c > 1)
    if shared:
        raise pytest.UsageError(f"tests share a node id (pytest-xdist would run only one of each): {shared[:5]}")


def _set_node_id(item: pytest.Item, nodeid: str) -> None:
    if hasattr(item, "_id"):  # pytest >= 9.2: a structured id (path, names); the whole tail stays in the names
        from _pytest.nodeid import NodeId

        path, _, rest = nodeid.partition("::")
        head, bracket, tail = rest.partition("[")
        names = head.split("::")
        names[-1] += bracket + tail
        item._id = NodeId(path=path, names=tuple(names))
    else:
        item._nodeid = nodeid  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory, store_template: Path) -> Path:
    """One store built from the bundled data, shared by read-only tests."""
    home = tmp_path_factory.mktemp("llmflation-home")
    os.environ["LLMFLATION_HOME"] = str(home)
    shutil.copyfile(store_template, home / "ledger.duckdb")
    return home


@pytest.fixture
def ledger(shared_home: Path):
    from llmflation.ledger.ledger import open_ledger

    return open_ledger(shared_home / "ledger.duckdb")


@pytest.fixture
def writable_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_template: Path):
    """A private copy of the store built from the bundled data, opened as a ledger (imports write to it), with the
    network allowed (tests point it at a loopback server)."""
    from llmflation.ledger.ledger import open_ledger

    monkeypatch.setenv("LLMFLATION_HOME", str(tmp_path))
    monkeypatch.delenv("LLMFLATION_OFFLINE", raising=False)
    shutil.copyfile(store_template, tmp_path / "ledger.duckdb")
    return open_ledger(tmp_path / "ledger.duckdb")


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty data directory for tests that write to the store."""
    monkeypatch.setenv("LLMFLATION_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store exactly as first use builds it from the bundled data, built once per run and never written to: under
    pytest-xdist the first worker builds it in the run's base directory (under a lock) and the others wait for it."""
    import fcntl

    from llmflation.ledger.store import Store

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # each worker's base directory lies in the run's
    path = root / "store-template" / "ledger.duckdb"
    with (root / "store-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            building = path.with_name("building.duckdb")  # a failed build leaves no template behind
            building.unlink(missing_ok=True)
            Store(building).ensure_current()
            building.rename(path)
    return path


@pytest.fixture
def store_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_template: Path) -> Path:
    """A private data directory holding its own copy of a freshly built store: for tests that write to the store
    but are not about building it (fresh_home is the empty directory, for those that are)."""
    import shutil

    monkeypatch.setenv("LLMFLATION_HOME", str(tmp_path))
    shutil.copyfile(store_template, tmp_path / "ledger.duckdb")
    return tmp_path


@pytest.fixture
def cli(shared_home: Path):
    """`cli("price", "gpt-4o")`: the CLI in-process on the shared store (see helpers.cli)."""
    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, home=shared_home)

    return _run


@pytest.fixture
def cli_process(shared_home: Path):
    """The real entry point in a subprocess, for tests that need a real process (start-up, signals)."""
    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli_process(args, home=shared_home)

    return _run


@pytest.fixture(scope="session")
def spark_engine() -> str:
    """The engine spec for tests of the Spark path (real local PySpark, bound to loopback); skipped without PySpark
    or Java 17."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java 17 is needed for the Spark engine")
    return "spark"
