"""The self-hosting catalogs: GPUs, dated rental prices, model architectures, efficiency profiles.

All four are CSV files under ``serving/data/`` with a ``source`` and ``confidence`` on every row. They are
read once (cached) and returned as frozen dataclasses. Rental prices are ``Decimal``; hardware
and architecture figures are plain numbers (they feed the float physics model).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from llmflation.errors import DataError, InputError, UnknownNameError, suggest

PRECISIONS = ("bf16", "fp8", "fp4", "w4a16")
KV_PRECISIONS = ("bf16", "fp8", "fp4")
#: bytes per weight element, block scales included (NVFP4: one FP8 scale per 16 values; W4A16/AWQ: one BF16
#: scale per 128 values; MXFP4 in gpt-oss: one byte per 32 values — NVFP4's figure is used for both
#: 4-bit kinds).
WEIGHT_BYTES = {"bf16": 2.0, "fp8": 1.0, "fp4": 0.5625, "w4a16": 0.5156}
KV_BYTES = {"bf16": 2.0, "fp8": 1.0, "fp4": 0.5625}
PRICE_TIERS = ("neocloud", "hyperscaler", "reserved", "tco")


class UnknownArchitectureError(UnknownNameError, InputError):
    """A model with no architecture in the self-hosting catalog: an unknown name (the API answers 404) and, as
    before, an input error."""


@dataclass(frozen=True, slots=True)
class Gpu:
    id: str
    name: str
    aliases: tuple[str, ...]
    vendor: str
    family: str
    released: date
    memory_gb: float
    mem_bw_gbs: float
    bf16_tflops: float
    fp8_tflops: float | None
    fp4_tflops: float | None
    interconnect: str
    link_gbs_per_dir: float
    scaleup_domain: int
    tdp_w: float
    source: str
    confidence: str
    note: str = ""

    def supports(self, precision: str) -> bool:
        """W8A8 FP8 needs FP8 tensor cores (Hopper, Ada, Blackwell, CDNA3); FP4 needs Blackwell."""
        if precision in ("bf16", "w4a16"):
            return True
        if precision == "fp8":
            return self.fp8_tflops is not None
        if precision == "fp4":
            return self.fp4_tflops is not None
        return False

    def supported_precisions(self) -> list[str]:
        return [p for p in PRECISIONS if self.supports(p)]

    def supports_kv(self, kv: str) -> bool:
        return (
            kv == "bf16"
            or (kv == "fp8" and self.fp8_tflops is not None)
            or (kv == "fp4" and self.fp4_tflops is not None)
        )

    def peak_tflops(self, precision: str) -> float:
        """Dense tensor-core peak for the precision the matmuls run in (W4A16 computes in BF16)."""
        if precision == "fp8" and self.fp8_tflops:
            return self.fp8_tflops
        if precision == "fp4" and self.fp4_tflops:
            return self.fp4_tflops
        return self.bf16_tflops


@dataclass(frozen=True, slots=True)
class RentalPrice:
    gpu: str
    as_of: date
    tier: str
    usd_low: Decimal
    usd_high: Decimal
    source: str
    confidence: str
    note: str = ""

    @property
    def usd_mid(self) -> Decimal:
        return (self.usd_low + self.usd_high) / 2


@dataclass(frozen=True, slots=True)
class Architecture:
    """Shapes from a model's Hugging Face config.json (the physics model's input)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    ledger_models: tuple[str, ...]
    released: date
    attention: str  # gqa | mla
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    ffn: int  # dense FFN width (dense layers of an MoE model)
    vocab: int
    tied_embeddings: bool
    experts: int  # 0 = dense
    experts_active: int
    shared_experts: int
    moe_ffn: int
    dense_layers: int  # leading dense layers in an MoE model
    q_lora_rank: int
    kv_lora_rank: int
    qk_rope_dim: int
    qk_nope_dim: int
    v_head_dim: int
    sliding_window: int
    sliding_layers: int
    params_total_b: float
    params_active_b: float
    source: str
    confidence: str
    note: str = ""

    @property
    def is_moe(self) -> bool:
        return self.experts > 0


@dataclass(frozen=True, slots=True)
class Profile:
    """Efficiency parameters for one software stack (fitted by `selfhost validate`, see calibrate.py)."""

    stack: str
    vendor: str
    eta_compute: float  # large-GEMM fraction of dense peak
    eta_memory: float  # large-transfer fraction of HBM bandwidth
    kernel_us: float  # fixed launch/sync overhead per layer per step (µs)
    server_factor: float  # server-scenario throughput as a fraction of the SLO-feasible steady state
    max_batch: int  # engine cap on concurrent sequences
    token_budget: int  # engine cap on tokens per step (max_num_tokens)
    fitted_points: int
    source: str
    confidence: str
    note: str = ""


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("llmflation.serving").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _opt_float(v: str) -> float | None:
    return float(v) if v.strip() else None


def _int0(v: str) -> int:
    return int(v) if v.strip() else 0


def _check(name: str, rows: list[dict[str, str]], key: str) -> None:
    problems = []
    seen: set[str] = set()
    for i, r in enumerate(rows, start=2):
        if not r.get("source", "").strip():
            problems.append(f"line {i}: empty source")
        if r.get("confidence") not in ("official", "archived", "derived", "estimated"):
            problems.append(
                f"line {i}: confidence {r.get('confidence')!r} is not official/archived/derived/estimated"
            )
        if key and r[key] in seen:
            problems.append(f"line {i}: duplicate {key} {r[key]!r}")
        seen.add(r[key] if key else "")
    if problems:
        raise DataError(f"serving/data/{name}", problems)


@cache
def gpus() -> dict[str, Gpu]:
    rows = _read("hardware.csv")
    _check("hardware.csv", rows, "gpu")
    out = {}
    for r in rows:
        out[r["gpu"]] = Gpu(
            id=r["gpu"],
            name=r["name"],
            aliases=tuple(a for a in r["aliases"].split("|") if a),
            vendor=r["vendor"],
            family=r["family"],
            released=date.fromisoformat(r["released"]),
            memory_gb=float(r["memory_gb"]),
            mem_bw_gbs=float(r["mem_bw_gbs"]),
            bf16_tflops=float(r["bf16_tflops"]),
            fp8_tflops=_opt_float(r["fp8_tflops"]),
            fp4_tflops=_opt_float(r["fp4_tflops"]),
            interconnect=r["interconnect"],
            link_gbs_per_dir=float(r["link_gbs_per_dir"]),
            scaleup_domain=int(r["scaleup_domain"]),
            tdp_w=float(r["tdp_w"]),
            source=r["source"],
            confidence=r["confidence"],
            note=r["note"],
        )
    return out


@cache
def rental_prices() -> tuple[RentalPrice, ...]:
    rows = _read("rental_prices.csv")
    _check("rental_prices.csv", rows, "")
    known = gpus()
    out = []
    for i, r in enumerate(rows, start=2):
        if r["gpu"] not in known or r["tier"] not in PRICE_TIERS:
            raise DataError(
                "serving/data/rental_prices.csv", [f"line {i}: unknown gpu or tier {r['gpu']}/{r['tier']}"]
            )
        out.append(
            RentalPrice(
                gpu=r["gpu"],
                as_of=date.fromisoformat(r["as_of"]),
                tier=r["tier"],
                usd_low=Decimal(r["usd_low"]),
                usd_high=Decimal(r["usd_high"]),
                source=r["source"],
                confidence=r["confidence"],
                note=r["note"],
            )
        )
    return tuple(out)


@cache
def architectures() -> dict[str, Architecture]:
    rows = _read("architectures.csv")
    _check("architectures.csv", rows, "arch")
    out = {}
    for r in rows:
        heads = int(r["heads"])
        hidden = int(r["hidden"])
        out[r["arch"]] = Architecture(
            id=r["arch"],
            name=r["name"],
            aliases=tuple(a for a in r["aliases"].split("|") if a),
            ledger_models=tuple(a for a in r["ledger_models"].split("|") if a),
            released=date.fromisoformat(r["released"]),
            attention=r["attention"],
            layers=int(r["layers"]),
            hidden=hidden,
            heads=heads,
            kv_heads=int(r["kv_heads"]),
            head_dim=_int0(r["head_dim"]) or hidden // heads,
            ffn=_int0(r["ffn"]),
            vocab=int(r["vocab"]),
            tied_embeddings=r["tied_embeddings"] == "true",
            experts=_int0(r["experts"]),
            experts_active=_int0(r["experts_active"]),
            shared_experts=_int0(r["shared_experts"]),
            moe_ffn=_int0(r["moe_ffn"]),
            dense_layers=_int0(r["dense_layers"]),
            q_lora_rank=_int0(r["q_lora_rank"]),
            kv_lora_rank=_int0(r["kv_lora_rank"]),
            qk_rope_dim=_int0(r["qk_rope_dim"]),
            qk_nope_dim=_int0(r["qk_nope_dim"]),
            v_head_dim=_int0(r["v_head_dim"]),
            sliding_window=_int0(r["sliding_window"]),
            sliding_layers=_int0(r["sliding_layers"]),
            params_total_b=float(r["params_total_b"]),
            params_active_b=float(r["params_active_b"]),
            source=r["source"],
            confidence=r["confidence"],
            note=r["note"],
        )
    return out


@cache
def profiles() -> dict[str, Profile]:
    rows = _read("profiles.csv")
    _check("profiles.csv", rows, "stack")
    return {
        r["stack"]: Profile(
            stack=r["stack"],
            vendor=r["vendor"],
            eta_compute=float(r["eta_compute"]),
            eta_memory=float(r["eta_memory"]),
            kernel_us=float(r["kernel_us"]),
            server_factor=float(r["server_factor"]),
            max_batch=int(r["max_batch"]),
            token_budget=int(r["token_budget"]),
            fitted_points=int(r["fitted_points"]),
            source=r["source"],
            confidence=r["confidence"],
            note=r["note"],
        )
        for r in rows
    }


#: The profile `estimate`, `search` and `compare` use per vendor when the caller names none.
DEFAULT_STACK = {"nvidia": "trtllm-1.0-pytorch", "amd": "vllm-rocm-mlperf-v4.1"}


def default_profile(vendor: str) -> Profile:
    return profiles()[DEFAULT_STACK[vendor]]


def _norm(s: str) -> str:
    return s.strip().lower().replace("_", "-").replace(" ", "-")


def resolve_gpu(name: str) -> Gpu:
    """A GPU by id or alias, case-insensitive; unknown → UnknownNameError listing the catalog."""
    key = _norm(name)
    for g in gpus().values():
        if key == _norm(g.id) or key in (_norm(a) for a in g.aliases):
            return g
    raise UnknownNameError("GPU", name, gpus().keys())


def resolve_architecture(name: str) -> Architecture:
    """An architecture by catalog id, alias, display name or linked ledger model id (case-insensitive).

    Also accepts a ledger id's tail (``llama-3.3-70b-instruct``). Unknown → UnknownNameError with suggestions.
    """
    key = _norm(name)
    archs = architectures().values()
    for a in archs:
        names = [a.id, a.name, *a.aliases, *a.ledger_models, *(m.split("/", 1)[-1] for m in a.ledger_models)]
        if key in (_norm(n) for n in names):
            return a
    known = [a.id for a in archs]
    hints = suggest(name.split("/")[-1], [n for a in archs for n in (a.id, *a.aliases)])
    msg = (
        f"No architecture for {name!r} in the self-hosting catalog."
        + (f" Did you mean: {', '.join(hints)}?" if hints else "")
        + f" Known: {', '.join(known)}. Add a row to serving/data/architectures.csv (with its config.json"
        " source) to model another open-weights model."
    )
    raise UnknownArchitectureError("architecture", name, known, msg)


def check_precision(gpu: Gpu, precision: str, kv_precision: str | None = None) -> None:
    """Raise InputError listing what the GPU supports when the precision (or KV precision) is unavailable."""
    if precision not in PRECISIONS:
        raise InputError(f"Unknown precision {precision!r}. Known: {', '.join(PRECISIONS)}.")
    if not gpu.supports(precision):
        raise InputError(
            f"{gpu.name} does not support {precision} compute"
            f" ({'no FP4 tensor cores before Blackwell' if precision == 'fp4' else 'no FP8 tensor cores'})."
            f" Supported on {gpu.id}: {', '.join(gpu.supported_precisions())}."
        )
    if kv_precision is not None:
        if kv_precision not in KV_PRECISIONS:
            raise InputError(
                f"Unknown KV-cache precision {kv_precision!r}. Known: {', '.join(KV_PRECISIONS)}."
            )
        if not gpu.supports_kv(kv_precision):
            ok = [k for k in KV_PRECISIONS if gpu.supports_kv(k)]
            raise InputError(
                f"{gpu.name} does not support a {kv_precision} KV cache. Supported: {', '.join(ok)}."
            )


def default_kv_precision(gpu: Gpu, precision: str) -> str:
    """FP8 KV cache where the weights are FP8/FP4 and the GPU has FP8 (as TensorRT-LLM/vLLM recipes do)."""
    return "fp8" if precision in ("fp8", "fp4") and gpu.fp8_tflops is not None else "bf16"


def rental_price(gpu: str, tier: str = "neocloud", at: date | None = None) -> RentalPrice:
    """The newest price row for a GPU and tier on or before `at` (any tier if that tier has none)."""
    if tier not in PRICE_TIERS:
        raise InputError(f"Unknown price tier {tier!r}. Known: {', '.join(PRICE_TIERS)}.")
    rows = [p for p in rental_prices() if p.gpu == gpu and (at is None or p.as_of <= at)]
    if not rows:
        raise InputError(
            f"No rental price for {gpu}{' on or before ' + at.isoformat() if at else ''};"
            " give your own price per GPU-hour (usd_per_gpu_hour)."
        )
    same = [p for p in rows if p.tier == tier] or rows
    return max(same, key=lambda p: (p.as_of, p.tier == "neocloud"))
