"""Split a change in spend into volume, mix and price effects (LMDI-I, Ang 2004).

Spend V = Σ_i Q · S_i · I_i with activity Q (total tokens or tasks), structure S_i = Q_i / Q (the share of segment i,
e.g. a model) and intensity I_i = V_i / Q_i (its unit price). With the logarithmic mean L(a, b) = (a − b)/(ln a − ln b):

    volume = Σ_i L(V_i¹, V_i⁰) · ln(Q¹/Q⁰)
    mix    = Σ_i L(V_i¹, V_i⁰) · ln(S_i¹/S_i⁰)
    price  = Σ_i L(V_i¹, V_i⁰) · ln(I_i¹/I_i⁰)

LMDI-I is a perfect decomposition: the three add up to V¹ − V⁰ with no residual. Decimal logarithms are exact to the
working precision (50 digits); volume and mix effects are then rounded to 1e-15 USD and the price effect of each
segment is taken as its remainder, so the parts add up to the change exactly (in any Decimal context), and the
remainder equals the formula above to within the rounding (a property test checks both). Segments that appear or
vanish take the exact limit of the small-value substitution (Ang & Choi 1997): their whole change is mix (a new model
entering the mix, or an old one leaving it), with zero volume and price effects.

The multiplicative form uses the same weights: D_x = exp(Σ_i w_i ln(x_i¹/x_i⁰) / L(V¹, V⁰)), so D_vol·D_mix·D_price
= V¹/V⁰ (the price factor is likewise the remainder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from llmflation.errors import InputError

_PRECISION = 50
_TINY = Decimal("1e-30")
# Effects are rounded to 1e-15 USD so that adding them up is exact at Python's default 28-digit precision.
QUANTUM = Decimal("1e-15")  # stands in for a zero so logarithms stay defined; its limit is exact


@dataclass(frozen=True, slots=True)
class SegmentChange:
    """One segment (a model, a provider, a project) in two periods: activity (tokens or tasks) and spend (USD)."""

    key: str
    activity_before: Decimal
    spend_before: Decimal
    activity_after: Decimal
    spend_after: Decimal


@dataclass(frozen=True, slots=True)
class SegmentEffect:
    key: str
    change: Decimal
    volume: Decimal
    mix: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class Decomposition:
    before: Decimal
    after: Decimal
    change: Decimal
    volume: Decimal
    mix: Decimal
    price: Decimal
    volume_factor: Decimal
    mix_factor: Decimal
    price_factor: Decimal
    segments: list[SegmentEffect]

    @property
    def ratio(self) -> Decimal:
        return self.after / self.before if self.before else Decimal(0)


def _ln(x: Decimal, ctx: Context) -> Decimal:
    return (x if x > 0 else _TINY).ln(ctx)


def _log_mean(a: Decimal, b: Decimal, ctx: Context) -> Decimal:
    a = a if a > 0 else _TINY
    b = b if b > 0 else _TINY
    if a == b:
        return a
    return (a - b) / (a.ln(ctx) - b.ln(ctx))


def decompose(segments: Sequence[SegmentChange]) -> Decomposition:
    """LMDI-I additive and multiplicative decomposition of the change in total spend across segments."""
    for s in segments:
        for field in ("activity_before", "spend_before", "activity_after", "spend_after"):
            value = getattr(s, field)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise InputError(f"segment {s.key!r}: {field} must be a non-negative Decimal, got {value!r}")
        for period in ("before", "after"):
            if getattr(s, f"spend_{period}") > 0 and getattr(s, f"activity_{period}") == 0:
                raise InputError(f"segment {s.key!r}: spend {period} without activity {period}")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        q0 = sum((s.activity_before for s in segments), Decimal(0))
        q1 = sum((s.activity_after for s in segments), Decimal(0))
        v0 = sum((s.spend_before for s in segments), Decimal(0))
        v1 = sum((s.spend_after for s in segments), Decimal(0))
        if q0 == 0 or q1 == 0:
            raise InputError("both periods need some activity to decompose a change (one period is empty)")
        ln_q = _ln(q1, ctx) - _ln(q0, ctx)
        effects: list[SegmentEffect] = []
        for s in segments:
            if s.spend_before == 0 and s.spend_after == 0:
                effects.append(SegmentEffect(s.key, Decimal(0), Decimal(0), Decimal(0), Decimal(0)))
                continue
            change = s.spend_after - s.spend_before
            if s.activity_before == 0 or s.activity_after == 0:
                effects.append(SegmentEffect(s.key, change, Decimal(0), change, Decimal(0)))
                continue
            w = _log_mean(s.spend_after, s.spend_before, ctx)
            share0, share1 = s.activity_before / q0, s.activity_after / q1
            volume = (w * ln_q).quantize(QUANTUM)
            mix = (w * (_ln(share1, ctx) - _ln(share0, ctx))).quantize(QUANTUM)
            effects.append(SegmentEffect(s.key, change, volume, mix, change - volume - mix))
        volume_total = sum((e.volume for e in effects), Decimal(0))
        mix_total = sum((e.mix for e in effects), Decimal(0))
        change_total = v1 - v0
        price_total = change_total - volume_total - mix_total
        if v0 > 0 and v1 > 0:
            lw = _log_mean(v1, v0, ctx)
            volume_factor = (volume_total / lw).exp(ctx)
            mix_factor = (mix_total / lw).exp(ctx)
            price_factor = (v1 / v0) / (volume_factor * mix_factor)
        else:
            volume_factor = mix_factor = price_factor = Decimal(0)
    return Decomposition(
        before=v0, after=v1, change=change_total, volume=volume_total, mix=mix_total, price=price_total,
        volume_factor=volume_factor, mix_factor=mix_factor, price_factor=price_factor, segments=effects,
    )


def lmdi_price_term(s: SegmentChange, q0: Decimal, q1: Decimal) -> Decimal:
    """The textbook LMDI price term of one segment, L(V¹,V⁰)·ln(I¹/I⁰), for cross-checking the remainder."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        w = _log_mean(s.spend_after, s.spend_before, ctx)
        i0 = s.spend_before / s.activity_before if s.activity_before else _TINY
        i1 = s.spend_after / s.activity_after if s.activity_after else _TINY
        return w * (_ln(i1, ctx) - _ln(i0, ctx))
