"""Bilateral index-number formulas over matched items, in Decimal (so the axioms hold to 30+ digits).

Each period is a mapping item → (price, quantity). Only items present in both periods with a positive price
and quantity in both enter (matched model); callers say what was left out.

    laspeyres  Σ p1·q0 / Σ p0·q0
    paasche    Σ p1·q1 / Σ p0·q1
    fisher     √(Laspeyres · Paasche)                       superlative; passes time reversal
    tornqvist  exp Σ ½(s0 + s1)·ln(p1 / p0), s = value share   superlative; passes time reversal
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any

from llmflation.errors import InputError

FORMULAS = ("fisher", "tornqvist", "laspeyres", "paasche")
PREC = 40

Period = Mapping[Any, tuple[Decimal, Decimal]]  # item (any sortable key) → (price, quantity)


def matched(p0: Period, p1: Period) -> list[Any]:
    return sorted(k for k in p0.keys() & p1.keys()
                  if p0[k][0] > 0 and p1[k][0] > 0 and p0[k][1] > 0 and p1[k][1] > 0)


def _need(items: Sequence[Any]) -> None:
    if not items:
        raise InputError("no item is priced and bought in both periods; a bilateral index needs at least one")


def laspeyres(p0: Period, p1: Period) -> Decimal:
    items = matched(p0, p1)
    _need(items)
    with localcontext() as ctx:
        ctx.prec = PREC
        return sum((p1[k][0] * p0[k][1] for k in items), Decimal(0)) / sum((p0[k][0] * p0[k][1] for k in items),
                                                                          Decimal(0))


def paasche(p0: Period, p1: Period) -> Decimal:
    items = matched(p0, p1)
    _need(items)
    with localcontext() as ctx:
        ctx.prec = PREC
        return sum((p1[k][0] * p1[k][1] for k in items), Decimal(0)) / sum((p0[k][0] * p1[k][1] for k in items),
                                                                          Decimal(0))


def fisher(p0: Period, p1: Period) -> Decimal:
    items = matched(p0, p1)
    _need(items)
    with localcontext() as ctx:
        ctx.prec = PREC
        l_num = l_den = p_num = p_den = Decimal(0)
        for k in items:
            a, qa = p0[k]
            b, qb = p1[k]
            l_num += b * qa
            l_den += a * qa
            p_num += b * qb
            p_den += a * qb
        return (l_num / l_den * (p_num / p_den)).sqrt()


def tornqvist(p0: Period, p1: Period) -> Decimal:
    items = matched(p0, p1)
    _need(items)
    with localcontext() as ctx:
        ctx.prec = PREC
        v0 = sum((p0[k][0] * p0[k][1] for k in items), Decimal(0))
        v1 = sum((p1[k][0] * p1[k][1] for k in items), Decimal(0))
        log = sum(((p0[k][0] * p0[k][1] / v0 + p1[k][0] * p1[k][1] / v1) / 2 * (p1[k][0] / p0[k][0]).ln()
                   for k in items), Decimal(0))
        return log.exp()


def index(formula: str, p0: Period, p1: Period) -> Decimal:
    fn = {"fisher": fisher, "tornqvist": tornqvist, "laspeyres": laspeyres, "paasche": paasche}.get(formula)
    if fn is None:
        raise InputError(f"formula {formula!r}: choose one of {', '.join(FORMULAS)}", field="formula")
    return fn(p0, p1)


def chain(formula: str, periods: Sequence[Period]) -> list[Decimal]:
    """Chained index levels (first period = 1): the product of each consecutive bilateral link."""
    out = [Decimal(1)]
    with localcontext() as ctx:
        ctx.prec = PREC
        for a, b in zip(periods, periods[1:], strict=False):
            out.append(out[-1] * index(formula, a, b))
    return out
