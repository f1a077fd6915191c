"""The CLI skips Pydantic's plugin discovery (a scan of every installed distribution's entry points, 0.1-0.2 s of a
`bill`), unless the user exports PYDANTIC_DISABLE_PLUGINS themselves. A real plugin is registered through a
dist-info directory on PYTHONPATH; loading it leaves a marker file, so the test sees whether Pydantic looked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import ROOT
from helpers.cli import run_cli_process

PLUGIN = '''
import os, pathlib
pathlib.Path(os.environ["MARKER"]).write_text("loaded")

class Plugin:
    def new_schema_validator(self, *args, **kwargs):
        return None, None, None

plugin = Plugin()
'''


def _plugin_on_path(tmp: Path) -> Path:
    site = tmp / "site"
    (site / "marker_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "marker_plugin.py").write_text(PLUGIN)
    info = site / "marker_plugin-1.0.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: marker-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nmarker = marker_plugin:plugin\n")
    return site


@pytest.mark.parametrize(("exported", "loaded"), [(None, False), ("", True), ("__all__", False)])
def test_bill_loads_pydantic_plugins_only_when_asked(tmp_path: Path, shared_home: Path, exported: str | None,
                                                      loaded: bool) -> None:
    site = _plugin_on_path(tmp_path)
    marker = tmp_path / "marker"
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]), "MARKER": str(marker)}
    if exported is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = exported
    base = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    old = os.environ.copy()
    os.environ.clear()
    os.environ.update(base)
    try:
        r = run_cli_process(["bill", str(ROOT / "examples" / "coding-agent.toml"), "--json"], home=shared_home,
                            extra_env=env)
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert r.returncode == 0, r.stderr
    assert marker.exists() is loaded
