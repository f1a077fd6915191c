"""Names that start to bill another model at another price (`Ledger.name_price_moves`): found on hand-built ledgers
where every case is countable, counted by `coverage` (all, vendor-dated, distinct), and listed by `data diff` on
the bundled data (gpt-4o moving to its 2024-08-06 snapshot is the textbook case)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from llmflation.ledger.ledger import Ledger, distinct_name_moves
from llmflation.ledger.records import Lifecycle, Model, NameRow, Price

SRC = "https://example.org/src"
MOVE = date(2025, 3, 1)


def _model(mid: str) -> Model:
    return Model(mid, mid, mid.split("/")[0], None, False, False, SRC, "official")


def _price(model: str, provider: str, start: date, inp: str, out: str, end: date | None = None, **extra: object
           ) -> Price:
    return Price(model, provider, start, end, D(inp), D(out), SRC, "official", **extra)  # type: ignore[arg-type]


def _alias(name: str, first: str, then: str, confidence: str = "official", provider: str | None = None,
           kind: str = "alias") -> list[NameRow]:
    return [NameRow(name, first, "alias", date(2025, 1, 1), SRC, "official", provider=provider, valid_to=MOVE),
            NameRow(name, then, kind, MOVE, SRC, confidence, provider=provider)]


def _ledger(names: list[NameRow], prices: list[Price] | None = None, lifecycle: list[Lifecycle] = ()) -> Ledger:
    models = [_model(m) for m in ("acme/old", "acme/new", "acme/twin", "acme/gap")]
    base = [_price("acme/old", "acme", date(2025, 1, 1), "2", "10"),
            _price("acme/new", "acme", date(2025, 2, 1), "1", "5"),
            _price("acme/twin", "acme", date(2025, 1, 1), "2", "10"),       # same price as acme/old
            _price("acme/gap", "acme", date(2025, 4, 1), "1", "5"),         # no price on the day of the move
            _price("acme/old", "hostx", date(2025, 1, 1), "3", "12"),
            _price("acme/new", "hostx", date(2025, 1, 1), "1.5", "6")]
    return Ledger(models, base if prices is None else prices, [], names=names, lifecycle=list(lifecycle))


def test_an_alias_moving_to_a_cheaper_model_is_a_dated_cut_at_the_developers_own_api_only() -> None:
    [move] = _ledger(_alias("acme-latest", "acme/old", "acme/new")).name_price_moves()
    assert (move.name, move.provider, move.day) == ("acme-latest", "acme", MOVE)
    assert (move.before.model, move.after.model) == ("acme/old", "acme/new")
    assert (move.before.input, move.after.input, move.after.output) == (D(2), D(1), D(5))
    assert move.direction == "cut" and move.vendor_dated
    assert {c.rate for c in move.changed} == {"input", "output"}
    # a provider-less name is billed by hosts under their own ids: hostx's prices of both models are not a move


def test_a_name_of_one_provider_moves_at_that_provider() -> None:
    [move] = _ledger(_alias("acme/latest", "acme/old", "acme/new", provider="hostx")).name_price_moves()
    assert (move.provider, move.before.input, move.after.input) == ("hostx", D(3), D("1.5"))


def test_no_move_when_the_price_is_the_same_or_either_side_has_no_price_or_is_shut_down() -> None:
    assert _ledger(_alias("same", "acme/old", "acme/twin")).name_price_moves() == []
    assert _ledger(_alias("gap", "acme/old", "acme/gap")).name_price_moves() == []  # names_without_price's case
    shut = [Lifecycle("acme/old", "acme", SRC, "official", shutdown_on=date(2025, 2, 15))]
    assert _ledger(_alias("late", "acme/old", "acme/new"), lifecycle=shut).name_price_moves() == []
    # rows that do not meet (a gap between the name's intervals) are no move either
    first, then = _alias("gappy", "acme/old", "acme/new")
    assert _ledger([first, replace(then, valid_from=date(2025, 3, 5))]).name_price_moves() == []


def test_an_inferred_day_is_a_move_but_not_a_vendor_dated_one() -> None:
    [move] = _ledger(_alias("acme-latest", "acme/old", "acme/new", confidence="derived")).name_price_moves()
    assert not move.vendor_dated
    cov = _ledger(_alias("acme-latest", "acme/old", "acme/new", confidence="derived")).coverage(date(2025, 6, 1))
    assert (cov.name_moves, cov.name_moves_vendor_dated, cov.name_moves_vendor_dated_distinct) == (1, 0, 0)


def test_the_distinct_count_takes_one_per_event_and_none_a_price_row_already_records() -> None:
    names = [*_alias("chat", "acme/old", "acme/new"), *_alias("reasoner", "acme/old", "acme/new")]
    ledger = _ledger(names)
    moves = ledger.name_price_moves()
    assert [m.name for m in moves] == ["chat", "reasoner"]
    assert len(distinct_name_moves(moves, ledger.price_changes())) == 1
    rec = ledger.coverage(date(2025, 6, 1)).record()["name_moves"]
    assert rec == {"total": 2, "vendor_dated": 2, "vendor_dated_distinct": 1}
    # the name is also a model whose own price row changes that day: that row already counts the event
    own = [_model(m) for m in ("acme/old", "acme/new", "acme/chat")]
    prices = [_price("acme/old", "acme", date(2025, 1, 1), "2", "10"),
              _price("acme/new", "acme", date(2025, 2, 1), "1", "5"),
              _price("acme/chat", "acme", date(2025, 1, 1), "2", "10", end=MOVE),
              _price("acme/chat", "acme", MOVE, "1", "5")]
    dup = Ledger(own, prices, [], names=_alias("chat", "acme/old", "acme/new"))
    assert len(dup.name_price_moves()) == 1
    assert distinct_name_moves(dup.name_price_moves(), dup.price_changes()) == []
    # a move where only a rate besides input and output differs is listed, not counted as a distinct price move
    batch = _ledger(_alias("b", "acme/old", "acme/twin"),
                    prices=[_price("acme/old", "acme", date(2025, 1, 1), "2", "10", batch_discount=D("0.5")),
                            _price("acme/twin", "acme", date(2025, 1, 1), "2", "10")])
    [only_batch] = batch.name_price_moves()
    assert {c.rate for c in only_batch.changed} == {"batch_discount"} and only_batch.direction == "increase"
    assert distinct_name_moves([only_batch], batch.price_changes()) == []


def test_moves_after_the_release_day_are_not_counted_yet() -> None:
    ledger = _ledger(_alias("acme-latest", "acme/old", "acme/new"))
    assert ledger.coverage(date(2025, 2, 28)).name_moves == 0
    assert ledger.coverage(MOVE).name_moves == 1


def test_bundled_gpt_4o_moving_to_its_august_snapshot_is_a_vendor_dated_cut(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("data", "diff", "--since", "2024-10-01", "--json")
    assert out.returncode == 0, out.stderr
    moves = {(m["name"], m["provider"], m["day"]): m for m in json.loads(out.stdout)["name_moves"]}
    m = moves[("gpt-4o", "openai", "2024-10-02")]
    assert (m["before"]["model"], m["after"]["model"]) == ("openai/gpt-4o-2024-05-13", "openai/gpt-4o-2024-08-06")
    assert (D(m["before"]["input_usd_per_mtok"]), D(m["after"]["input_usd_per_mtok"])) == (D(5), D("2.5"))
    assert (D(m["before"]["output_usd_per_mtok"]), D(m["after"]["output_usd_per_mtok"])) == (D(15), D(10))
    # 3:1 blend: (3 × 5 + 15) / 4 = 7.50 → (3 × 2.5 + 10) / 4 = 4.375
    assert m["direction"] == "cut" and m["vendor_dated"] is True and m["blended_change_pct"] == "-41.7"
    assert all(x["day"] >= "2024-10-01" for x in moves.values())
    table = cli("data", "diff", "--since", "2024-10-01")
    assert table.returncode == 0 and "Names that bill another model" in table.stdout and "gpt-4o" in table.stdout
    check = json.loads(cli("data", "check", "--json").stdout)["name_moves"]
    assert check["total"] >= check["vendor_dated"] >= check["vendor_dated_distinct"] > 0


def test_the_dashboard_lists_the_latest_name_moves() -> None:
    from fastapi.testclient import TestClient

    from llmflation.web import WebSettings, create_app

    ledger = _ledger(_alias("acme-latest", "acme/old", "acme/new", confidence="derived"))
    html = TestClient(create_app(WebSettings(), ledger=ledger)).get("/").text
    table = html[html.index('id="name-moves-table"'):]
    row = table[table.index("<tbody>"):table.index("</tbody>")]
    assert "2025-03-01" in row and "acme-latest" in row and "acme/old" in row and "acme/new" in row
    assert "$2.00 → $1.00" in row and "$10.00 → $5.00" in row and "inferred" in row
    # no name moved: no table
    quiet = TestClient(create_app(WebSettings(), ledger=_ledger(_alias("same", "acme/old", "acme/twin"))))
    assert 'id="name-moves-table"' not in quiet.get("/").text
