"""Render Vega-Lite specs with vl-convert (no browser): PNG, SVG, and the inlined JavaScript bundle.

The Vega/Vega-Lite/vega-embed JavaScript inlined into the HTML is the bundle the web dashboard ships (made from
vl-convert-python's `javascript_bundle()`), so the report works offline with nothing to build.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from llmflation.charts.theme import VL_VERSION
from llmflation.errors import InputError

__all__ = [
    "VL_VERSION",
    "ChartRenderer",
    "js_bundle",
    "standalone_html",
    "to_png",
    "to_svg",
    "to_svg_and_png",
    "write_chart",
]

PNG_SCALE = 1.5


def js_bundle() -> str:
    """The self-contained vega + vega-lite + vega-embed bundle (globals vegaEmbed, vegaLite, vega).

    It is the same file the web dashboard serves (`llmflation/web/static/vega-bundle.min.js`, produced from the
    installed vl-convert-python; see that folder's README), so the report and the dashboard draw charts with one
    library version and the report needs no network and no bundle build.
    """
    from importlib import resources

    return (resources.files("llmflation.web") / "static" / "vega-bundle.min.js").read_text(encoding="utf-8")


def to_svg_and_png(spec: dict[str, Any], svg_path: Path, png_path: Path, *, scale: float = PNG_SCALE) -> list[Path]:
    """Render once to SVG and rasterise that SVG to PNG (about 40% faster than two Vega renders)."""
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)
    svg_path.write_text(svg, encoding="utf-8")
    png_path.write_bytes(vlc.svg_to_png(svg, scale=scale))
    return [png_path, svg_path]


CACHE_KEEP = 96  # rendered charts kept in the cache (about 10 reports' worth); the oldest go first


def chart_key(spec: dict[str, Any], scale: float = PNG_SCALE) -> str:
    """What a rendering depends on: the spec, the Vega-Lite version, vl-convert's version and the PNG scale."""
    import hashlib
    from importlib.metadata import version

    try:
        vlc_version = version("vl-convert-python")
    except Exception:  # not installed as a distribution
        vlc_version = "unknown"
    text = json.dumps([spec, VL_VERSION, vlc_version, scale], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ChartRenderer:
    """Renders Vega-Lite specs to SVG + PNG, in worker processes and through a cache.

    Started before the report is computed: each worker imports vl-convert and warms its JavaScript engine (about a
    second) while the parent process computes, then the charts are shared between the workers and render while
    the parent writes the HTML (vl-convert holds the GIL, so a thread would not overlap). The report uses one
    worker: on a busy two-core machine a second only added a second warm-up. A chart whose spec, library
    versions and scale were rendered before is copied from the cache (`$LLMFLATION_HOME/cache/charts`) instead.
    If a worker cannot start or fails, its charts render in this process (an error then surfaces as before).
    """

    def __init__(self, workers: int = 2, cache: Path | None = None) -> None:
        self.cache = cache
        self.procs: list[subprocess.Popen[str]] = []
        self.used: set[int] = set()  # workers that were given a chart (the others are stopped, not awaited)
        import llmflation

        root = str(Path(llmflation.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        for _ in range(max(0, workers)):
            try:
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, "-c", "from llmflation.report.render import worker_main; worker_main()"],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        text=True,
                        env=env,
                    )
                )
            except OSError:
                break

    def render(self, jobs: list[tuple[str, dict[str, Any], Path, Path]]) -> dict[str, list[Path]]:
        """(name, spec, svg path, png path) → {name: [png, svg]}; the largest charts go first."""
        import queue
        import shutil
        import threading

        out: dict[str, list[Path]] = {}
        todo: queue.Queue[tuple[str, dict[str, Any], Path, Path, str]] = queue.Queue()
        for name, spec, svg, png in sorted(jobs, key=lambda j: -len(json.dumps(j[1]))):
            key = chart_key(spec)
            hit = self._cached(key)
            if hit is not None:
                shutil.copyfile(hit[0], svg)
                shutil.copyfile(hit[1], png)
                out[name] = [png, svg]
            else:
                todo.put((name, spec, svg, png, key))
        failed: list[BaseException] = []

        def drain(proc: subprocess.Popen[str] | None) -> None:
            if proc is not None and not todo.empty():
                self.used.add(proc.pid)
            while True:
                try:
                    name, spec, svg, png, key = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    if proc is None or not _ask(proc, spec, svg, png):
                        to_svg_and_png(spec, svg, png)
                        proc = None  # a worker that failed once is not asked again
                    out[name] = [png, svg]
                    self._store(key, svg, png)
                except BaseException as exc:  # re-raised in the caller's thread below
                    failed.append(exc)
                    return

        threads = [threading.Thread(target=drain, args=(p,)) for p in self.procs] or [
            threading.Thread(target=drain, args=(None,))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failed:
            raise failed[0]
        drain(None)  # anything a dead worker left behind
        if failed:
            raise failed[0]
        return out

    def _cached(self, key: str) -> tuple[Path, Path] | None:
        if self.cache is None:
            return None
        svg, png = self.cache / f"{key}.svg", self.cache / f"{key}.png"
        return (svg, png) if svg.is_file() and png.is_file() else None

    def _store(self, key: str, svg: Path, png: Path) -> None:
        if self.cache is None:
            return
        import shutil

        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            # PNG first, SVG last: a chart counts as cached only when both files are complete
            for src, ext in ((png, ".png"), (svg, ".svg")):
                tmp = self.cache / f"{key}{ext}.tmp{os.getpid()}"
                shutil.copyfile(src, tmp)
                tmp.replace(self.cache / f"{key}{ext}")
            files = sorted(self.cache.glob("*.svg"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in files[CACHE_KEEP:]:
                old.unlink(missing_ok=True)
                old.with_suffix(".png").unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs time

    def close(self) -> None:
        for p in self.procs:
            try:
                if p.pid not in self.used:
                    p.kill()  # only warming up (every chart came from the cache, or the build failed)
                if p.stdin is not None:
                    p.stdin.close()
                p.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                p.kill()
                p.wait()
            finally:
                if p.stdout is not None:
                    p.stdout.close()
        self.procs = []

    def __enter__(self) -> ChartRenderer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _ask(proc: subprocess.Popen[str], spec: dict[str, Any], svg: Path, png: Path) -> bool:
    """One chart by one worker; False when the worker is gone or could not render it."""
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"spec": spec, "svg": str(svg), "png": str(png)}) + "\n")
        proc.stdin.flush()
        answer = proc.stdout.readline()
    except (OSError, ValueError):
        return False
    return answer.strip() == "ok"


def worker_main(stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> None:
    """A rendering worker: warm up, then one JSON request per line in, "ok" or "error: …" per line out."""
    import vl_convert as vlc

    src, dst = stdin or sys.stdin, stdout or sys.stdout
    warm = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "mark": "point",
            "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    vlc.svg_to_png(vlc.vegalite_to_svg(warm, vl_version=VL_VERSION), scale=PNG_SCALE)
    for line in src:
        try:
            req = json.loads(line)
            to_svg_and_png(req["spec"], Path(req["svg"]), Path(req["png"]))
            dst.write("ok\n")
        except Exception as exc:  # the parent re-renders in process and raises there
            dst.write(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}\n")
        dst.flush()


def to_png(spec: dict[str, Any], path: Path, *, scale: float = 2.0) -> Path:
    import vl_convert as vlc

    path.write_bytes(vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=scale))
    return path


def to_svg(spec: dict[str, Any], path: Path) -> Path:
    import vl_convert as vlc

    path.write_text(vlc.vegalite_to_svg(spec, vl_version=VL_VERSION), encoding="utf-8")
    return path


def inline_script(text: str) -> str:
    """Make text safe inside <script>…</script>: "</script" cannot appear ("<\\/script" means the same in JS
    strings and regexes, the only places it can occur)."""
    import re

    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def standalone_html(spec: dict[str, Any], title: str = "llmflation chart") -> str:
    """One chart as a self-contained HTML page (JavaScript inlined, works offline)."""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title>"
        f"<script>{inline_script(js_bundle())}</script></head><body><div id='c'></div><script>"
        f"vegaEmbed('#c', {inline_script(json.dumps(spec))}, "
        "{actions: {export: true, source: false, compiled: false, editor: false}});</script></body></html>"
    )


def write_chart(spec: dict[str, Any], path: str | Path) -> Path:
    """Write a chart by file extension: .png, .svg, .html or .json (the Vega-Lite spec)."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in (".png", ".svg", ".html", ".json"):
        raise InputError(f"chart file {p}: use a .png, .svg, .html or .json extension")
    p.parent.mkdir(parents=True, exist_ok=True)
    if ext == ".png":
        return to_png(spec, p)
    if ext == ".svg":
        return to_svg(spec, p)
    if ext == ".json":
        p.write_text(json.dumps(spec, indent=2), encoding="utf-8")
        return p
    p.write_text(standalone_html(spec), encoding="utf-8")
    return p
