"""`llmflation selfhost …`: what a token costs on your own GPUs.

Commands: estimate, search, validate, compare, drivers, gpus.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer

from llmflation import format as fmt
from llmflation.cli.options import parse_date, usage_errors
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, table
from llmflation.shapes import estimate_record
from llmflation.values import LIMITS

if TYPE_CHECKING:
    from llmflation.serving.model import Estimate

JSON = typer.Option(False, "--json", help="Print JSON to stdout.")
CSV = typer.Option(False, "--csv", help="Print CSV to stdout.")

app = typer.Typer(
    help="Self-hosting cost model: what a token costs on your own GPUs, validated against "
    "published MLPerf / TensorRT-LLM measurements.",
    no_args_is_help=True,
)

_DUR = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(ms|s)?\s*$")


def parse_duration(text: str, flag: str) -> float:
    """'2s', '50ms', '0.5' (seconds) → seconds."""
    m = _DUR.match(text)
    if not m:
        raise typer.BadParameter(f"{text!r} is not a duration; use e.g. 2s, 50ms or 0.5", param_hint=flag)
    v = float(m.group(1))
    seconds = v / 1000.0 if m.group(2) == "ms" else v
    key = flag.removeprefix("--")
    if key in LIMITS:
        with usage_errors(flag):
            LIMITS[key].parse(seconds, flag)
    return seconds


def _decimal(text: str | None, flag: str) -> Decimal | None:
    """A positive price flag (USD per GPU-hour), bounded by llmflation.values.LIMITS."""
    if text is None:
        return None
    with usage_errors(flag):
        return LIMITS["usd_per_gpu_hour"].parse(text, flag)


def _util(text: str, flag: str = "--utilisation") -> Decimal:
    """A busy share in (0, 1]."""
    with usage_errors(flag):
        return LIMITS["utilisation"].parse(text, flag)


def _estimate_lines(e: Estimate, title: str) -> None:
    rows = [
        (
            "configuration",
            f"{e.count}x{e.gpu} (TP{e.tp} x {e.replicas} replica(s)), {e.precision} weights,"
            f" {e.kv_precision} KV, stack {e.stack}",
        ),
        ("workload", f"ISL {e.isl} / OSL {e.osl}, concurrency {e.concurrency} (max {e.max_concurrency})"),
        (
            "speculative decoding",
            f"k={e.spec_k}, α={e.spec_alpha}, {e.tokens_per_step} tokens/step" if e.spec_k else "off",
        ),
        ("output tokens/s per GPU", f"{e.tokens_per_s_per_gpu:,.1f} ({e.tokens_per_s:,.0f} total)"),
        ("input tokens/s per GPU", f"{e.input_tokens_per_s_per_gpu:,.1f}"),
        ("TTFT", f"{e.ttft_s * 1000:,.1f} ms"),
        ("TPOT", f"{e.tpot_s * 1000:,.2f} ms"),
        ("bound", e.bound),
        ("weights per GPU", f"{e.weights_gb_per_gpu} GB; KV in use {e.kv_gb_per_gpu} GB"),
        ("price", f"{fmt.money(e.usd_per_gpu_hour)}/GPU-hour ({e.price_note}); utilisation "
                  f"{fmt.percent(e.utilisation)}"),
        ("$ per 1M input tokens", fmt.money(e.usd_per_mtok_input)),
        ("$ per 1M output tokens", fmt.money(e.usd_per_mtok_output)),
        ("$ per 1M tokens (blended)", fmt.money(e.usd_per_mtok_blended)),
    ]
    typer.echo(title)
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        typer.echo(f"  {k:<{width}}  {v}")


@app.command("estimate")
def estimate_cmd(
    model: str = typer.Argument(..., help="Model: catalog id, alias or ledger id (e.g. llama-3.3-70b)."),
    gpu: str = typer.Option(
        ..., "--gpu", "-g", help="GPU type, e.g. H100, H200, B200, MI300X (see `selfhost gpus`)."
    ),
    count: int | None = typer.Option(
        None, "--count", "-n", **LIMITS["count"].min_max, help="GPUs in the deployment (default: --tp)."
    ),
    tp: int | None = typer.Option(
        None, "--tp", **LIMITS["tp"].min_max, help="Tensor-parallel degree (default: best that fits)."
    ),
    precision: str | None = typer.Option(
        None, "--precision", help="bf16 | fp8 | fp4 | w4a16 (default fp8 where supported)."
    ),
    kv_precision: str | None = typer.Option(None, "--kv-precision", help="KV cache: bf16 | fp8 | fp4."),
    isl: int = typer.Option(1024, "--isl", **LIMITS["isl"].min_max, help="Input tokens per request."),
    osl: int = typer.Option(256, "--osl", **LIMITS["osl"].min_max, help="Output tokens per request."),
    concurrency: int | None = typer.Option(
        None, "--concurrency", "-c", **LIMITS["concurrency"].min_max,
            help="Concurrent requests (default: maximum-throughput point)."
    ),
    spec_k: int = typer.Option(
        0, "--spec-k", **LIMITS["spec_k"].min_max, help="Speculative draft tokens per step (0 = off)."
    ),
    spec_alpha: float = typer.Option(0.7, "--spec-alpha", **LIMITS["spec_alpha"].min_max,
        help="Draft acceptance rate."),
    usd_per_gpu_hour: str | None = typer.Option(
        None, "--usd-per-gpu-hour", help="Your price (default: catalog)."
    ),
    price_tier: str = typer.Option(
        "neocloud", "--price-tier", help="neocloud | hyperscaler | reserved | tco."
    ),
    price_at: str | None = typer.Option(
        None, "--price-at", help="Use the catalog price in effect on this date."
    ),
    utilisation: str = typer.Option("1", "--utilisation", "-u", help="Busy share of paid GPU-hours, (0, 1]."),
    stack: str | None = typer.Option(None, "--stack", help="Efficiency profile (see `selfhost validate`)."),
    as_json: bool = JSON,
) -> None:
    """Throughput, TTFT, TPOT, max concurrency and $/M tokens of one model on one GPU configuration."""
    from llmflation.serving.catalog import profiles
    from llmflation.serving.model import estimate

    if stack is not None and stack not in profiles():
        raise typer.BadParameter(f"unknown stack; known: {', '.join(profiles())}", param_hint="--stack")
    e = estimate(
        model,
        gpu,
        count=count,
        tp=tp,
        precision=precision,
        kv_precision=kv_precision,
        isl=isl,
        osl=osl,
        concurrency=concurrency,
        spec_k=spec_k,
        spec_alpha=spec_alpha,
        usd_per_gpu_hour=_decimal(usd_per_gpu_hour, "--usd-per-gpu-hour"),
        price_tier=price_tier,
        price_at=parse_date(price_at, "--price-at"),
        utilisation=_util(utilisation),
        stack=stack,
    )
    if as_json:
        emit_json(estimate_record(e))
        return
    point = "maximum-throughput point" if concurrency is None else f"concurrency {concurrency}"
    _estimate_lines(e, f"{e.arch} on {e.count}x{e.gpu}: {point}")


@app.command("search")
def search_cmd(
    model: str = typer.Argument(..., help="Model: catalog id, alias or ledger id."),
    ttft: str = typer.Option("2s", "--ttft", help="Mean time-to-first-token target, e.g. 2s or 500ms."),
    tpot: str = typer.Option("50ms", "--tpot", help="Mean time-per-output-token target, e.g. 50ms."),
    isl: int = typer.Option(1024, "--isl", **LIMITS["isl"].min_max),
    osl: int = typer.Option(256, "--osl", **LIMITS["osl"].min_max),
    gpu: list[str] = typer.Option([], "--gpu", "-g", help="Only these GPU types (repeatable)."),
    precision: list[str] = typer.Option([], "--precision", help="Only these precisions (repeatable)."),
    no_spec: bool = typer.Option(False, "--no-spec", help="Do not consider speculative decoding."),
    spec_alpha: float = typer.Option(0.7, "--spec-alpha", **LIMITS["spec_alpha"].min_max,
        help="Draft acceptance rate."),
    rate: float | None = typer.Option(
        None,
        "--rate", **LIMITS["rate"].min_max,
        help="Required output tokens/s: minimise $/hour for a deployment that sustains it.",
    ),
    utilisation: str = typer.Option("1", "--utilisation", "-u", help="Busy share of paid GPU-hours, (0, 1]."),
    price_tier: str = typer.Option("neocloud", "--price-tier"),
    usd_per_gpu_hour: str | None = typer.Option(
        None, "--usd-per-gpu-hour", help="One price for every GPU type."
    ),
    top: int = typer.Option(5, "--top", **LIMITS["top"].min_max, help="Alternatives shown (best per other GPU type)."),
    as_json: bool = JSON,
) -> None:
    """Cheapest configuration meeting the targets.

    Searches GPU × count × TP × precision × concurrency × speculative decoding.
    """
    from llmflation.serving.search import search

    res = search(
        model,
        ttft_s=parse_duration(ttft, "--ttft"),
        tpot_s=parse_duration(tpot, "--tpot"),
        isl=isl,
        osl=osl,
        gpu=gpu or None,
        precision=precision or None,
        spec=not no_spec,
        spec_alpha=spec_alpha,
        rate=rate,
        price_tier=price_tier,
        usd_per_gpu_hour=_decimal(usd_per_gpu_hour, "--usd-per-gpu-hour"),
        utilisation=_util(utilisation),
    )
    info(
        f"{res.candidates:,} candidate configurations evaluated in {res.seconds:.3f} s"
        f" ({res.candidates / max(res.seconds, 1e-9):,.0f}/s); {res.feasible:,} meet the targets."
    )
    if as_json:
        emit_json(
            {
                "best": estimate_record(res.best),
                "alternatives": [estimate_record(a) for a in res.alternatives[:top]],
                "candidates": res.candidates,
                "feasible": res.feasible,
                "seconds": round(res.seconds, 4),
                "ttft_target_s": res.ttft_target_s,
                "tpot_target_s": res.tpot_target_s,
                "objective": res.objective,
            }
        )
        return
    rows = [res.best, *res.alternatives[:top]]
    table(
        f"Cheapest configurations for {res.best.arch} (TTFT ≤ {ttft}, TPOT ≤ {tpot}, ISL {isl} / OSL {osl})",
        [
            "gpu",
            "count",
            "tp",
            "precision",
            "spec k",
            "concurrency",
            "out tok/s/GPU",
            "TTFT ms",
            "TPOT ms",
            "$/M in",
            "$/M out",
            "$/M blended",
            "$/hour",
        ],
        [
            (
                e.gpu,
                e.count,
                e.tp,
                e.precision,
                e.spec_k,
                e.concurrency,
                f"{e.tokens_per_s_per_gpu:,.0f}",
                f"{e.ttft_s * 1000:,.0f}",
                f"{e.tpot_s * 1000:,.1f}",
                fmt.money(e.usd_per_mtok_input),
                fmt.money(e.usd_per_mtok_output),
                fmt.money(e.usd_per_mtok_blended),
                fmt.money(e.usd_per_hour),
            )
            for e in rows
        ],
        drop=("$/hour", "$/M in", "$/M out", "spec k", "TTFT ms", "TPOT ms"),
        justify_right=["out tok/s/GPU", "TTFT ms", "TPOT ms", "$/M in", "$/M out", "$/M blended", "$/hour"],
    )


@app.command("validate")
def validate_cmd(
    as_json: bool = JSON,
    as_csv: bool = CSV,
    refit: bool = typer.Option(False, "--refit", help="Re-fit the profiles on the calibration split first."),
    write: bool = typer.Option(False, "--write-profiles", help="With --refit: save the fit to profiles.csv."),
    show: str = typer.Option("all", "--show", help="all | test | calibration"),
) -> None:
    """Predicted vs measured for every validation point; median absolute % error on the held-out part."""
    from llmflation.serving import validation

    fitted = None
    if refit:
        from rich.progress import Progress

        with Progress(transient=True, console=None) as progress:
            progress.add_task("fitting efficiency profiles on the calibration split", total=None)
            fitted = validation.calibrate()
        if write:
            info(f"wrote {validation.write_profiles(fitted)}")
    res = validation.validate(fitted)
    rows = [r for r in res["points"] if show == "all" or r.split == show]
    s = res["summary"]
    if as_json:
        emit_json({"summary": s, "points": rows})
        return
    if as_csv:
        emit_csv([r.__dict__ for r in rows])
        return
    table(
        "Predicted vs measured output tokens/s (system)",
        [
            "split",
            "stack",
            "scenario",
            "model",
            "gpus",
            "prec",
            "ISL/OSL",
            "measured",
            "predicted",
            "error %",
            "uncalibrated %",
        ],
        [
            (
                r.split,
                r.stack,
                r.scenario,
                r.arch,
                f"{r.count}x{r.gpu}",
                r.precision,
                f"{r.isl}/{r.osl}",
                f"{r.measured_tok_s:,.0f}",
                f"{r.predicted_tok_s:,.0f}",
                f"{r.error_pct:+.1f}",
                f"{r.uncalibrated_error_pct:+.1f}",
            )
            for r in rows
        ],
        justify_right=["measured", "predicted", "error %", "uncalibrated %"],
    )
    table(
        "Held-out (test) error",
        ["metric", "value", "target"],
        [
            ("Offline median |error| %", s["offline_median_abs_error_pct"], "≤ 15"),
            ("Server median |error| %", s["server_median_abs_error_pct"], "≤ 20"),
            ("worst |error| %", f"{s['max_abs_error_pct']} ({s['worst_point']})", "≤ 40"),
            (
                "uncalibrated Offline / Server median %",
                f"{s['uncalibrated_offline_median_abs_error_pct']}"
                f" / {s['uncalibrated_server_median_abs_error_pct']}",
                "",
            ),
            ("points (test / calibration)", f"{s['test_points']} / {s['calibration_points']}", ""),
        ],
    )


@app.command("compare")
def compare_cmd(
    model: str = typer.Argument(..., help="Model: catalog id, alias or ledger id."),
    at: str | None = typer.Option(None, "--at", help="Date of the API prices (default today)."),
    isl: int = typer.Option(1024, "--isl", **LIMITS["isl"].min_max),
    osl: int = typer.Option(256, "--osl", **LIMITS["osl"].min_max),
    utilisation: str = typer.Option(
        "0.5", "--utilisation", "-u", help="Busy share of paid GPU-hours (default 0.5)."
    ),
    ttft: str = typer.Option("2s", "--ttft"),
    tpot: str = typer.Option("50ms", "--tpot"),
    gpu: list[str] = typer.Option([], "--gpu", "-g", help="Only these GPU types (repeatable)."),
    usd_per_gpu_hour: str | None = typer.Option(None, "--usd-per-gpu-hour"),
    as_json: bool = JSON,
) -> None:
    """Self-hosted $/M tokens vs the ledger's API prices, and the break-even monthly volume."""
    from llmflation.ledger.ledger import open_ledger
    from llmflation.serving.compare import compare

    c = compare(
        model,
        open_ledger(),
        at=parse_date(at),
        isl=isl,
        osl=osl,
        utilisation=_util(utilisation),
        ttft_s=parse_duration(ttft, "--ttft"),
        tpot_s=parse_duration(tpot, "--tpot"),
        gpu=gpu or None,
        usd_per_gpu_hour=_decimal(usd_per_gpu_hour, "--usd-per-gpu-hour"),
    )
    if as_json:
        emit_json({**c.__dict__, "selfhost": estimate_record(c.selfhost)})
        return
    e = c.selfhost
    table(
        f"{c.model}: self-hosted vs API on {c.at} (ISL {isl} / OSL {osl}; USD per 1M tokens)",
        ["offer", "input", "output", "blended", "match"],
        [
            (
                f"self-hosted {e.count}x{e.gpu} TP{e.tp} {e.precision} @ {fmt.percent(c.utilisation)} busy",
                fmt.money(e.usd_per_mtok_input),
                fmt.money(e.usd_per_mtok_output),
                fmt.money(c.selfhost_blended_usd_per_mtok),
                "",
            )
        ]
        + [
            (
                f"{o.provider} ({o.model})",
                fmt.money(o.input_usd_per_mtok),
                fmt.money(o.output_usd_per_mtok),
                fmt.money(o.blended_usd_per_mtok),
                o.match,
            )
            for o in c.api[:10]
        ],
        justify_right=["input", "output", "blended"],
    )
    info(
        f"Deployment: {fmt.money(c.monthly_fixed_usd)} a month rented 24/7;"
        f" capacity {fmt.tokens(c.monthly_capacity_mtok * 1_000_000)} tokens"
        " a month at full load."
    )
    typer.echo(c.verdict)


@app.command("drivers")
def drivers_cmd(
    from_model: str = typer.Option("llama-2-70b", "--from-model"),
    to_model: str = typer.Option("gpt-oss-120b", "--to-model"),
    from_gpu: str = typer.Option("A100", "--from-gpu"),
    to_gpu: str = typer.Option("B200", "--to-gpu"),
    from_precision: str = typer.Option("bf16", "--from-precision"),
    to_precision: str = typer.Option("fp4", "--to-precision"),
    from_utilisation: str = typer.Option("0.3", "--from-utilisation"),
    to_utilisation: str = typer.Option("0.6", "--to-utilisation"),
    from_price_at: str = typer.Option(
        "2024-02-07", "--from-price-at", help="Date of the 'before' GPU price."
    ),
    to_price_at: str = typer.Option("2026-03-01", "--to-price-at", help="Date of the 'after' GPU price."),
    isl: int = typer.Option(1024, "--isl", **LIMITS["isl"].min_max),
    osl: int = typer.Option(256, "--osl", **LIMITS["osl"].min_max),
    ttft: str = typer.Option("2s", "--ttft"),
    tpot: str = typer.Option("50ms", "--tpot"),
    spec_alpha: float = typer.Option(0.7, "--spec-alpha", **LIMITS["spec_alpha"].min_max),
    as_json: bool = JSON,
) -> None:
    """How much of a 2023→2026 self-hosting cost change comes from hardware, precision, MoE, speculative
    decoding and utilisation (sequential attribution in that order, plus Shapley shares)."""
    from llmflation.serving.drivers import AFTER, BEFORE, Scenario, drivers

    fa, ta = parse_date(from_price_at, "--from-price-at"), parse_date(to_price_at, "--to-price-at")
    assert fa is not None and ta is not None
    before = Scenario(
        model=from_model,
        gpu=from_gpu,
        precision=from_precision,
        speculative=False,
        utilisation=_util(from_utilisation, "--from-utilisation"),
        price_at=fa,
        price_tier=BEFORE.price_tier,
    )
    after = Scenario(
        model=to_model,
        gpu=to_gpu,
        precision=to_precision,
        speculative=True,
        utilisation=_util(to_utilisation, "--to-utilisation"),
        price_at=ta,
        price_tier=AFTER.price_tier,
    )
    d = drivers(
        before,
        after,
        isl=isl,
        osl=osl,
        ttft_s=parse_duration(ttft, "--ttft"),
        tpot_s=parse_duration(tpot, "--tpot"),
        spec_alpha=spec_alpha,
    )
    if as_json:
        emit_json(d)
        return
    table(
        f"Self-hosted $/M tokens: {fmt.money(d.usd_per_mtok_before)} → {fmt.money(d.usd_per_mtok_after)} "
        f"({fmt.factor(d.total_factor)})",
        ["driver", "$/M after step", "factor", "share (sequential)", "share (Shapley)", "configuration"],
        [
            (
                s.driver,
                fmt.money(s.usd_per_mtok),
                fmt.factor(s.factor),
                fmt.percent(s.share_sequential),
                fmt.percent(s.share_shapley),
                s.config,
            )
            for s in d.steps
        ],
        justify_right=["$/M after step", "factor"],
    )


@app.command("gpus")
def gpus_cmd(as_json: bool = JSON, as_csv: bool = CSV) -> None:
    """The GPU catalog: peaks, memory, bandwidth, interconnect and the newest rental price per tier."""
    from llmflation.serving.catalog import gpus, rental_prices

    exclusive(json=as_json, csv=as_csv)
    newest: dict[str, Any] = {}
    for p in sorted(rental_prices(), key=lambda p: p.as_of):
        newest[p.gpu + "/" + p.tier] = p
    from dataclasses import asdict

    recs = [
        {**asdict(g), "prices": [v for k, v in newest.items() if k.startswith(g.id + "/")]}
        for g in gpus().values()
    ]
    if as_json:
        emit_json(recs)
        return
    if as_csv:
        emit_csv([{k: v for k, v in r.items() if k != "prices"} for r in recs])
        return
    table(
        "GPU catalog (dense peaks)",
        [
            "gpu",
            "memory GB",
            "TB/s",
            "BF16 TF",
            "FP8 TF",
            "FP4 TF",
            "link GB/s",
            "$/GPU-h (newest neocloud)",
            "source",
        ],
        [
            (
                g.id,
                g.memory_gb,
                g.mem_bw_gbs / 1000,
                g.bf16_tflops,
                g.fp8_tflops or "—",
                g.fp4_tflops or "—",
                g.link_gbs_per_dir,
                next(
                    (
                        f"{fmt.money(p.usd_low)}–{fmt.money(p.usd_high)} ({fmt.date(p.as_of)})"
                        for k, p in newest.items()
                        if k == g.id + "/neocloud"
                    ),
                    "—",
                ),
                g.source,
            )
            for g in gpus().values()
        ],
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="selfhost")
