from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmflation.errors import InputError
from llmflation.workload.decompose import SegmentChange, decompose, lmdi_price_term

D = Decimal


def test_pure_volume_change_is_all_volume() -> None:
    d = decompose([SegmentChange("a", D(100), D(10), D(300), D(30)), SegmentChange("b", D(100), D(5), D(300), D(15))])
    assert d.change == D(30)
    assert abs(d.volume - D(30)) < D("1e-14")
    assert abs(d.mix) < D("1e-14") and abs(d.price) < D("1e-14")
    assert abs(d.volume_factor - D(3)) < D("1e-14")


def test_pure_price_cut_is_all_price() -> None:
    d = decompose([SegmentChange("a", D(1000), D(30), D(1000), D(3))])
    assert d.change == D(-27)
    assert abs(d.price - D(-27)) < D("1e-14") and abs(d.volume) < D("1e-14")
    assert abs(d.price_factor - D("0.1")) < D("1e-14")


def test_switching_to_a_cheaper_model_is_mix() -> None:
    # same tokens, same unit prices, traffic moves from the $10 model to the $1 model
    d = decompose([SegmentChange("big", D(100), D(1000), D(0), D(0)),
                   SegmentChange("small", D(0), D(0), D(100), D(100))])
    assert d.change == D(-900) and d.mix == D(-900) and d.volume == 0 and d.price == 0


def test_jevons_volume_outruns_price() -> None:
    # unit price falls 10x while tokens grow 30x: the bill triples
    d = decompose([SegmentChange("m", D(1_000_000), D(10), D(30_000_000), D(30))])
    assert d.change == D(20)
    assert d.volume > 0 > d.price
    assert d.volume + d.mix + d.price == d.change


def test_bad_segments_are_refused() -> None:
    with pytest.raises(InputError, match="non-negative"):
        decompose([SegmentChange("a", D(-1), D(1), D(1), D(1))])
    with pytest.raises(InputError, match="without activity"):
        decompose([SegmentChange("a", D(0), D(1), D(1), D(1))])
    with pytest.raises(InputError, match="empty"):
        decompose([SegmentChange("a", D(0), D(0), D(1), D(1))])


amount = st.integers(min_value=0, max_value=10**9).map(lambda n: D(n) / 1000)


@st.composite
def segment_sets(draw: st.DrawFn) -> list[SegmentChange]:
    out = []
    for i in range(draw(st.integers(1, 6))):
        a0, a1 = draw(amount), draw(amount)
        v0 = draw(amount) if a0 > 0 else D(0)
        v1 = draw(amount) if a1 > 0 else D(0)
        out.append(SegmentChange(f"s{i}", a0, v0, a1, v1))
    if sum(s.activity_before for s in out) == 0 or sum(s.activity_after for s in out) == 0:
        out.append(SegmentChange("base", D(1), D(1), D(1), D(1)))
    return out


@settings(max_examples=300, deadline=None)
@given(segment_sets())
def test_effects_sum_exactly_to_the_change(segments: list[SegmentChange]) -> None:
    d = decompose(segments)
    assert d.volume + d.mix + d.price == d.change == d.after - d.before
    assert sum((e.change for e in d.segments), D(0)) == d.change
    for e in d.segments:
        assert e.volume + e.mix + e.price == e.change
    if d.before > 0 and d.after > 0:
        product = d.volume_factor * d.mix_factor * d.price_factor
        assert abs(product - d.after / d.before) <= D("1e-20") * (d.after / d.before)
    # the remainder equals the textbook LMDI price term for segments present in both periods
    q0 = sum((s.activity_before for s in segments), D(0))
    q1 = sum((s.activity_after for s in segments), D(0))
    for s, e in zip(segments, d.segments, strict=True):
        if s.activity_before > 0 and s.activity_after > 0 and s.spend_before > 0 and s.spend_after > 0:
            assert abs(e.price - lmdi_price_term(s, q0, q1)) <= D("1e-14") * max(D(1), abs(e.change))
