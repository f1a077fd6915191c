"""Rank every offer for a workload in one pass, exactly: the monthly bill of all offers as packed big integers.

Why it is exact. A workload's monthly bill on one offer (workload/bill.py, the Decimal reference) is a mixture over
the shares of calls that are long (L), off-peak (F), batch (B) and regional (G):

    monthly = K · Σ_slot w_slot · Σ_b t_b · r[slot, b] / 1e6 · (1 − B·bd[slot]) · (1 + G·ru[slot])

where K = calls_per_task × tasks_per_month, slot ∈ {standard, long} × {peak, off-peak} with weights
w = (1−L or L)(1−F or F), t_b the tariff's token buckets of the average call (`call_tokens`), r the rate card's rates
(ledger/tariff.py: `rate_card`, including every fallback; a slot the offer has no row or tier for uses the rates the
reference falls back to), bd the batch discount and ru the regional uplift of the slot's row (0 when missing). The
mixture over batch and regional calls factorises because the multiplier is a product of independent terms. Every
quantity is a decimal, so with all of them scaled to integers the bill is an integer divided by a power of ten:
no rounding anywhere (the workload's coefficients are integers over powers of ten, `_fixed`, multiplied as
Python integers).

Why it is fast. The rates of all offers are packed once per (ledger, date, tier) into one Python integer per
(slot, bucket, term), each offer in its own fixed-width bit field (`_Table`). One multiplication of a packed integer
by a workload coefficient then prices that term for every offer at once (CPython multiplies big integers in C).
Fields never carry into each other: every packed term is non-negative, the width is checked against a bound computed
from the workload (and widened when needed), and the one subtraction (the batch discount) is borrow-free per field
because B·bd ≤ 1. Unpacking is one `to_bytes`. Anything outside those conditions (a negative or above-one share or
discount) makes `monthly_totals` return None and the caller uses the Decimal path.

The ranking holds each offer's exact monthly total; the itemised `OfferBill` (line items, warnings) is built by the
Decimal reference only for the offers that are looked at (`LazyBills`), and checked against the packed total
(`agrees`: equal, or — only when a bill needs more than the reference's 60 significant digits, as compounded
monthly growth can — the exact total rounded there). Offers whose totals agree to 60 digits but differ beyond keep
the exact order, which the 60-digit reference could not tell apart.

`LazyBills.page` itemises a page of offers without the reference (`_Itemiser`: exact arithmetic over the same rates,
warnings from the reference's own rule), giving the reference's bills whenever the reference itself computes exactly
(a digit bound checked once per workload; beyond it, the page is the reference's). The web API's bill pages use it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact, localcontext
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from llmflation.errors import LlmflationError
from llmflation.ledger.derived import cached_per_ledger as _cached
from llmflation.ledger.records import Price
from llmflation.ledger.tariff import BUCKETS

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.tariff import RateCard
    from llmflation.workload.bill import BillWarning, Margin, OfferBill
    from llmflation.workload.spec import Workload

SLOTS = ((False, False), (True, False), (False, True), (True, True))  # (long, off-peak)
_EXACT = Context(prec=400, traps=[Inexact])


class FastBillMismatch(LlmflationError):
    """The packed total and the Decimal reference disagree (a bug): report it with the workload."""


def _scale_of(values: Sequence[Decimal]) -> int:
    """Decimal places needed to write every value as an integer."""
    return max([0, *(-int(v.normalize(_EXACT).as_tuple().exponent) for v in values if v)])  # type: ignore[arg-type]


def _as_int(v: Decimal, scale: int) -> int:
    out = _EXACT.scaleb(v, scale)
    if out != out.to_integral_value():
        raise ValueError(f"{v} has more than {scale} decimal places")
    return int(out)


_LOG5 = {5 ** i: i for i in range(64)}


def _fixed(v: Decimal) -> tuple[int, int]:
    """A finite decimal as (m, s) with v = m / 10**s exactly and s the fewest places (0 for a whole number): from
    its reduced ratio n/d, d = 2**a · 5**b, so s = max(a, b) and m = n · 2**(s−a) · 5**(s−b)."""
    n, d = v.as_integer_ratio()
    if d == 1:
        return n, 0
    a = (d & -d).bit_length() - 1
    d5 = d >> a
    b = _LOG5.get(d5)
    if b is None:  # more than 63 places of fives
        b = 0
        while d5 > 1:
            d5 //= 5
            b += 1
    s = max(a, b)
    return n << (s - a) if s == b else n * 5 ** (s - b) << (s - a), s


def _fewest_places(m: int, s: int) -> int:
    """The fewest decimal places of m / 10**s."""
    while s and not m % 10:
        m //= 10
        s -= 1
    return s


@dataclass(frozen=True, slots=True)
class _Row:
    price: Price
    off_peak: Price | None
    rates: tuple[tuple[Decimal, ...], ...]  # per slot, per bucket
    bd: tuple[Decimal, Decimal]  # batch discount of the peak / off-peak row (0 when none on record)
    ru: tuple[Decimal, Decimal]
    std_card: RateCard
    off_card: RateCard | None


class _Table:
    """All offers of one (ledger, date, tier), sorted by (model, provider), their rates as packed integers."""

    def __init__(self, rows: list[_Row]) -> None:
        self.rows = rows
        self.n = len(rows)
        # each distinct Decimal object once (the slots of an offer without long or off-peak prices share one card's
        # objects: ~1,500 of ~17,000 rates), so reading each one's exponent is not most of a one-shot `bill`
        rates = list({id(r): r for row in rows for slot in row.rates for r in slot}.values())
        mults = [x for row in rows for x in (*row.bd, *row.ru)]
        self.ok = all(r >= 0 for r in rates) and all(0 <= x <= 1 for x in mults)
        # decimal places: the rates' as written (the tariff rounds derived ones to 1e-9), the multipliers' least
        self.sr = max([0, *(-int(r.as_tuple().exponent) for r in rates)])  # type: ignore[arg-type]
        self.sd = _scale_of([x for row in rows for x in row.bd])
        self.su = _scale_of([x for row in rows for x in row.ru])
        self.scale = self.sr + self.sd + self.su
        self._packs: dict[tuple[int, tuple[int, int, int]], int] = {}
        self._values: dict[tuple[int, int, int], list[int] | None] = {}
        self._bd = [[_as_int(x, self.sd) for x in row.bd] for row in rows] if self.ok else []
        self._ru = [[_as_int(x, self.su) for x in row.ru] for row in rows] if self.ok else []
        # every packed value is r·(bd or 1)·(ru or 1) scaled, and bd, ru ≤ 1: none exceeds this
        self.max_value = _as_int(max(rates, default=Decimal(0)), self.sr) * 10 ** (self.sd + self.su) \
            if self.ok else 0
        self.max_rate = max(rates, default=Decimal(0))
        self.rate_places = _scale_of(rates)

    def values(self, key: tuple[int, int, int]) -> list[int] | None:
        """The offers' integer values of (slot, bucket, term) — term 0: r, 1: r·bd, 2: r·ru, 3: r·bd·ru, all at
        10**scale — computed on first use (None: zero for every offer)."""
        if key in self._values:
            return self._values[key]
        s, b, term = key
        off = 1 if SLOTS[s][1] else 0
        one_d, one_u = 10 ** self.sd, 10 ** self.su
        col = [_as_int(row.rates[s][b], self.sr) * (self._bd[i][off] if term in (1, 3) else one_d)
               * (self._ru[i][off] if term in (2, 3) else one_u) for i, row in enumerate(self.rows)]
        out = col if any(col) else None
        self._values[key] = out
        return out

    def packed(self, width: int, key: tuple[int, int, int]) -> int | None:
        """The offers' values of one (slot, bucket, term) as one integer of `width`-bit fields (a multiple of 8),
        offer i in field i; built on first use per width (None: zero for every offer)."""
        got = self._packs.get((width, key))
        if got is None:
            col = self.values(key)
            if col is None:
                return None
            nbytes = width // 8
            got = int.from_bytes(b"".join(v.to_bytes(nbytes, "little") for v in col), "little")
            self._packs[(width, key)] = got
        return got


def offers_at(ledger: Ledger, at: date, tier: str) -> list[Price]:
    """`ledger.offers_at(at, tier)` sorted by (model, provider), cached per ledger."""
    return _cached(ledger, ("offers", at, tier),  # type: ignore[no-any-return]
                   lambda: sorted(ledger.offers_at(at, tier), key=lambda p: (p.model, p.provider)))


def offer_table(ledger: Ledger, at: date, tier: str, offers: Sequence[Price] | None = None) -> _Table:
    """`offers` (default: every offer in effect at `at`, see `offers_at`; keep their order) with their rate
    vectors from the tariff, cached per ledger and selection (a bounded number per ledger)."""
    if offers is None:  # keyed by the date alone: no tuple of 400 ids to build and hash per ranking
        return _cached(ledger, ("table", at, tier),  # type: ignore[no-any-return]
                       lambda: _build(ledger, at, offers_at(ledger, at, tier)))
    chosen = list(offers)
    return _cached(ledger, ("table", at, tier, tuple(map(id, chosen))),  # type: ignore[no-any-return]
                   lambda: _build(ledger, at, chosen))


def _build(ledger: Ledger, at: date, offers: list[Price]) -> _Table:
    from operator import itemgetter

    from llmflation.ledger.tariff import rate_card

    in_order = itemgetter(*BUCKETS)  # a card's rates in BUCKETS order
    rows = []
    for p in offers:
        off = ledger.off_peak_row(p.model, p.provider, at)
        std = rate_card(p)
        oc = rate_card(off) if off is not None else std
        rates = tuple(in_order((oc if is_off else std).rates(long)[0]) for long, is_off in SLOTS)
        bd = tuple(x.batch_discount or Decimal(0) for x in (p, off or p))
        ru = tuple(x.regional_uplift or Decimal(0) for x in (p, off or p))
        rows.append(_Row(p, off, rates, (bd[0], bd[1]), (ru[0], ru[1]), std, oc if off is not None else None))
    return _Table(rows)


@dataclass(frozen=True, slots=True)
class Totals:
    """Exact monthly USD of every offer of a table: offer i's total is its `nbytes`-byte field of `buf` (the packed
    integer, big-endian), divided by 10**scale."""

    buf: bytes
    nbytes: int
    n: int
    scale: int

    def _field(self, i: int) -> bytes:
        """Offer i's field, big-endian (`buf` is the packed total written big-endian: offer 0's field last)."""
        end = len(self.buf) - i * self.nbytes
        return self.buf[end - self.nbytes:end]

    def int_at(self, i: int) -> int:
        return int.from_bytes(self._field(i), "big")

    def usd(self, i: int) -> Decimal:
        return Decimal(f"{self.int_at(i)}E-{self.scale}")

    def order(self, keep: Sequence[int]) -> list[int]:
        """`keep` (ascending table indices) cheapest first; ties stay in (model, provider) order, the table's.

        Fixed-width big-endian fields compare as bytes exactly as their integers do, and both sorts are stable.
        Where numpy is already loaded (a server loads it at start-up, `web/app.py`), its lexsort orders the fields
        as 64-bit words, high word first (about 4× faster on 400 offers); a one-shot CLI ranking does not pay
        numpy's import for it and sorts the byte fields in Python. Both give the same list (tested)."""
        np = sys.modules.get("numpy")
        # (another thread may be importing numpy: a module still without lexsort is not used)
        if np is not None and len(keep) > 1 and hasattr(np, "lexsort"):
            return self._order_words(keep, np)
        return self._order_bytes(keep)

    def _order_bytes(self, keep: Sequence[int]) -> list[int]:
        buf, nb = self.buf, self.nbytes
        if not nb:  # no offers
            return list(keep)
        fields = [buf[end - nb:end] for end in range(len(buf), 0, -nb)]  # offer i's field at index i
        return sorted(keep, key=fields.__getitem__)

    def _order_words(self, keep: Sequence[int], np: Any) -> list[int]:
        # every width is a multiple of 64 bits (`monthly_totals`): offer i's field is row i of n × (nbytes/8)
        # big-endian words once the buffer (offer 0's field last) is read backwards by rows
        words = np.frombuffer(self.buf, dtype=">u8").reshape(self.n, self.nbytes // 8)[::-1]
        # lexsort's last key is the primary one: the words low to high, so the high word decides first
        if keep == range(self.n):  # every offer (rank_offers): no selection to gather
            return np.lexsort(words.T[::-1]).tolist()  # type: ignore[no-any-return]
        idx = np.fromiter(keep, dtype=np.intp, count=len(keep))
        return idx[np.lexsort(words[idx].T[::-1])].tolist()  # type: ignore[no-any-return]


def monthly_totals(table: _Table, w: Workload) -> Totals | None:
    """Every offer's exact monthly bill for `w`, or None when the packing's conditions do not hold."""
    from llmflation.workload.bill import PRECISION, call_tokens

    if not table.ok:
        return None
    if table.n == 0:
        return Totals(b"", 0, 0, 0)
    shares = (w.long_context_share, w.off_peak_share, w.batch_share, w.regional_share)
    if not all(0 <= s <= 1 for s in shares):
        return None
    lng, off, bsh, gsh = shares
    with localcontext() as ctx:  # the reference's token buckets (bill.bill_offer works at PRECISION digits)
        ctx.prec = PRECISION
        toks = call_tokens(w)
    # every coefficient K · w_slot · t_b in exact integer arithmetic: (m, s) stands for m / 10**s
    (km, ks), (tasks_m, tasks_s) = _fixed(w.calls_per_task), _fixed(w.tasks_per_month)
    km, ks = km * tasks_m, ks + tasks_s
    tok = [(b, _fixed(t)) for b, name in enumerate(BUCKETS) if (t := toks[name])]
    (lm, ls), (fm, fs) = _fixed(lng), _fixed(off)
    long_w, off_w = ((10 ** ls - lm, lm), ls), ((10 ** fs - fm, fm), fs)
    coef: list[tuple[tuple[int, int], int, int]] = []  # ((slot, bucket), m, s)
    for s, (is_long, is_off) in enumerate(SLOTS):
        wm = long_w[0][is_long] * off_w[0][is_off]
        if not wm:
            continue
        wm *= km
        wsc = long_w[1] + off_w[1] + ks
        for b, (tm, ts) in tok:
            coef.append(((s, b), wm * tm, wsc + ts))
    if any(m < 0 for _, m, _ in coef):
        return None
    sc = max([0, *(_fewest_places(m, ms) for _, m, ms in coef if m)])
    cint = [(key, m * 10 ** (sc - ms) if sc >= ms else m // 10 ** (ms - sc)) for key, m, ms in coef]
    (b_int, sb), (g_int, sg) = _fixed(bsh), _fixed(gsh)
    one_b, one_g = 10 ** sb, 10 ** sg
    # bound of any field: Σc · max value · (1 + G) · 1 (scaled), with room
    bound = sum(c for _, c in cint) * max(table.max_value, 1) * (one_g + g_int) * one_b
    width = max(64, (bound.bit_length() + 2 + 63) // 64 * 64)
    # Σ c·r·(1 + G·ru) − B·Σ c·r·bd·(1 + G·ru), each sum one big-integer multiply-add per (slot, bucket)
    terms = [t for t, on in ((0, True), (1, bool(b_int)), (2, bool(g_int)), (3, bool(b_int and g_int))) if on]
    sums = [0, 0, 0, 0]
    packed = table.packed
    for (s, b), c in cint:
        if c:
            for term in terms:
                p = packed(width, (s, b, term))
                if p is not None:
                    sums[term] += c * p
    pos = sums[0] * one_g + sums[2] * g_int if g_int else sums[0]
    neg = (sums[1] * one_g + sums[3] * g_int if g_int else sums[1]) if b_int else 0
    total = pos * one_b - neg * b_int if b_int else pos
    nbytes = width // 8
    return Totals(total.to_bytes(nbytes * table.n, "big"), nbytes, table.n, table.scale + sc + sb + sg + 6)


def agrees(reference: Decimal, exact: Decimal) -> bool:
    """The Decimal reference equals the exact total, or — when the bill needs more significant digits than the
    reference keeps (workload/bill.py PRECISION; e.g. tasks compounded by monthly growth over many months, or huge
    task counts times many-digit shares) — it agrees to within 10^-(PRECISION/3) of the total."""
    from llmflation.workload.bill import PRECISION

    if reference == exact:
        return True
    if not exact:
        return False
    diff = abs(Context(prec=2000).subtract(reference, exact))
    # The reference rounds each intermediate product at PRECISION significant digits, so with huge task counts and
    # many-digit shares its error is relative to its largest intermediate, not to the total (seen by schemathesis:
    # 2e-26 USD on a $2.3e11 bill, 9e-22 on $8.4e6). Accept a relative 1e-20 — far below any cent, and far below the
    # store's own 9 decimals — but not a packing bug, which would be a whole term.
    return diff <= abs(exact).scaleb(-(PRECISION // 3))


# -- itemised bills without the Decimal reference -------------------------------------------------------------
class QuickItem(NamedTuple):
    """One line of an itemised bill, with the fields (and values) of `bill.LineItem`; cheap to build."""

    name: str
    tokens_per_task: Decimal | None
    usd_per_mtok: Decimal | None
    per_task_usd: Decimal
    monthly_usd: Decimal


_BILL_FIELDS = ("model", "provider", "tier", "at", "per_call_usd", "per_task_usd", "monthly_usd", "tokens_per_month",
                "usd_per_mtok", "items", "warnings", "margin", "price_valid_from", "source", "confidence", "score")


class QuickBill:
    """An offer's itemised bill with the fields and values of `bill.OfferBill` (items are `QuickItem`s), built by
    `LazyBills.page` from the exact arithmetic below rather than by the Decimal reference; `full()` is the same
    bill as an OfferBill (tests compare it with the reference's).

    The line items are held compactly and built on first read of `items`: `lines` (per task and monthly USD of
    each item of `bill.ITEM_NAMES`, in turn), `tokens` (the tokens per task of each tariff bucket: the same tuple
    for every bill of one workload) and `row` (the offer's packed-table row: its standard rates are the buckets'
    USD per 1M tokens; the adjustments have neither). `shapes.offer_json` writes them without building items."""

    __slots__ = (*(f for f in _BILL_FIELDS if f != "items"), "lines", "tokens", "row")
    model: str
    provider: str
    tier: str
    at: date
    per_call_usd: Decimal
    per_task_usd: Decimal
    monthly_usd: Decimal
    tokens_per_month: Decimal
    usd_per_mtok: Decimal | None
    warnings: tuple[BillWarning, ...]
    margin: Margin | None
    price_valid_from: date
    source: str
    confidence: str
    score: Decimal | None
    lines: tuple[Decimal, ...]
    tokens: tuple[Decimal, ...]
    row: _Row

    def __init__(self, model: str, provider: str, tier: str, at: date, per_call_usd: Decimal, per_task_usd: Decimal,
                 monthly_usd: Decimal, tokens_per_month: Decimal, usd_per_mtok: Decimal | None,
                 lines: tuple[Decimal, ...], warnings: tuple[BillWarning, ...], margin: Margin | None,
                 price_valid_from: date, source: str, confidence: str, score: Decimal | None,
                 tokens: tuple[Decimal, ...], row: _Row) -> None:
        self.model, self.provider, self.tier, self.at = model, provider, tier, at
        self.per_call_usd, self.per_task_usd, self.monthly_usd = per_call_usd, per_task_usd, monthly_usd
        self.tokens_per_month, self.usd_per_mtok, self.lines, self.warnings = tokens_per_month, usd_per_mtok, lines, \
            warnings
        self.margin, self.price_valid_from, self.source, self.confidence = margin, price_valid_from, source, confidence
        self.score, self.tokens, self.row = score, tokens, row

    @property
    def items(self) -> tuple[QuickItem, ...]:
        from llmflation.workload.bill import ITEM_NAMES

        nb, rates, v = len(self.tokens), self.row.rates[0], self.lines
        return tuple(QuickItem(name, self.tokens[i], rates[i], v[2 * i], v[2 * i + 1]) if i < nb
                     else QuickItem(name, None, None, v[2 * i], v[2 * i + 1]) for i, name in enumerate(ITEM_NAMES))

    def full(self) -> OfferBill:
        from llmflation.workload.bill import LineItem, OfferBill

        values = {f: getattr(self, f) for f in _BILL_FIELDS}
        values["items"] = tuple(LineItem(*it) for it in self.items)
        return OfferBill(**values)


def _places(v: Decimal) -> int:
    """Decimal places of a finite value's digits (0 for an integer or zero)."""
    if v.is_finite() and v == v.to_integral_value():  # a whole number (most token counts and shares): none
        return 0
    return _scale_of([v])


class _Itemiser:
    """Itemised bills of one workload on the offers of one table, in exact arithmetic.

    The reference (bill.py) computes a bill's line items as differences of mixtures over the long, off-peak, batch
    and regional shares, each rounded at PRECISION significant digits. Here every value is computed exactly:

        base items   x_b = t_b · r[std, b] / 1e6              (t: the call's token buckets)
        C_slot       = Σ_b t_b · r[slot, b] / 1e6
        D_o          = (1 − L)·C[std, o] + L·C[long, o]        (o: peak / off-peak rates)
        with_long    = D_peak
        with_off     = (1 − F)·D_peak + F·D_off
        with_batch   = Σ_o w_o · D_o · (1 − B·bd_o)
        with_region  = Σ_o w_o · D_o · (1 − B·bd_o) · (1 + G·ru_o)

    which equal the reference's values whenever the reference computes exactly. It does when every value it forms
    fits in PRECISION digits: all are non-negative combinations bounded by 2·Σ t_b·max r / 1e6 per call (times
    calls and tasks for the per-task and monthly values; bd, ru, shares in [0, 1]) and have at most as many
    decimal places as the product of every factor's, so `ok` checks that bound once per workload; when it fails
    (e.g. monthly growth compounded over years) `LazyBills.page` uses the reference. The arithmetic runs under a
    context that traps Inexact as a second guard, and each monthly total must equal the packed ranking's.
    Warnings come from the reference's own rule (`bill.fallback_codes`), cached per offer and token/share pattern.
    """

    def __init__(self, w: Workload, table: _Table) -> None:
        from llmflation.workload.bill import PRECISION, call_tokens

        self.w, self.table = w, table
        with localcontext() as ctx:  # the reference's context: these workload-only values are the reference's
            ctx.prec = PRECISION
            self.toks = call_tokens(w)
            self.tokens_per_month = w.tokens_per_month
            self.calls, self.tasks = w.calls_per_task, w.tasks_per_month
            self.tok_task = tuple(self.toks[b] * self.calls for b in BUCKETS)
        self.shares = {"long": w.long_context_share, "off": w.off_peak_share, "batch": w.batch_share,
                       "regional": w.regional_share}
        self.share_key = tuple(self.shares.values())  # all that bill_warnings quotes of the workload
        self.off_peak = w.off_peak_share > 0
        toks = [self.toks[b] for b in BUCKETS]
        self.pos = frozenset(i for i, t in enumerate(toks) if t)
        self.pattern = (tuple(t > 0 for t in toks),
                        tuple(0 if v == 0 else 2 if v == 1 else 1 for v in self.shares.values()))
        self._codes_of = _inner(_CODES, self.pattern, _MAX_PATTERNS)
        self._worded_of = _inner(_WORDED, (self.pattern, self.share_key), _MAX_SHARES)
        self.ok = table.ok and all(t >= 0 for t in toks) and all(0 <= v <= 1 for v in self.shares.values()) \
            and all(v.is_finite() for v in (*toks, self.calls, self.tasks))
        if self.ok:  # at most this many decimal places in any value the reference forms
            places = max(map(_places, toks)) + table.rate_places + 6 + table.sd + table.su \
                + sum(map(_places, self.shares.values())) + _places(self.calls) + _places(self.tasks)
            with localcontext(Context(prec=PRECISION * 8)):  # exact: a bound, never rounded down
                bound = 2 * sum(toks, Decimal(0)) * table.max_rate * max(Decimal(1), self.calls) \
                    * max(Decimal(1), self.tasks)
                self.ok = max(bound.scaleb(-6), Decimal(2)).scaleb(places) < Decimal(10) ** PRECISION
        self.tokm = [_EXACT.scaleb(t, -6) for t in toks]

    def bills(self, ks: Sequence[int], at: date, scores: dict[int, Decimal], expected: Sequence[Decimal]
              ) -> list[QuickBill]:
        """Offers `ks` of the table, itemised; `expected`: their exact monthly totals from the packed ranking."""
        from llmflation.workload.bill import ADJUSTMENTS, PRECISION, ZERO, margin_here, unit_price_here

        pos, tokm, sh = sorted(self.pos), self.tokm, self.shares
        lng, off, bsh, gsh = sh["long"], sh["off"], sh["batch"], sh["regional"]
        calls, tasks = self.calls, self.tasks
        n_lines = 2 * len(BUCKETS)
        mixed = bool(lng or off or bsh or gsh)
        no_adjustments = [ZERO] * (2 * len(ADJUSTMENTS))
        numbers = []
        with localcontext(_STRICT):
            for k in ks:
                row = self.table.rows[k]
                r = row.rates
                rates = r[0]
                lines = [ZERO] * n_lines  # per task and monthly USD of each bucket's item, in turn
                base = ZERO
                for b in pos:
                    x = tokm[b] * rates[b]
                    if x:
                        base += x
                        task = x * calls
                        lines[2 * b] = task
                        lines[2 * b + 1] = task * tasks
                if not mixed:  # no long, off-peak, batch or regional calls: no adjustments
                    lines += no_adjustments
                    task_total = base * calls
                    numbers.append((k, row, base, task_total, task_total * tasks, tuple(lines)))
                    continue
                d0 = d1 = base
                if lng:
                    d0 = (1 - lng) * base + lng * sum([tokm[b] * r[1][b] for b in pos], ZERO)
                if off and row.off_peak is not None:
                    d1 = sum([tokm[b] * r[2][b] for b in pos], ZERO)
                    if lng:
                        d1 = (1 - lng) * d1 + lng * sum([tokm[b] * r[3][b] for b in pos], ZERO)
                else:
                    d1 = d0
                with_off = (1 - off) * d0 + off * d1 if off else d0
                if bsh:
                    e0, e1 = d0 * (1 - bsh * row.bd[0]), d1 * (1 - bsh * row.bd[1])
                    with_batch = (1 - off) * e0 + off * e1
                else:
                    e0, e1, with_batch = d0, d1, with_off
                with_region = (1 - off) * e0 * (1 + gsh * row.ru[0]) + off * e1 * (1 + gsh * row.ru[1]) \
                    if gsh else with_batch
                before = base
                for after in (d0, with_off, with_batch, with_region):  # the adjustments' items
                    v = after - before
                    if v:
                        task = v * calls
                        lines.extend((task, task * tasks))
                    else:
                        lines.extend((ZERO, ZERO))
                    before = after
                task_total = with_region * calls
                numbers.append((k, row, with_region, task_total, task_total * tasks, tuple(lines)))
        out = []
        w, tokens, tokens_per_month, warnings = self.w, self.tok_task, self.tokens_per_month, self.warnings
        with localcontext() as ctx:  # the reference's context for the unit price and the margin
            ctx.prec = PRECISION
            for (k, row, call_total, task_total, month_total, lines_), want in zip(numbers, expected, strict=True):
                p = row.price
                if month_total != want and not agrees(month_total, want):  # agrees: when the tokens were rounded
                    raise FastBillMismatch(f"{p.model} on {p.provider}: packed total {want} ≠ itemised "
                                           f"{month_total}; please report this with your workload file")
                out.append(QuickBill(p.model, p.provider, p.tier, at, call_total, task_total, month_total,
                                     tokens_per_month, unit_price_here(month_total, tokens_per_month), lines_,
                                     warnings(k), margin_here(w, task_total), p.valid_from, p.source,
                                     p.confidence, scores.get(k), tokens, row))
        return out

    def warnings(self, k: int) -> tuple[BillWarning, ...]:
        """The reference's warnings: its fallback codes (bill.fallback_codes: they depend on the offer and on which
        buckets and shares are 0, 1 or between, so they are kept per token/share pattern and offer row), worded by
        bill.bill_warnings (the messages quote the shares, so the words are kept per pattern, shares and row). Most
        offers have no code: their empty warnings need neither wording nor a decimal context."""
        row = self.table.rows[k]
        hit = self._codes_of.get(id(row))
        if hit is not None and hit[0] is row:  # the row is kept with its entry: its id is not reused meanwhile
            codes = hit[1]
        else:
            from llmflation.workload.bill import PRECISION, fallback_codes

            with localcontext() as ctx:
                ctx.prec = PRECISION
                codes = fallback_codes(self.toks, self.shares, row.std_card, row.off_card)
            _remember(self._codes_of, row, codes)
        off_missing = self.off_peak and row.off_card is None
        if not codes and not off_missing:
            return ()
        worded = self._worded_of.get(id(row))
        if worded is not None and worded[0] is row:
            return worded[1]
        from llmflation.workload.bill import PRECISION, bill_warnings

        with localcontext() as ctx:
            ctx.prec = PRECISION
            out = bill_warnings(self.w, row.price, codes, row.off_card is None)
        _remember(self._worded_of, row, out)
        return out


def _inner(cache: dict[Any, dict[int, Any]], key: Any, most: int) -> dict[int, Any]:
    """`cache`'s table for `key` (offer row id → (row, value)), made when missing; the outer cache is emptied
    when it holds `most` keys, so a long-running server's memory stays bounded."""
    got = cache.get(key)
    if got is None:
        if len(cache) >= most:
            cache.clear()
        got = cache[key] = {}
    return got


def _remember(table: dict[int, Any], row: _Row, value: Any) -> None:
    if len(table) >= _MAX_CODE_KEYS:
        table.clear()
    table[id(row)] = (row, value)  # the row is kept with its entry: its id is not reused meanwhile


_STRICT = Context(prec=400, traps=[Inexact])
# bounds: a table keeps at most _MAX_CODE_KEYS rows (in practice the ledger's offers that pages itemise, about 1,500
# at most), and at most _MAX_PATTERNS (_MAX_SHARES) tables are kept at once
_MAX_CODE_KEYS = 20_000
_MAX_PATTERNS = 64  # token/share patterns
_MAX_SHARES = 256  # (pattern, shares) keys of worded warnings: a page itemises about 20 rows per new key
# the fallback codes per token/share pattern, then per offer row
_CODES: dict[Any, dict[int, tuple[_Row, list[str]]]] = {}
# the worded warnings per (token/share pattern, the shares the messages quote), then per offer row: bill_warnings'
# text
_WORDED: dict[Any, dict[int, tuple[_Row, tuple[BillWarning, ...]]]] = {}


class LazyBills(Sequence["OfferBill"]):
    """A ranking's offers in order; each itemised bill is computed by the Decimal reference when first read and
    checked against the exact packed total."""

    def __init__(self, workload: Workload, at: date, table: _Table, totals: Totals, ranked: list[int],
                 scores: dict[int, Decimal] | None = None) -> None:
        self._w, self._at, self._table, self._totals, self._ranked = workload, at, table, totals, ranked
        self._scores = scores or {}
        self._bills: dict[int, OfferBill] = {}
        self._quick: dict[int, QuickBill] = {}
        self._itemiser: _Itemiser | None = None

    def page(self, start: int, stop: int) -> list[OfferBill | QuickBill]:
        """Offers start..stop-1 itemised, each equal to what indexing gives (the Decimal reference's bill) but
        computed in exact arithmetic without it (`_Itemiser`; the reference where its bound does not hold)."""
        idx = range(*slice(start, stop).indices(len(self._ranked)))
        if self._itemiser is None:
            self._itemiser = _Itemiser(self._w, self._table)
        if not self._itemiser.ok:
            return [self._get(i) for i in idx]
        todo = [i for i in idx if i not in self._quick]
        if todo:
            ks = [self._ranked[i] for i in todo]
            try:
                got = self._itemiser.bills(ks, self._at, self._scores, [self._totals.usd(k) for k in ks])
            except Inexact:  # outside the bound after all: the reference
                return [self._get(i) for i in idx]
            self._quick.update(zip(todo, got, strict=True))
        return list(map(self._quick.__getitem__, idx))

    def __len__(self) -> int:
        return len(self._ranked)

    def total(self, i: int) -> Decimal:
        """The exact monthly USD of the i-th offer without itemising it."""
        return self._totals.usd(self._ranked[i])

    def price(self, i: int) -> Price:
        """The ledger row of the i-th offer without itemising it."""
        return self._table.rows[self._ranked[i]].price

    def _get(self, i: int) -> OfferBill:
        got = self._bills.get(i)
        if got is None:
            from llmflation.workload.bill import bill_offer

            k = self._ranked[i]
            row = self._table.rows[k]
            got = bill_offer(self._w, row.price, self._at, self._scores.get(k), row.off_peak)
            expected = self._totals.usd(k)
            if not agrees(got.monthly_usd, expected):
                raise FastBillMismatch(f"{row.price.model} on {row.price.provider}: packed total {expected} ≠ "
                                       f"reference {got.monthly_usd}; please report this with your workload file")
            self._bills[i] = got
        return got

    @overload
    def __getitem__(self, i: int) -> OfferBill: ...

    @overload
    def __getitem__(self, i: slice) -> list[OfferBill]: ...

    def __getitem__(self, i: int | slice) -> OfferBill | list[OfferBill]:
        if isinstance(i, slice):
            return [self._get(j) for j in range(*i.indices(len(self._ranked)))]
        if i < 0:
            i += len(self._ranked)
        if not 0 <= i < len(self._ranked):
            raise IndexError(i)
        return self._get(i)

    def __iter__(self) -> Iterator[OfferBill]:
        return (self._get(i) for i in range(len(self._ranked)))

    def __bool__(self) -> bool:
        return bool(self._ranked)
