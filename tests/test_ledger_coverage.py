"""Coverage counts and targets (`Ledger.coverage`, `data check`): each metric on a small hand-countable ledger
loaded through the real loader, the release file's validation, and the bundled data's fields being consistent."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

import llmflation.ledger.loading as loading
from helpers.cli import run_cli
from llmflation.errors import DataError
from llmflation.ledger.importers.changes import diff
from llmflation.ledger.ledger import COVERAGE_TARGETS, Coverage, Ledger
from llmflation.ledger.loading import (
    LIFECYCLE_COLUMNS,
    MODEL_COLUMNS,
    PRICE_COLUMNS,
    SCORE_COLUMNS,
    BundledData,
    bundled_release,
    lifecycle_warnings,
    load_bundled,
)

SRC = "https://example.org/src"
RELEASE = date(2026, 6, 1)  # stale_before = 2026-04-17 (45 days earlier)


def _csv(columns: tuple[str, ...], rows: Sequence[dict[str, str]]) -> str:
    lines = [",".join(columns)]
    for r in rows:
        unknown = set(r) - set(columns)
        assert not unknown, unknown
        lines.append(",".join(r.get(c, "") for c in columns))
    return "\n".join(lines) + "\n"


def _model(mid: str, released: str = "2024-01-01") -> dict[str, str]:
    return {"id": mid, "name": mid, "developer": mid.split("/")[0], "release_date": released, "source": SRC,
            "confidence": "official"}


def _price(model: str, provider: str, start: str, end: str = "", inp: str = "1", out: str = "2", **extra: str,
           ) -> dict[str, str]:
    return {"model": model, "provider": provider, "tier": "standard", "valid_from": start, "valid_to": end,
            "input": inp, "output": out, "source": SRC, "confidence": "official", **extra}


def _score(model: str) -> dict[str, str]:
    return {"model": model, "benchmark": "gpqa_diamond", "value": "50", "source": SRC, "confidence": "official"}


def _shutdown(model: str, provider: str, day: str) -> dict[str, str]:
    return {"model": model, "provider": provider, "shutdown_on": day, "source": SRC, "confidence": "official"}


Rows = Sequence[dict[str, str]]


def _texts(models: Rows, prices: Rows, scores: Rows = (), lifecycle: Rows = (),
           release: str = f"release = {RELEASE}\n") -> dict[str, str]:
    texts = {"models.csv": _csv(MODEL_COLUMNS, models), "prices.csv": _csv(PRICE_COLUMNS, prices),
             "scores.csv": _csv(SCORE_COLUMNS, scores), "release.toml": release}
    if lifecycle:
        texts["lifecycle.csv"] = _csv(LIFECYCLE_COLUMNS, lifecycle)
    return texts


def _load(models: Rows, prices: Rows, scores: Rows = (), lifecycle: Rows = (),
          release: str = f"release = {RELEASE}\n") -> BundledData:
    return load_bundled(_texts(models, prices, scores, lifecycle, release))


def _check(texts: dict[str, str], home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`llmflation data check ARGS` in-process with the bundled data swapped for `texts` (nothing else)."""
    saved = loading.bundled_texts
    loading.bundled_texts = lambda: dict(texts)
    try:
        return run_cli("data", "check", *args, home=home)
    finally:
        loading.bundled_texts = saved


def _coverage(data: BundledData) -> Coverage:
    ledger = Ledger(data.models, data.prices, data.scores, names=data.names, lifecycle=data.lifecycle)
    return ledger.coverage(data.release)


def test_price_changes_are_counted_by_the_later_rows_date_basis() -> None:
    m, n = "acme/m", "acme/n"
    data = _load([_model(m), _model(n)], [
        # acme/m at acme: a first sighting of the offer (no change), then 3 changes: effective, first_seen, unrecorded
        _price(m, "acme", "2024-01-01", "2024-03-01", "10", "20", date_basis="first_seen"),
        _price(m, "acme", "2024-03-01", "2024-06-01", "8", "16", date_basis="effective"),
        _price(m, "acme", "2024-06-01", "2024-09-01", "4", "8", date_basis="first_seen"),
        _price(m, "acme", "2024-09-01", "", "3", "6"),
        # same price on a new row: not a change; a gap between rows: not a change
        _price(n, "acme", "2024-01-01", "2024-05-01", "1", "2", date_basis="effective"),
        _price(n, "acme", "2024-05-01", "2024-07-01", "1", "2", date_basis="effective"),
        _price(n, "acme", "2024-08-01", "", "0.5", "1", date_basis="effective"),
    ])
    cov = _coverage(data)
    assert (cov.price_changes, cov.effective_changes, cov.first_seen_changes, cov.unrecorded_changes) == (3, 1, 1, 1)
    record = cov.record()
    assert (record["effective_changes"], record["first_seen_changes"], record["unrecorded_changes"]) == (1, 1, 1)
    # data diff keeps the first-seen change apart from the dated cuts (a first sighting is not a price cut)
    d = diff(data.prices, {}, date(2024, 1, 1))
    assert [m.day for m in d.first_sightings] == [date(2024, 6, 1)]
    assert sorted(m.day for m in d.cuts) == [date(2024, 3, 1), date(2024, 9, 1)]


def test_scored_models_released_in_2025_or_2026() -> None:
    models = [_model("a/old", "2024-12-31"), _model("a/first", "2025-01-01"), _model("a/last", "2026-12-31"),
              _model("a/later", "2027-01-01"), _model("a/unscored", "2025-06-01"), _model("a/undated", "")]
    scored = ["a/old", "a/first", "a/last", "a/later", "a/undated"]
    cov = _coverage(_load(models, [_price("a/old", "a", "2024-12-31")], [_score(s) for s in scored]
                          + [_score("a/first")]))
    assert cov.scored_models == 5
    assert cov.scored_models_2025_2026 == 2  # a/first and a/last


def test_stale_first_party_rows_around_the_45_day_edge() -> None:
    ms = [f"acme/m{i}" for i in range(1, 9)]
    prices = [
        _price(ms[0], "acme", "2026-01-01", checked_on="2026-04-17"),  # exactly 45 days before: fresh
        _price(ms[1], "acme", "2026-01-01", checked_on="2026-04-16"),  # 46 days before: stale
        _price(ms[2], "acme", "2026-01-01"),  # never checked: stale
        _price(ms[3], "acme", "2026-01-01", checked_on="2026-05-31"),  # fresh
        _price(ms[4], "host", "2026-01-01"),  # a host's row: not first-party
        _price(ms[5], "acme", "2025-01-01", "2026-05-01"),  # closed before the release: not current
        _price(ms[6], "acme", "2026-07-01"),  # an announced row starting after the release: not current
        _price(ms[7], "acme", "2025-01-01"),  # an offer shut down before the release: not current
    ]
    cov = _coverage(_load([_model(m) for m in ms], prices, lifecycle=[_shutdown(ms[7], "acme", "2026-02-01")]))
    assert cov.current_first_party == 4
    assert cov.checked_first_party == 3
    assert cov.stale_first_party == 2
    assert cov.record()["stale_before"] == date(2026, 4, 17)
    # the host's row is counted apart, by the same 45-day rule, and is no target
    assert (cov.current_host, cov.checked_host, cov.stale_host) == (1, 0, 1)
    assert "stale_host" not in {t.name for t in cov.targets()}


def test_host_rows_go_stale_by_the_same_rule() -> None:
    ms = [f"acme/m{i}" for i in range(1, 6)]
    prices = [
        _price(ms[0], "host", "2026-01-01", checked_on="2026-04-17"),  # exactly 45 days before: fresh
        _price(ms[1], "host", "2026-01-01", checked_on="2026-04-16"),  # 46 days before: stale
        _price(ms[2], "gateway", "2026-01-01"),  # never checked: stale
        _price(ms[3], "host", "2025-01-01", "2026-05-01"),  # closed before the release: not current
        _price(ms[4], "host", "2025-01-01"),  # the host shut this offer down: not current
        _price(ms[0], "acme", "2026-01-01"),  # first-party: counted apart
    ]
    cov = _coverage(_load([_model(m) for m in ms], prices, lifecycle=[_shutdown(ms[4], "host", "2026-02-01")]))
    assert (cov.current_host, cov.checked_host, cov.stale_host) == (3, 2, 2)
    assert (cov.current_first_party, cov.stale_first_party) == (1, 1)
    record = cov.record()
    assert (record["current_host"], record["checked_host"], record["stale_host"]) == (3, 2, 2)


def test_open_offers_past_shutdown_per_provider() -> None:
    ms = ["acme/shut", "acme/closed", "acme/later", "acme/today"]
    prices = [
        _price("acme/shut", "acme", "2025-01-01"),  # open past its shutdown at acme: counted
        _price("acme/shut", "host", "2025-01-01"),  # the shutdown is acme's only: the host's offer stays open
        _price("acme/closed", "acme", "2025-01-01", "2026-03-01"),  # closed on its shutdown day
        _price("acme/later", "acme", "2025-01-01"),  # shutdown after the release: not yet past
        _price("acme/today", "acme", "2025-01-01", "2025-06-01", "2", "4"),
        _price("acme/today", "acme", "2025-06-01", "", "1", "2"),  # shut down on the release day itself: counted
    ]
    lifecycle = [_shutdown("acme/shut", "acme", "2026-03-01"), _shutdown("acme/closed", "acme", "2026-03-01"),
                 _shutdown("acme/later", "acme", "2026-09-01"), _shutdown("acme/today", "acme", str(RELEASE))]
    data = _load([_model(m) for m in ms], prices, lifecycle=lifecycle)
    cov = _coverage(data)
    assert cov.open_past_shutdown_offers == (("acme/shut", "acme", date(2026, 3, 1)), ("acme/today", "acme", RELEASE))
    assert cov.open_past_shutdown == 2
    assert cov.record()["open_past_shutdown_offers"] == [
        {"model": "acme/shut", "provider": "acme", "shutdown_on": date(2026, 3, 1)},
        {"model": "acme/today", "provider": "acme", "shutdown_on": RELEASE}]
    # the load-time warnings (one rule: rows_past_shutdown) also name the future shutdown still open
    warned = lifecycle_warnings(data.prices, data.lifecycle)
    assert len(warned) == 3 and not any("/host/" in w for w in warned)


def test_hosts_still_open_after_the_developer_shut_a_closed_model_down_are_listed_not_targeted() -> None:
    models = [_model("acme/shut"), {**_model("acme/weights"), "open_weights": "true"}, _model("acme/live")]
    prices = [
        _price("acme/shut", "acme", "2025-01-01", "2026-03-01"),
        _price("acme/shut", "hostx", "2025-01-01"),  # open, no host date on record: listed
        _price("acme/shut", "hosty", "2025-01-01"),  # the host's own shutdown is on record: not listed
        _price("acme/shut", "hostz", "2025-01-01", "2026-05-01"),  # closed: not listed
        _price("acme/weights", "acme", "2025-01-01", "2026-03-01"),
        _price("acme/weights", "hostx", "2025-01-01"),  # open weights: a host may serve them on: not listed
        _price("acme/live", "hostx", "2025-01-01"),  # the developer has not shut it down: not listed
    ]
    lifecycle = [_shutdown("acme/shut", "acme", "2026-03-01"), _shutdown("acme/weights", "acme", "2026-03-01"),
                 _shutdown("acme/shut", "hosty", "2026-12-31")]
    cov = _coverage(_load(models, prices, lifecycle=lifecycle))
    assert cov.hosts_after_developer_shutdown == (("acme/shut", "hostx", date(2026, 3, 1)),)
    record = cov.record()
    assert record["hosts_after_developer_shutdown"] == 1
    assert record["hosts_after_developer_shutdown_offers"] == [
        {"model": "acme/shut", "provider": "hostx", "developer_shutdown_on": date(2026, 3, 1)}]
    assert "hosts_after_developer_shutdown" not in {t.name for t in cov.targets()}


def test_targets_say_value_goal_and_whether_met() -> None:
    data = _load([_model("acme/m")], [_price("acme/m", "acme", "2025-01-01")],
                 lifecycle=[_shutdown("acme/m", "acme", "2026-01-01")])
    targets = _coverage(data).record()["targets"]
    assert isinstance(targets, dict)
    assert list(targets) == [name for name, _, _ in COVERAGE_TARGETS]
    assert targets["models"] == {"value": 1, "target": 260, "op": ">=", "met": False}
    assert targets["unsourced"] == {"value": 0, "target": 0, "op": "<=", "met": True}
    assert targets["open_past_shutdown"] == {"value": 1, "target": 0, "op": "<=", "met": False}
    assert targets["stale_first_party"]["value"] == 0  # the only first-party offer is shut down, so not current


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("release = 2026-13-02\n", "release.toml:1: not valid TOML"),
        ('# when\nrelease = "2026-13-02"\n', "release.toml:2: release: '2026-13-02' is not a date"),
        ("release = 2026-12-02T10:00:00\n", "release.toml:1: release:"),
        ("# no date here\n", "release.toml:0: release: is required"),
    ],
)
def test_a_malformed_release_file_is_a_data_error_naming_it(text: str, expected: str) -> None:
    with pytest.raises(DataError) as info:
        _load([_model("acme/m")], [_price("acme/m", "acme", "2025-01-01")], release=text)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems
    assert "release = YYYY-MM-DD" in str(info.value)


def test_a_quoted_release_date_is_accepted() -> None:
    data = _load([_model("acme/m")], [_price("acme/m", "acme", "2025-01-01")], release='release = "2026-06-01"\n')
    assert data.release == RELEASE


def test_bundled_data_check_reports_consistent_coverage(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("data", "check", "--json")
    assert result.returncode == 0, result.stderr  # valid data exits 0 whether or not the targets are met
    cov = json.loads(result.stdout)
    assert cov["release"] == bundled_release().isoformat()
    assert cov["effective_changes"] + cov["first_seen_changes"] + cov["unrecorded_changes"] == cov["price_changes"]
    assert 0 <= cov["scored_models_2025_2026"] <= cov["scored_models"] <= cov["models"]
    assert cov["checked_first_party"] <= cov["current_first_party"]
    assert cov["current_first_party"] - cov["checked_first_party"] <= cov["stale_first_party"]
    assert cov["stale_first_party"] <= cov["current_first_party"]
    assert cov["open_past_shutdown"] == len(cov["open_past_shutdown_offers"])
    assert date.fromisoformat(cov["stale_before"]) < date.fromisoformat(cov["release"])
    assert set(cov["targets"]) == {"models", "prices", "effective_changes", "scored_models",
                                   "scored_models_2025_2026", "unsourced", "stale_first_party", "open_past_shutdown"}
    for name, t in cov["targets"].items():
        assert t["value"] == cov[name]
        assert t["met"] == (t["value"] >= t["target"] if t["op"] == ">=" else t["value"] <= t["target"])
    table = cli("data", "check")
    assert table.returncode == 0, table.stderr
    assert "Coverage targets" in table.stdout
    unmet = [n for n, t in cov["targets"].items() if not t["met"]]
    assert ("NOT MET" in table.stdout) == bool(unmet)


def test_data_check_exits_0_with_unmet_targets_and_shows_them(tmp_path: Path) -> None:
    prices = [_price("acme/m", "acme", "2025-01-01"), _price("acme/n", "acme", "2025-01-01", checked_on="2026-05-01")]
    texts = _texts([_model("acme/m"), _model("acme/n")], prices,
                   lifecycle=[_shutdown("acme/m", "acme", "2026-01-01")])
    as_json = _check(texts, tmp_path, "--json")
    assert as_json.returncode == 0, as_json.stderr
    cov = json.loads(as_json.stdout)
    assert cov["release"] == str(RELEASE)
    assert cov["open_past_shutdown_offers"] == [{"model": "acme/m", "provider": "acme", "shutdown_on": "2026-01-01"}]
    assert (cov["current_first_party"], cov["checked_first_party"], cov["stale_first_party"]) == (1, 1, 0)
    assert cov["targets"]["models"] == {"value": 2, "target": 260, "op": ">=", "met": False}
    shown = _check(texts, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Coverage targets" in shown.stdout and "NOT MET" in shown.stdout
    assert "open past shutdown: acme/m @ acme (shut down 2026-01-01)" in shown.stderr


def test_data_check_refuses_a_malformed_release_file(tmp_path: Path) -> None:
    texts = _texts([_model("acme/m")], [_price("acme/m", "acme", "2025-01-01")], release="release = 2026-02-30\n")
    result = _check(texts, tmp_path, "--json")
    assert result.returncode == 1
    assert "release.toml:1:" in result.stderr and result.stdout == ""


def test_coverage_lists_names_that_resolve_on_days_without_a_price() -> None:
    """`data check`'s `names_without_price`: a dated name that points at its model before the model's first price
    (logs of those days would be quarantined though the vendor billed them) is listed; the days after the offer's
    shutdown are not (a refusal is right there), nor days a price covers."""
    from dataclasses import replace
    from decimal import Decimal

    from llmflation.ledger.records import Lifecycle, Model, NameRow, Price

    model = Model("acme/m", "M", "acme", None, False, False, SRC, "official")
    base = Price("acme/m", "acme", date(2025, 1, 1), None, Decimal(2), Decimal(10), SRC, "official")
    early = NameRow("m-latest", "acme/m", "alias", date(2024, 12, 20), SRC, "official")  # price from 2025-01-01
    host = NameRow("hostx/m", "acme/m", "provider_id", date(2025, 1, 1), SRC, "official", provider="hostx")
    shut = NameRow("acme-m", "acme/m", "snapshot", date(2025, 1, 1), SRC, "official", provider="acme")
    prices = [base, replace(base, provider="hostx", valid_from=date(2025, 2, 1), valid_to=date(2025, 3, 1))]
    ledger = Ledger([model], prices, [], names=[early, host, shut],
                    lifecycle=[Lifecycle("acme/m", "hostx", SRC, "official", shutdown_on=date(2025, 4, 1))])
    cov = ledger.coverage(date(2025, 6, 1))
    assert cov.names_without_price == (
        ("hostx/m", "hostx", "acme/m", date(2025, 1, 1), date(2025, 2, 1)),   # before the host's first price
        ("hostx/m", "hostx", "acme/m", date(2025, 3, 1), date(2025, 4, 1)),   # its row ended before its shutdown
        ("m-latest", "", "acme/m", date(2024, 12, 20), date(2025, 1, 1)))     # the alias before any price
    rec = cov.record()
    assert (rec["names_without_price"], rec["names_without_price_days"]) == (3, 31 + 31 + 12)
    assert rec["names_without_price_spans"][2] == {"name": "m-latest", "provider": None, "model": "acme/m",
                                                  "from": date(2024, 12, 20), "to": date(2025, 1, 1), "days": 12}


def test_first_party_includes_the_developers_own_companys_apis() -> None:
    """Qwen at Alibaba Cloud, GLM at Z.ai, Nova at Bedrock, Phi at Azure and Gemini at Vertex are the developer's own
    bill (records.OWN_PROVIDERS): counted, and gone stale, as first-party; another developer's model at the same
    cloud stays a host row."""
    from llmflation.ledger.records import own_providers, sold_by_developer

    assert own_providers("qwen") == ("qwen", "alibaba")
    assert own_providers("google") == ("google", "vertex")
    assert own_providers("acme") == ("acme",) and own_providers(None) == ()
    assert sold_by_developer("zhipu", "zai") and sold_by_developer("amazon", "bedrock")
    assert not sold_by_developer("openai", "azure") and not sold_by_developer(None, "acme")
    models = [_model("qwen/q"), _model("zhipu/glm"), _model("microsoft/phi"), _model("openai/gpt")]
    prices = [
        _price("qwen/q", "alibaba", "2026-01-01", checked_on="2026-05-01"),  # first-party, fresh
        _price("zhipu/glm", "zai", "2026-01-01"),  # first-party, never checked: stale
        _price("microsoft/phi", "azure", "2026-01-01", checked_on="2026-01-02"),  # first-party, stale
        _price("openai/gpt", "azure", "2026-01-01"),  # OpenAI's model at Microsoft's cloud: a host row
        _price("qwen/q", "together", "2026-01-01", checked_on="2026-05-01"),  # a host
    ]
    data = _load(models, prices)
    assert [p.first_party for p in data.prices] == [True, True, True, False, False]
    cov = _coverage(data)
    assert (cov.current_first_party, cov.checked_first_party, cov.stale_first_party) == (3, 2, 2)
    assert (cov.current_host, cov.stale_host) == (2, 1)


def test_usage_prices_a_row_naming_no_provider_at_the_developers_own_company() -> None:
    """The usage engine's provider rule uses the same first-party rule: a Qwen row naming no provider is priced at
    Alibaba Cloud (rule first-party), not at the host listed earliest."""
    from llmflation.usage.pricing import provider_choices

    data = _load([_model("qwen/q"), _model("acme/x")], [
        _price("qwen/q", "deepinfra", "2025-01-01"), _price("qwen/q", "alibaba", "2025-06-01"),
        _price("acme/x", "host-b", "2025-01-01"), _price("acme/x", "host-a", "2025-01-01")])
    ledger = Ledger(data.models, data.prices, data.scores)
    choices = provider_choices(ledger).to_pydict()
    assert dict(zip(choices["c_model"], zip(choices["c_provider"], choices["c_rule"], strict=True), strict=True)) == {
        "qwen/q": ("alibaba", "first-party"), "acme/x": ("host-a", "earliest-listed")}


def test_coverage_by_provider_counts_each_sellers_rows(tmp_path: Path) -> None:
    """`data check --by-provider`: per seller, current rows checked and stale by the 45-day rule, effective changes
    (with first-offered rates and changes scheduled after the release counted apart), first-seen changes, retired
    offers and the sources most cited — and the per-seller counts add up to the overall ones."""
    m, n = "acme/m", "acme/n"
    prices = [
        _price(m, "acme", "2025-01-01", "2025-06-01", "10", "20", date_basis="effective"),
        _price(m, "acme", "2025-06-01", "2026-07-01", "8", "16", date_basis="effective", checked_on="2026-05-01"),
        # a cache rate first offered, then a scheduled cut after the release (2026-06-01)
        _price(m, "acme", "2026-07-01", "2026-08-01", "8", "16", cached_input="4", date_basis="effective"),
        _price(m, "acme", "2026-08-01", "", "6", "12", cached_input="3", date_basis="effective"),
        {**_price(m, "host", "2025-01-01", "2025-03-01", "12", "24"), "source": "github:acme/prices@" + "a" * 40
         + ":p.json"},
        {**_price(m, "host", "2025-03-01", "", "11", "22", date_basis="first_seen"),
         "source": "https://www.host.example/pricing"},
        _price(n, "host", "2024-01-01", ""),
    ]
    texts = _texts([_model(m), _model(n)], prices, lifecycle=[_shutdown(n, "host", "2026-01-01")])
    data = load_bundled(texts)
    ledger = Ledger(data.models, data.prices, data.scores, names=data.names, lifecycle=data.lifecycle)
    by = {c.provider: c for c in ledger.provider_coverage(data.release)}
    acme, host = by["acme"], by["host"]
    assert (acme.models, acme.prices, acme.current, acme.checked, acme.stale) == (1, 4, 1, 1, 0)
    assert (acme.effective_changes, acme.effective_new_rates, acme.scheduled_changes) == (3, 1, 2)
    assert (acme.first_seen_changes, acme.retired_offers) == (0, 0)
    assert (host.models, host.prices, host.current, host.checked, host.stale) == (2, 3, 1, 0, 1)
    assert (host.effective_changes, host.first_seen_changes, host.retired_offers) == (0, 1, 1)
    assert dict(host.top_sources) == {"github:acme/prices": 1, "host.example": 1, "example.org": 1}
    cov = ledger.coverage(data.release)
    assert sum(c.effective_changes for c in by.values()) == cov.effective_changes
    assert sum(c.scheduled_changes for c in by.values()) == cov.effective_scheduled_changes == 2
    assert cov.record()["effective_changes_by_kind"]["of_which_scheduled_after_release"] == 2
    assert sum(c.stale for c in by.values()) == cov.stale_first_party + cov.stale_host
    # the CLI: a table on stdout, and `by_provider` in --json only when asked for
    shown = _check(texts, tmp_path, "--by-provider")
    assert shown.returncode == 0, shown.stderr
    assert "Coverage by provider" in shown.stdout and "host.example (1)" in shown.stdout
    as_json = json.loads(_check(texts, tmp_path, "--by-provider", "--json").stdout)
    row = next(r for r in as_json["by_provider"] if r["provider"] == "acme")
    assert row == {"provider": "acme", "models": 1, "prices": 4, "current": 1, "checked": 1, "stale": 0,
                   "effective_changes": 3, "of_which_a_rate_first_offered": 1,
                   "of_which_scheduled_after_release": 2, "first_seen_changes": 0, "retired_offers": 0,
                   "top_sources": [{"source": "example.org", "rows": 4}]}
    assert "by_provider" not in json.loads(_check(texts, tmp_path, "--json").stdout)
