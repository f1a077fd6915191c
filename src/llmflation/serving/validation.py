"""Validation against published measurements, and the per-stack calibration of efficiency parameters.

The validation set (``serving/data/validation.csv``) holds MLPerf Inference v4.0/v4.1 LLM results and
TensorRT-LLM perf-overview max-throughput points, each with its source.

**The split (fixed, deterministic).** Points are grouped — an MLPerf system's Offline and Server results form
one group (so a system is never on both sides), each TensorRT-LLM table cell is its own group. Within each
software stack, groups are sorted by point id and alternate: 1st, 3rd, 5th … → *calibration*, 2nd, 4th … →
*test*. Calibration fits four parameters per stack (η_compute, η_memory, per-layer overhead, Server factor) by
robust least squares on log(predicted/measured), with a weak pull toward the uncalibrated defaults; the
reported
errors are on the test part only.

**Predictions.** Offline / max-throughput: the highest output tok/s over the concurrency grid and the TP
degrees that fit (or the TP the source states). Server: the highest throughput whose mean TPOT and TTFT stay
within the
p99 limits scaled by physics.TPOT_P99_RATIO / TTFT_P99_RATIO, times the stack's Server factor.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from llmflation.errors import DataError
from llmflation.serving import physics
from llmflation.serving.catalog import Profile, architectures, gpus, profiles
from llmflation.serving.model import BATCH_GRID, hw_args, tp_options
from llmflation.serving.shape import shape_of

PARAMS = ("eta_compute", "eta_memory", "kernel_us", "server_factor")
BOUNDS = {
    "eta_compute": (0.25, 0.9),
    "eta_memory": (0.5, 0.95),
    "kernel_us": (0.0, 150.0),
    "server_factor": (0.5, 1.0),
}
DEFAULTS = {"eta_compute": 0.7, "eta_memory": 0.8, "kernel_us": 20.0, "server_factor": 0.9}
PRIOR_WEIGHT = 0.05


@dataclass(frozen=True)
class Point:
    point_id: str
    suite: str
    stack: str
    arch: str
    gpu: str
    count: int
    tp: int | None
    precision: str
    kv_precision: str
    scenario: str
    isl: int
    osl: int
    max_osl: int
    ttft_limit_s: float | None
    tpot_limit_s: float | None
    measured_tok_s: float
    system: str
    source: str
    confidence: str
    note: str
    split: str = ""  # calibration | test

    @property
    def group(self) -> str:
        return self.point_id.rsplit("/", 1)[0] if self.suite.startswith("mlperf") else self.point_id


@cache
def points() -> tuple[Point, ...]:
    """The validation set with its calibration/test split assigned (see the module docstring)."""
    text = (
        resources.files("llmflation.serving").joinpath("data", "validation.csv").read_text(encoding="utf-8")
    )
    rows = list(csv.DictReader(text.splitlines()))
    problems: list[str] = []
    pts: list[Point] = []
    for i, r in enumerate(rows, start=2):
        if not r["source"] or r["confidence"] not in ("official", "archived", "derived", "estimated"):
            problems.append(f"line {i}: source/confidence missing")
        if r["arch"] not in architectures() or r["gpu"] not in gpus() or r["stack"] not in profiles():
            problems.append(f"line {i}: unknown arch, gpu or stack ({r['arch']}, {r['gpu']}, {r['stack']})")
            continue
        pts.append(
            Point(
                point_id=r["point_id"],
                suite=r["suite"],
                stack=r["stack"],
                arch=r["arch"],
                gpu=r["gpu"],
                count=int(r["count"]),
                tp=int(r["tp"]) if r["tp"] else None,
                precision=r["precision"],
                kv_precision=r["kv_precision"],
                scenario=r["scenario"],
                isl=int(r["isl"]),
                osl=int(r["osl"]),
                max_osl=int(r["max_osl"] or r["osl"]),
                ttft_limit_s=float(r["ttft_limit_s"]) if r["ttft_limit_s"] else None,
                tpot_limit_s=float(r["tpot_limit_s"]) if r["tpot_limit_s"] else None,
                measured_tok_s=float(r["measured_tok_s"]),
                system=r["system"],
                source=r["source"],
                confidence=r["confidence"],
                note=r["note"],
            )
        )
    if problems:
        raise DataError("serving/data/validation.csv", problems)
    out: list[Point] = []
    for stack in sorted({p.stack for p in pts}):
        groups = sorted({p.group for p in pts if p.stack == stack})
        side = {g: ("calibration" if n % 2 == 0 else "test") for n, g in enumerate(groups)}
        out += [replace(p, split=side[p.group]) for p in pts if p.stack == stack]
    return tuple(out)


def predict(p: Point, prof: Profile) -> float:
    """Predicted system output tokens/s for one validation point under a stack profile."""
    a = architectures()[p.arch]
    g = gpus()[p.gpu]
    s = shape_of(a)
    tps = [p.tp] if p.tp else tp_options(g, p.count)
    args = hw_args(g, p.precision, p.kv_precision, prof)
    tp_arr = np.asarray(tps, dtype=float)[:, None]
    cap, _ = physics.kv_capacity(
        s, tp=tp_arr, b_w=args["b_w"], b_kv=args["b_kv"], mem_gb=g.memory_gb, tokens=p.isl + p.max_osl
    )
    bmax = np.maximum(np.minimum(cap, prof.max_batch), 1)
    batch = np.concatenate([np.minimum(BATCH_GRID[None, :], bmax), bmax], axis=1)
    r = physics.simulate(s, tp=tp_arr, **args, batch=batch, isl=p.isl, osl=p.osl, reserve=p.isl + p.max_osl)
    ok = r["feasible"]
    factor = 1.0
    if p.scenario == "server":
        if p.tpot_limit_s:
            ok = ok & (r["tpot_s"] <= p.tpot_limit_s * physics.TPOT_P99_RATIO)
        if p.ttft_limit_s:
            ok = ok & (r["ttft_s"] <= p.ttft_limit_s * physics.TTFT_P99_RATIO)
        factor = prof.server_factor
    if not np.any(ok):
        return 0.0
    return float(np.max(np.where(ok, r["out_tok_s_gpu"], 0.0))) * p.count * factor


def _with(prof: Profile, x: dict[str, float]) -> Profile:
    return replace(prof, **x)  # type: ignore[arg-type]


def fit_stack(stack: str, pts: list[Point]) -> dict[str, float]:
    """Fit the stack's efficiency parameters on `pts` (robust least squares in log space, weak prior)."""
    from scipy.optimize import least_squares

    base = profiles()[stack]
    names = [n for n in PARAMS if n != "server_factor" or any(p.scenario == "server" for p in pts)]
    lo = np.array([BOUNDS[n][0] for n in names])
    hi = np.array([BOUNDS[n][1] for n in names])
    scale = hi - lo
    x0 = np.array([DEFAULTS[n] for n in names])

    def resid(z: np.ndarray) -> np.ndarray:
        x = lo + scale * z
        prof = _with(base, dict(zip(names, map(float, x), strict=True)))
        r = [np.log(max(predict(p, prof), 1e-9) / p.measured_tok_s) for p in pts]
        prior = PRIOR_WEIGHT * (x - x0) / scale
        return np.concatenate([np.asarray(r), prior])

    z0 = (x0 - lo) / scale
    sol = least_squares(
        resid, z0, bounds=(0.0, 1.0), loss="soft_l1", f_scale=0.1, diff_step=1e-3, max_nfev=200
    )
    x = lo + scale * sol.x
    fitted = {n: float(v) for n, v in zip(names, x, strict=True)}
    return {n: round(fitted.get(n, DEFAULTS[n]), 4) for n in PARAMS}


def calibrate() -> dict[str, dict[str, float]]:
    """Fitted parameters per stack, from the calibration part of the validation set only."""
    out = {}
    cal = [p for p in points() if p.split == "calibration"]
    for stack in sorted({p.stack for p in cal}):
        out[stack] = fit_stack(stack, [p for p in cal if p.stack == stack])
    return out


def write_profiles(fitted: dict[str, dict[str, float]], path: Path | None = None) -> Path:
    """Rewrite serving/data/profiles.csv with fitted parameters (keeps the engine limits and vendors)."""
    target = path or Path(str(resources.files("llmflation.serving").joinpath("data", "profiles.csv")))
    cal = [p for p in points() if p.split == "calibration"]
    rows = []
    for stack, prof in sorted(profiles().items()):
        f = fitted.get(stack)
        n = sum(1 for p in cal if p.stack == stack)
        rows.append(
            {
                "stack": stack,
                "vendor": prof.vendor,
                **({k: f[k] for k in PARAMS} if f else {k: getattr(prof, k) for k in PARAMS}),
                "max_batch": prof.max_batch,
                "token_budget": prof.token_budget,
                "fitted_points": n if f else 0,
                "source": "serving/data/validation.csv (calibration split)" if f else prof.source,
                "confidence": "derived" if f else prof.confidence,
                "note": (
                    f"Fitted by `llmflation selfhost validate --refit` on {n} calibration points"
                    if f
                    else prof.note
                ),
            }
        )
    with open(target, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    profiles.cache_clear()
    return target


@dataclass(frozen=True)
class ValidationRow:
    point_id: str
    split: str
    stack: str
    suite: str
    scenario: str
    arch: str
    gpu: str
    count: int
    precision: str
    isl: int
    osl: int
    measured_tok_s: float
    predicted_tok_s: float
    uncalibrated_tok_s: float
    error_pct: float
    uncalibrated_error_pct: float
    system: str
    source: str


def validate(fitted: dict[str, dict[str, float]] | None = None) -> dict[str, Any]:
    """Predicted vs measured for every point, and the held-out (test) error summary.

    `fitted` defaults to the shipped profiles.csv (themselves fitted on the calibration split only).
    """
    rows = []
    for p in points():
        prof = profiles()[p.stack]
        if fitted and p.stack in fitted:
            prof = _with(prof, fitted[p.stack])
        raw = _with(prof, dict(DEFAULTS))
        pred = predict(p, prof)
        unc = predict(p, raw)
        rows.append(
            ValidationRow(
                point_id=p.point_id,
                split=p.split,
                stack=p.stack,
                suite=p.suite,
                scenario=p.scenario,
                arch=p.arch,
                gpu=p.gpu,
                count=p.count,
                precision=p.precision,
                isl=p.isl,
                osl=p.osl,
                measured_tok_s=p.measured_tok_s,
                predicted_tok_s=round(pred, 1),
                uncalibrated_tok_s=round(unc, 1),
                error_pct=round(100 * (pred - p.measured_tok_s) / p.measured_tok_s, 2),
                uncalibrated_error_pct=round(100 * (unc - p.measured_tok_s) / p.measured_tok_s, 2),
                system=p.system,
                source=p.source,
            )
        )
    return {"points": rows, "summary": summarise(rows)}


def _med(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 2) if xs else None


def summarise(rows: list[ValidationRow]) -> dict[str, Any]:
    test = [r for r in rows if r.split == "test"]
    off = [abs(r.error_pct) for r in test if r.scenario == "offline"]
    srv = [abs(r.error_pct) for r in test if r.scenario == "server"]
    worst = max(test, key=lambda r: abs(r.error_pct)) if test else None
    by_stack = {}
    for stack in sorted({r.stack for r in rows}):
        t = [abs(r.error_pct) for r in test if r.stack == stack]
        c = [abs(r.error_pct) for r in rows if r.stack == stack and r.split == "calibration"]
        by_stack[stack] = {
            "test_points": len(t),
            "test_median_abs_error_pct": _med(t),
            "calibration_points": len(c),
            "calibration_median_abs_error_pct": _med(c),
        }
    return {
        "test_points": len(test),
        "calibration_points": len(rows) - len(test),
        "offline_median_abs_error_pct": _med(off),
        "server_median_abs_error_pct": _med(srv),
        "max_abs_error_pct": round(abs(worst.error_pct), 2) if worst else None,
        "worst_point": worst.point_id if worst else None,
        "uncalibrated_offline_median_abs_error_pct": _med(
            [abs(r.uncalibrated_error_pct) for r in test if r.scenario == "offline"]
        ),
        "uncalibrated_server_median_abs_error_pct": _med(
            [abs(r.uncalibrated_error_pct) for r in test if r.scenario == "server"]
        ),
        "targets": {
            "offline_median_abs_error_pct": 15.0,
            "server_median_abs_error_pct": 20.0,
            "max_abs_error_pct": 40.0,
        },
        "by_stack": by_stack,
    }
