"""The fast /api/bill path writes exactly what the reference writes.

Two parts are checked against their references on random ledgers and workloads (every pricing dimension: fallbacks,
long-context tiers, off-peak rows, batch, regional, floors) and on the bundled ledger with random queries:

* the itemiser (`fastbill.LazyBills.page`, exact arithmetic) gives the Decimal reference's bills (`bill_offer`);
* the encoder (`shapes.offer_json`) writes the same characters as `json.dumps(jsonable(offer_record(...)))`;
* the whole answer (`billing.bill_answer_json`, what the API sends) is byte for byte `dump(bill_answer(...))`.

Bad queries still get the API's one error envelope with a 4xx status and the field named.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers.web_support import assert_envelope
from llmflation.ledger.ledger import Ledger
from llmflation.shapes import jsonable, offer_json, offer_record, offers_json
from llmflation.web import WebSettings, create_app
from llmflation.web.billing import BillQuery, bill_answer, bill_answer_json
from llmflation.web.params import dump
from llmflation.workload.bill import BillWarning, OfferBill, rank_offers
from llmflation.workload.fastbill import LazyBills, QuickBill
from llmflation.workload.spec import Workload, load_workload
from test_workload_fastbill import AT, ledgers, reference, workloads

FIXTURE_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def record_text(b: OfferBill | QuickBill, rank: int | None) -> str:
    """The reference encoding of one offer: the JSON contract's record through the generic path."""
    return json.dumps(jsonable(offer_record(b, rank)), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


@settings(max_examples=150, deadline=None)
@given(ledgers(), workloads(), st.integers(0, 20), st.integers(1, 30))
def test_fast_itemised_page_equals_the_decimal_reference(ledger: Ledger, w: Workload, start: int, n: int) -> None:
    offers = rank_offers(ledger, w, AT).offers
    assert isinstance(offers, LazyBills)
    ref = reference(ledger, w, AT)
    page = offers.page(start, start + n)
    assert len(page) == len(ref[start:start + n])
    for got, want in zip(page, ref[start:start + n], strict=True):
        assert isinstance(got, QuickBill)  # these workloads are within the exactness bound
        assert got.full() == want
        assert offer_json(got, start + 1) == record_text(want, start + 1)
        assert offer_json(want) == record_text(want, None)


@settings(max_examples=60, deadline=None)
@given(ledgers(), workloads())
def test_one_text_memo_across_a_page_changes_nothing(ledger: Ledger, w: Workload) -> None:
    offers = rank_offers(ledger, w, AT).offers
    texts: dict[int, str] = {}
    page = offers.page(0, 50)
    assert [offer_json(b, i, texts) for i, b in enumerate(page)] == [record_text(b, i) for i, b in enumerate(page)]


@settings(max_examples=60, deadline=None)
@given(ledgers(), workloads(), st.integers(0, 3))
def test_a_page_written_in_one_pass_is_each_offer_as_the_record(ledger: Ledger, w: Workload, first: int) -> None:
    """`offers_json` (the API's page writer: one pass over fast bills) gives each offer's record text, ranked or
    not, with the page's bills repeated (the cheapest is shown twice on a first page)."""
    offers = rank_offers(ledger, w, AT).offers
    page = offers.page(0, 1) + offers.page(first, first + 30)
    ranks: list[int | None] = [1, *range(first + 1, first + len(page))]
    if len(page) > 2:
        ranks[-1] = None  # an unranked offer too
    ranks = ranks[:len(page)]
    assert offers_json(page, ranks) == [record_text(b, r) for b, r in zip(page, ranks, strict=True)]


def test_outside_the_exactness_bound_the_page_is_the_reference(ledger: Ledger) -> None:
    """A task count with 40 decimal places (tasks compounded by monthly growth, written out in full) times
    many-digit token counts needs more than the reference's 60 digits: the page is then itemised by the reference
    itself, and encoded the same way."""
    w = load_workload({"tasks_per_month": "3816386.8005466146315823251341234567890123456789",
                       "input_tokens": "4537.2837471234567",
                       "output_tokens": "1000", "long_context_share": "0.137", "batch_share": "0.333"})
    offers = rank_offers(ledger, w, date(2025, 9, 1)).offers
    assert isinstance(offers, LazyBills)
    page = offers.page(0, 5)
    assert all(isinstance(b, OfferBill) for b in page) and page == offers[0:5]
    assert [offer_json(b, 1) for b in page] == [record_text(b, 1) for b in page]


def test_the_encoder_escapes_strings_as_json_does() -> None:
    """Quotes, backslashes, control characters and non-ASCII text in any string field: the same text."""
    odd = 'a "quoted" \\ back\nslash\t, ünïcödé, emoji 💸, \x01'
    w = load_workload({"tasks_per_month": 3, "input_tokens": 10, "output_tokens": 1, "revenue_per_task": "0.5"})
    from helpers.workload_data import price
    from llmflation.workload.bill import bill_offer

    bill = bill_offer(w, price("lab/" + odd, odd, "1.5", "2"), AT, D("77.25"))
    bill = replace(bill, source=odd, confidence=odd, warnings=(BillWarning(odd, odd),))
    assert offer_json(bill, 7) == record_text(bill, 7)
    assert offer_json(bill) == record_text(bill, None)
    tiny = replace(bill, per_call_usd=D("1.5E-9"), monthly_usd=D("12E+3"), per_task_usd=D("-0"), score=None)
    assert offer_json(tiny, 1) == record_text(tiny, 1)  # exponents and a negative zero written as jsonable does
    for a, b_, c, d in (("1.500", "0.00", "100.0", "0E-10"), ("1.0E-7", "-0.50", "12300", "0.0000010"),
                        ("7", "-0.0", "1E+1", "5.000000000000000000000000001")):
        zeros = replace(bill, per_call_usd=D(a), per_task_usd=D(b_), monthly_usd=D(c), usd_per_mtok=D(d))
        assert offer_json(zeros, 2) == record_text(zeros, 2)  # trailing zeros and exponents as normalize() drops them


def test_quick_bills_with_odd_text_margins_and_warnings_are_written_as_the_record() -> None:
    """The template writer of itemised-fast bills (`shapes._quick_json`): names, providers and sources with `%`
    (the template is a format string), quotes, control characters and non-ASCII; margins (with revenue, or
    revenue 0 and no ratio), warnings (missing cached-input and batch prices), ranked and unranked."""
    from helpers.workload_data import price
    from llmflation.shapes import _quick_json

    odd = ['50%% off "quoted" \\ %s %(x)s', "ünïcödé 💸\n\x01", "%", "plain"]
    prices = [price(f"lab/{name}", name, str(i + 1), "2", cached_input=None if i % 2 else "0.5")
              for i, name in enumerate(odd)]
    for i, p in enumerate(prices):
        prices[i] = replace(p, source=f"https://example.org/{odd[i]}", confidence="official" if i else "derived")
    ledger = Ledger([], prices, [])
    for extra in ({}, {"revenue_per_task": "0.25"}, {"revenue_per_task": "0"}, {"batch_share": "0.3"}):
        w = load_workload({"tasks_per_month": 1234, "input_tokens": 5000, "output_tokens": 300,
                           "cached_input_share": "0.4", **extra})
        offers = rank_offers(ledger, w, AT).offers
        assert isinstance(offers, LazyBills)
        page = offers.page(0, len(offers))
        texts: dict[Any, Any] = {}
        for i, b in enumerate(page):
            assert isinstance(b, QuickBill)
            assert _quick_json(b, i + 1, texts) is not None  # the template path itself, not the generic one
            assert offer_json(b, i + 1, texts) == record_text(b, i + 1) == record_text(b.full(), i + 1)
            assert offer_json(b) == record_text(b, None)


# -- the whole answer on the bundled ledger ------------------------------------------------------------------------
def share() -> st.SearchStrategy[str]:
    return st.integers(0, 1000).map(lambda n: str(D(n).scaleb(-3)))


@st.composite
def bill_queries(draw: st.DrawFn) -> dict[str, Any]:
    cached = draw(st.integers(0, 100))
    q: dict[str, Any] = {
        "tasks_per_month": str(draw(st.integers(1, 10**9))),
        "input_tokens": str(draw(st.integers(0, 2_000_000))),
        "output_tokens": str(draw(st.integers(0, 100_000))),
        "cached_input_share": str(D(cached).scaleb(-2)),
        "cache_write_share": str(D(draw(st.integers(0, 100 - cached))).scaleb(-2)),
        "at": draw(st.sampled_from(["2023-06-01", "2024-07-01", "2025-01-15", "2025-09-01", "2026-06-01"])),
        "offset": draw(st.sampled_from([0, 0, 1, 7, 40, 400])),
        "limit": draw(st.sampled_from([1, 5, 20, 20, 100])),
    }
    for name in ("calls_per_task", "reasoning_multiplier", "revenue_per_task"):
        if draw(st.booleans()):
            q[name] = str(draw(st.decimals(1, 50, places=2)))
    for name in ("batch_share", "long_context_share", "off_peak_share", "regional_share", "input_audio_share",
                 "output_audio_share"):
        if draw(st.integers(0, 3)) == 0:
            q[name] = draw(share())
    if draw(st.booleans()):
        q["floor"] = draw(st.sampled_from(["mmlu>=70", "gpqa_diamond>=40", "mmlu=85"]))
    if draw(st.integers(0, 5)) == 0:
        q["provider"] = draw(st.sampled_from(["openai", "anthropic", "deepinfra", "google"]))
    return q


@settings(max_examples=120, deadline=None, suppress_health_check=FIXTURE_OK)
@given(bill_queries())
@example({"tasks_per_month": "368384523116.46423", "input_tokens": "4537.2837471234567",
          "output_tokens": "0.33333333333333331", "cache_write_share": "0.008442197170319023",
          "revenue_per_task": "866499471.6315204", "at": "2025-09-01"})  # the reference rounds: its bills
@example({"output_tokens": "3", "input_tokens": "4537.2837471", "tasks_per_month": "368384523116.46423",
          "cache_write_share": "0.008442197170319023", "at": "2026-12-01"})  # found by schemathesis: token buckets
# of 32 digits, which the packed ranking rounded at 28 (the reference keeps 60): a 400 "packed total ≠ itemised"
def test_bill_answer_bytes_equal_the_reference(ledger: Ledger, q: dict[str, Any]) -> None:
    from llmflation.errors import LlmflationError

    query = BillQuery(**q)
    when = date.fromisoformat(q["at"])
    try:
        want = dump(bill_answer(ledger, query, when))
    except LlmflationError as exc:  # e.g. a provider without offers then: the fast path fails the same way
        with pytest.raises(type(exc)):
            bill_answer_json(ledger, query, when)
        return
    assert bill_answer_json(ledger, query, when) == want


def test_the_api_sends_the_reference_bytes_with_the_cache_off(shared_home: Any) -> None:
    """Through the app, answer cache off (every answer computed): the body is the reference's bytes."""
    from llmflation.ledger.ledger import open_ledger

    ledger = open_ledger(shared_home / "ledger.duckdb")
    client = TestClient(create_app(replace(WebSettings(), answer_cache=False), ledger=ledger))
    for q in ({"tasks_per_month": "5000", "input_tokens": "12000", "output_tokens": "800", "calls_per_task": "25",
               "reasoning_multiplier": "8", "cached_input_share": "0.7", "revenue_per_task": "2", "at": "2025-07-01"},
              {"tasks_per_month": "20000", "input_tokens": "300000", "output_tokens": "300", "at": "2025-07-01",
               "long_context_share": "0.1", "batch_share": "1", "floor": "mmlu>=80", "limit": "7", "offset": "3"}):
        r = client.get("/api/bill", params=q)
        assert r.status_code == 200 and r.headers["x-cache"] == "miss"
        assert r.content == dump(bill_answer(ledger, BillQuery(**q), date.fromisoformat(q["at"])))


@pytest.mark.parametrize(("extra", "status", "field"), [
    ({"tasks_per_month": "-5"}, 422, "tasks_per_month"),
    ({"tasks_per_month": "abc"}, 422, "tasks_per_month"),
    ({"tasks_per_month": "NaN"}, 422, "tasks_per_month"),
    ({"tasks_per_month": "1e400"}, 422, "tasks_per_month"),
    ({"input_tokens": ""}, 422, "input_tokens"),
    ({"batch_share": "1.0001"}, 422, "batch_share"),
    ({"regional_share": "-0.1"}, 422, "regional_share"),
    ({"reasoning_tokens": "5", "reasoning_multiplier": "2"}, 422, "reasoning"),
    ({"floor": "mmlu>>80"}, 422, "floor"),
    ({"floor": "nosuchbench>=1"}, 404, "nosuchbench"),
    ({"limit": "0"}, 422, "limit"),
    ({"limit": "501"}, 422, "limit"),
    ({"offset": "-1"}, 422, "offset"),
    ({"at": "20250"}, 422, "at"),
    ({"service_tier": "gold"}, 422, "service_tier"),
])
def test_bad_bill_queries_get_clean_4xx_errors_with_the_cache_off(extra: dict[str, str], status: int,
                                                                  field: str) -> None:
    from helpers.web_support import small_ledger

    client = TestClient(create_app(replace(WebSettings(), answer_cache=False), ledger=small_ledger()),
                        raise_server_exceptions=False)
    base = {"tasks_per_month": "1000", "input_tokens": "1000", "output_tokens": "500", "at": "2025-07-01"}
    body = assert_envelope(client.get("/api/bill", params={**base, **extra}), status)
    assert field in json.dumps(body)


# -- the fast route reads the query as the documented route does ------------------------------------------------------
def _client(endpoint: Any) -> TestClient:
    """An app with the API's error handlers and state and this one /api/bill endpoint."""
    from fastapi import FastAPI

    from helpers.web_support import small_ledger
    from llmflation.web import errors
    from llmflation.web.state import AppState

    app = FastAPI()
    errors.install(app)
    app.state.llmflation = AppState(settings=WebSettings(), ledger=small_ledger())
    app.add_api_route("/api/bill", endpoint, methods=["GET"], response_model=None)
    return TestClient(app, raise_server_exceptions=False)


PARAM = st.sampled_from(["tasks_per_month", "input_tokens", "output_tokens", "cached_input_share", "batch_share",
                         "calls_per_task", "reasoning_tokens", "reasoning_multiplier", "revenue_per_task", "floor",
                         "benchmark", "min_score", "at", "model", "provider", "offset", "limit", "colour", "",
                         "long_context_share", "service_tier"])
VALUE = st.one_of(st.sampled_from(["1000", "0", "-1", "0.5", "1.5", "abc", "", "1e3", "NaN", "2025-07-01", "mmlu>=80",
                                   "gpt-4o", "openai", "mmlu", "80", "20", "999999999999999"]),
                  st.text(max_size=8))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(PARAM, VALUE), max_size=8))
def test_the_fast_route_answers_as_the_documented_route(extra: list[tuple[str, str]]) -> None:
    """Random query strings over the known names, an unknown one and repeats (the last value counts; `model`
    repeats as a list): the same status and the same body from both routes."""
    served, documented = CLIENTS  # the endpoint that answers, and the documented one whose query FastAPI reads
    params = [("tasks_per_month", "1000"), ("input_tokens", "1000"), ("output_tokens", "500"), *extra]
    a, b = served.get("/api/bill", params=params), documented.get("/api/bill", params=params)
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert a.status_code < 500


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(PARAM, VALUE), max_size=8))
def test_the_whole_app_answers_as_the_documented_route(extra: list[tuple[str, str]]) -> None:
    """Through the whole app (cache off), where a good new query is answered before the router
    (cache.FAST_ANSWERS) and anything else falls back to the route: the documented route's status and body."""
    params = [("tasks_per_month", "1000"), ("input_tokens", "1000"), ("output_tokens", "500"), *extra]
    a, b = WHOLE_APP.get("/api/bill", params=params), CLIENTS[1].get("/api/bill", params=params)
    assert (a.status_code, a.content) == (b.status_code, b.content)


def test_a_good_query_is_answered_before_the_router_and_a_bad_one_is_left_to_it() -> None:
    from llmflation.web.api_bill import fast_answer
    from llmflation.web.cache import FAST_ANSWERS

    state = WHOLE_APP.app.state.llmflation  # type: ignore[attr-defined]
    good = b"tasks_per_month=1000&input_tokens=1000&output_tokens=500&at=2025-07-01"
    assert FAST_ANSWERS["/api/bill"]() is fast_answer
    response = fast_answer(state, good)
    assert response.status_code == 200
    assert response.body == WHOLE_APP.get("/api/bill?" + good.decode()).content
    with pytest.raises(Exception, match="tasks_per_month"):
        fast_answer(state, b"tasks_per_month=-5&input_tokens=1000&output_tokens=500")


PRICE_PARAM = st.sampled_from(["model", "at", "provider", "tier", "colour", ""])
PRICE_VALUE = st.one_of(st.sampled_from(["gpt-4o", "gpt-4", "llama-3.3-70b", "openai/gpt-4-0314", "gpt-9", "",
                                         "openai", "together", "nobody", "2024-06-01", "20240601", "2024-06", "2024",
                                         "1999-01-01", "2024-13-01", "standard", "STANDARD ", "flex", "gold",
                                         "x" * 11, "y" * 61, "z" * 201]),
                        st.text(max_size=12))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(PRICE_PARAM, PRICE_VALUE), max_size=6))
def test_price_answers_before_the_router_equal_the_route(params: list[tuple[str, str]]) -> None:
    """/api/price through the whole app (a good new query is answered in the answer cache, anything else by the
    route) and through an app with the documented route only: the same status and body, for random parameters,
    repeats (the last value counts), unknown names, bad dates, tiers and lengths out of bounds."""
    a, b = WHOLE_APP.get("/api/price", params=params), PRICE_ROUTE.get("/api/price", params=params)
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert a.status_code < 500


def test_a_good_price_query_is_answered_before_the_router() -> None:
    from llmflation.web.api_ledger import fast_price

    state = WHOLE_APP.app.state.llmflation  # type: ignore[attr-defined]
    response = fast_price(state, b"model=gpt-4o&at=2024-06-01")
    assert response.status_code == 200 and b'"input_usd_per_mtok":"5"' in response.body
    assert response.body == PRICE_ROUTE.get("/api/price?model=gpt-4o&at=2024-06-01").content
    for bad in (b"at=2024-06-01", b"model=&at=2024-06-01", b"model=gpt-4o&at=2024-06-01-01"):
        with pytest.raises(ValueError, match="the route words the error"):
            fast_price(state, bad)


def _price_route() -> TestClient:
    from fastapi import FastAPI

    from helpers.web_support import small_ledger
    from llmflation.web import errors
    from llmflation.web.api_ledger import api_price
    from llmflation.web.state import AppState

    app = FastAPI()
    errors.install(app)
    app.state.llmflation = AppState(settings=WebSettings(), ledger=small_ledger())
    app.add_api_route("/api/price", api_price, methods=["GET"], response_model=None)
    return TestClient(app, raise_server_exceptions=False)


def _whole_app() -> TestClient:
    from helpers.web_support import small_ledger

    return TestClient(create_app(replace(WebSettings(), answer_cache=False), ledger=small_ledger()),
                      raise_server_exceptions=False)


def _clients() -> tuple[TestClient, TestClient]:
    from llmflation.web.api_bill import api_bill, api_bill_fast

    return _client(api_bill_fast), _client(api_bill)


CLIENTS = _clients()
WHOLE_APP = _whole_app()
PRICE_ROUTE = _price_route()


def test_price_answers_are_the_bytes_fastapi_would_render(shared_home: Any) -> None:
    """/api/price sends pre-encoded bytes: the same text FastAPI's JSONResponse writes for that content."""
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse

    from llmflation.ledger.ledger import open_ledger

    ledger = open_ledger(shared_home / "ledger.duckdb")
    client = TestClient(create_app(replace(WebSettings(), answer_cache=False), ledger=ledger))
    for model, at in (("gpt-4o", "2025-01-01"), ("gpt-4o-mini", "2025-06-01"), ("gpt-4o", "")):
        r = client.get("/api/price", params={"model": model, "at": at})
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.content == JSONResponse(jsonable_encoder(r.json())).body


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "tasks_per_month", "model", "", "a b", "%41", "x+y"]),
                          st.text(max_size=6)), max_size=8),
       st.sampled_from(["", "&", "&&", "=", "a", "a=", "=b", "%zz", "%e2%82%ac", "+", "\xff"]))
def test_the_query_is_read_as_starlette_reads_it(pairs: list[tuple[str, str]], tail: str) -> None:
    """The fast answers' reading of a query string (params.RawQuery) against starlette's QueryParams: the same last
    value per name, the same lists and the same items, escapes, blanks, repeats and odd bytes included."""
    from urllib.parse import quote

    from starlette.datastructures import QueryParams

    from llmflation.web.params import RawQuery

    raw = "&".join(f"{quote(k)}={quote(v)}" if i % 3 else f"{k}={v}" for i, (k, v) in enumerate(pairs)) + tail
    qs = raw.encode("latin-1", "replace") if all(ord(c) < 256 for c in raw) else raw.encode()
    ours, theirs = RawQuery(qs), QueryParams(qs)
    assert ours.multi_items() == theirs.multi_items()
    for key in {k for k, _ in theirs.multi_items()} | {"a", "missing"}:
        assert ours.get(key) == theirs.get(key) and ours.getlist(key) == theirs.getlist(key)


def test_a_revenue_of_a_sliver_of_a_cent_gives_a_margin_not_a_500(shared_home: Any) -> None:
    """Found by schemathesis exploring /api/bill: revenue_per_task=2.28e-260 made the gross-margin ratio (about
    -1e255) too long to quantize to 6 places in the bill's 60-digit context, and the request failed with a 500.
    The ratio now keeps its 60 significant digits; the margin is exact and negative, in the API and the Decimal
    reference alike."""
    from llmflation.ledger.ledger import open_ledger
    from llmflation.workload.bill import margin_of

    w = load_workload({"tasks_per_month": "1.0", "input_tokens": "1000", "output_tokens": "100",
                       "revenue_per_task": "2.280071878978768e-260"})
    m = margin_of(w, D("0.000022"))
    assert m is not None and m.gross_margin is not None
    assert m.gross_margin < -10**250 and m.gross_profit_per_task_usd == D("2.280071878978768e-260") - D("0.000022")
    assert margin_of(w.with_values(revenue_per_task=D("2")), D("0.5")).gross_margin == D("0.750000")
    client = TestClient(create_app(replace(WebSettings(), answer_cache=False),
                                   ledger=open_ledger(shared_home / "ledger.duckdb")))
    r = client.get("/api/bill", params={"input_tokens": "1000", "output_tokens": "100", "tasks_per_month": "1.0",
                                        "at": "", "revenue_per_task": "2.280071878978768e-260"})
    assert r.status_code == 200, r.text
    margin = r.json()["cheapest"]["margin"]
    assert D(margin["gross_margin"]) < 0 and D(margin["gross_profit_per_task_usd"]) < 0


def test_price_answers_splice_each_price_text_rendered_once(shared_home: Any) -> None:
    """/api/price joins a head and one stored text per Price: for every model of the bundled ledger at several
    dates and tiers, the answer is byte for byte the whole dict dumped at once (the generic path), on the first
    request (texts rendered), on a repeat (texts reused) and after the caches are cleared (a reload)."""
    from llmflation.errors import LlmflationError
    from llmflation.ledger.ledger import open_ledger
    from llmflation.web.api_ledger import price_answer, price_record
    from llmflation.web.state import AppState

    state = AppState(settings=WebSettings(), ledger=open_ledger(shared_home / "ledger.duckdb"))
    ledger = state.ledger

    def generic(model: str, at: str, provider: str | None, tier: str) -> bytes:
        when = date.fromisoformat(at)
        resolution, found = ledger.price_resolved(model, at=when, provider=provider, tier=tier)
        return dump({"ok": True, "model": found[0].model, "at": at, "name": resolution.name,
                     "resolved_model": resolution.model.id, "resolved_via": resolution.via,
                     "resolved": resolution.describe(), "prices": [price_record(p) for p in found]})

    answered = 0
    for i, m in enumerate(ledger.models(None)):
        for at in ("2023-06-01", "2024-09-15", "2025-06-01", "2026-03-01"):
            for provider, tier in ((None, "standard"), (None, "batch"), ("openai", "standard")):
                try:
                    want = generic(m.id, at, provider, tier)
                except LlmflationError:
                    continue
                for _ in range(2):
                    assert price_answer(state, m.id, at, provider, tier).body == want
                answered += 1
        if i % 7 == 6:
            state.clear_caches()  # as a reload does: the texts are rendered afresh
    assert answered > 300
    text = json.loads(price_answer(state, "gpt-4o", "2024-06-01", None, "standard").body)
    assert 0 < len(state._price_texts) <= sum(len(v) for v in ledger._prices_of.values())
    assert text["prices"] and text["prices"][0]["input_usd_per_mtok"] == "5"


def test_price_texts_are_kept_per_object_and_bounded() -> None:
    """An entry whose id now belongs to another object is not reused, and the store of texts starts afresh at
    its bound instead of growing."""
    from helpers.web_support import small_ledger
    from llmflation.web import state as state_module
    from llmflation.web.state import AppState

    st_ = AppState(settings=WebSettings(), ledger=small_ledger())
    a, b = ["a"], ["b"]
    assert st_.price_text(a, lambda p: p[0].encode()) == b"a"
    st_._price_texts[id(b)] = (a, b"stale")  # as if `b` had reused a dead object's id
    assert st_.price_text(b, lambda p: p[0].encode()) == b"b"
    held = [[i] for i in range(state_module._MAX_PRICE_TEXTS + 5)]
    for obj in held:
        st_.price_text(obj, lambda p: str(p[0]).encode())
    assert len(st_._price_texts) <= state_module._MAX_PRICE_TEXTS
    assert st_.price_text(held[-1], lambda p: b"x") == str(held[-1][0]).encode()


@pytest.mark.parametrize("body", [b"", b"{}", '{"a":"€"}'.encode(), b"x" * 100_000])
def test_an_encoded_answer_is_the_response_starlette_builds(body: bytes) -> None:
    from starlette.responses import Response

    from llmflation.web.json_body import JsonBody

    ours, theirs = JsonBody(body), Response(body, media_type="application/json")
    assert (ours.status_code, ours.raw_headers, ours.body, ours.background, ours.media_type) == \
        (theirs.status_code, theirs.raw_headers, theirs.body, theirs.background, theirs.media_type)
    assert dict(ours.headers) == dict(theirs.headers)
