"""Pricing and analytics: hand-computed cases, the same cases on DuckDB and on local Spark (identical results),
what-if re-pricing, the Jevons decomposition, reconciliation, and the real CLI."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.usage_helpers import CASES, EXPECTED_TOTAL, gen_module, small_ledger, write_cases
from llmflation.errors import InputError, UnknownModelError
from llmflation.shapes import jsonable
from llmflation.usage import analytics
from llmflation.usage.store import UsageStore


@pytest.fixture(scope="session")
def spark_ready() -> str:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java 17 is needed for the Spark engine")
    return "spark"


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "spark":
        return str(request.getfixturevalue("spark_ready"))
    return "duckdb"


@pytest.fixture(scope="module")
def cases_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reported = {0: Decimal("0.008"), 3: Decimal("0.02"), 7: Decimal("0.00005")}  # cases 3 and 7 disagree
    return write_cases(tmp_path_factory.mktemp("cases") / "cases.parquet", reported=reported)


# -- the same cases on both engines ---------------------------------------------------------------------------
def test_hand_computed_cases(cases_parquet: Path, engine: str) -> None:
    led = small_ledger()
    report = analytics.spend(cases_parquet, led, by="day,model,provider,provider_rule", engine=engine)
    assert report.total.cost_usd == EXPECTED_TOTAL == Decimal("0.027311")
    priced = {(r.keys["period"], r.keys["model"], r.keys["provider"]): r for r in report.rows}
    for day, model, provider, *_, want in CASES:
        if not isinstance(want, Decimal) or (day, model, provider) == (date(2025, 2, 10), "acme/alpha", None):
            continue
        key = (day, model, provider or ("acme" if model == "acme/alpha" else "hostb"))
        assert priced[key].cost_usd == want, key
    reasons = {u.reason for u in report.unpriced}
    assert reasons == {c[-1] for c in CASES if isinstance(c[-1], str)}
    assert report.total.unpriced_requests == 4 and report.total.priced_requests == 6
    assert report.provider_rules == {"earliest-listed": 1, "first-party": 5, "none": 1, "row": 3}
    assert any("cache-write price" in n for n in report.notes)
    assert any("long-context" in n for n in report.notes)
    beta = next(u for u in report.unpriced if u.model == "acme/beta")
    assert "first price on record starts 2025-02-01" in beta.detail  # the ledger's own explanation


def test_engines_agree_on_every_analysis(cases_parquet: Path, spark_ready: str) -> None:
    """One Spark session for the module; every analysis run on both engines must give identical results."""
    pytest.importorskip("pyspark")
    led = small_ledger()

    def run(engine: str) -> dict[str, Any]:
        return jsonable({
            "spend": analytics.spend(cases_parquet, led, by="month,model,tag", engine=engine).as_dict(),
            "reprice": analytics.reprice(cases_parquet, led, floor=analytics.Floor.parse("mmlu>=80"), engine=engine),
            "reconcile": analytics.reconcile(cases_parquet, led, engine=engine),
        })

    duck, spark = run("duckdb"), run(spark_ready)
    for part in ("spend", "reprice", "reconcile"):
        duck[part].pop("engine")
        spark[part].pop("engine")
        assert duck[part] == spark[part], part


test_engines_agree_on_every_analysis = pytest.mark.spark(test_engines_agree_on_every_analysis)


def test_store_source_on_spark_matches_duckdb(ledger: Any, tmp_path: Path, spark_ready: str) -> None:
    gen = gen_module()
    store = UsageStore(tmp_path / "usage.duckdb")
    path = tmp_path / "l.csv"
    gen.write("litellm-csv", gen.generate(ledger, 500, seed=9, reported_cost=True), path)
    store.ingest([path], ledger)
    duck = analytics.spend(store, ledger, by="quarter,provider,project", engine="duckdb").as_dict()
    spark = analytics.spend(store, ledger, by="quarter,provider,project", engine=spark_ready).as_dict()
    assert duck.pop("engine") == "duckdb" and spark.pop("engine") == "spark"
    assert jsonable(duck) == jsonable(spark)
    assert duck["total"]["priced_requests"] == 500


test_store_source_on_spark_matches_duckdb = pytest.mark.spark(test_store_source_on_spark_matches_duckdb)


# -- analytics (DuckDB) -----------------------------------------------------------------------------------------
def test_huge_token_counts_stay_exact(tmp_path: Path) -> None:
    """10^13 output tokens at $9/M: the unscaled product (10^13 × 9·10^9) overflows 64-bit decimals."""
    case = [(date(2025, 2, 10), "acme/alpha", "cloudx", False, 7 * 10**12, 0, 0, 10**13, 0, None)]
    path = write_cases(tmp_path / "big.parquet", case)
    report = analytics.spend(path, small_ledger(), by="month")
    assert report.total.cost_usd == Decimal(7 * 10**12 * 3 + 10**13 * 9) / 1_000_000 == Decimal(111_000_000)


def test_reconcile_flags_disagreements(cases_parquet: Path) -> None:
    r = analytics.reconcile(cases_parquet, small_ledger())
    assert r.rows_with_reported_cost == 3
    assert r.reported_usd == Decimal("0.02805") and r.computed_usd == Decimal("0.02004")
    flagged = {(d.model, d.provider): d for d in r.disagreements}
    assert set(flagged) == {("acme/alpha", "cloudx"), ("open/llama-x", "hostb")}
    d = flagged[("acme/alpha", "cloudx")]
    assert d.difference_usd == Decimal("-0.008") and d.reason == "provider reported more"
    loose = analytics.reconcile(cases_parquet, small_ledger(), tolerance=Decimal("0.3"))
    assert {(d.model, d.provider) for d in loose.disagreements} == {("acme/alpha", "cloudx")}


def test_reprice_to_a_model_and_to_a_capability_floor(cases_parquet: Path) -> None:
    led = small_ledger()
    r = analytics.reprice(cases_parquet, led, to="acme/gamma")
    assert r.actual_cost_usd == EXPECTED_TOTAL
    g = r.chosen
    assert g is not None and g.model == "acme/gamma" and g.uncovered_requests == 0
    # every priced request again, on gamma at 0.05/0.1 per 1M (cache at the input rate: gamma has no cache price)
    tokens_in = sum(c[4] + c[5] + c[6] for c in CASES if isinstance(c[-1], Decimal))
    tokens_out = sum(c[7] + c[8] for c in CASES if isinstance(c[-1], Decimal))
    assert g.whatif_cost_usd == (tokens_in * Decimal("0.05") + tokens_out * Decimal("0.1")) / 1_000_000
    assert g.savings_usd == EXPECTED_TOTAL - g.whatif_cost_usd
    floor = analytics.reprice(cases_parquet, led, floor=analytics.Floor.parse("mmlu>=80"))
    assert {t.model for t in floor.candidates} == {"acme/alpha", "acme/gamma", "open/llama-x"}
    assert floor.chosen is not None and floor.chosen.model == "acme/gamma"
    llama = next(t for t in floor.candidates if t.model == "open/llama-x")
    assert llama.uncovered_requests > 0  # hosta's price ended 2025-02-01
    with pytest.raises(UnknownModelError):
        analytics.reprice(cases_parquet, led, to="acme/zeta")
    with pytest.raises(InputError):
        analytics.reprice(cases_parquet, led, floor=analytics.Floor.parse("mmlu>=99"))


def test_jevons_on_generated_logs(ledger: Any, tmp_path: Path) -> None:
    gen = gen_module()
    rows = gen.generate(ledger, 3000, seed=4, since=date(2024, 1, 1), today=date(2025, 12, 31))
    path = tmp_path / "c.parquet"
    gen.write_canonical(rows, path)
    rep = analytics.jevons(path, ledger, analytics.parse_period("2024"), analytics.parse_period("2025"))
    d = rep.decomposition
    assert d.volume + d.mix + d.price == d.change == d.after - d.before
    spend24 = analytics.spend(path, ledger, by=(), since=date(2024, 1, 1), until=date(2025, 1, 1)).total
    assert d.before == spend24.cost_usd and rep.before_tokens == spend24.priced_tokens
    with pytest.raises(InputError, match="no priced usage"):
        analytics.jevons(path, ledger, analytics.parse_period("2021"), analytics.parse_period("2025"))


_WEEKDAY = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _in_window(window: str, ts: datetime) -> bool:
    """Plain reference for `window_utc`, written from the format's description rather than from ledger/windows.py:
    comma-joined ranges "[DAYS ]HH:MM-HH:MM"; a range whose end is not after its start runs into the next day."""
    minute, weekday = ts.hour * 60 + ts.minute, ts.weekday()
    for item in window.split(","):
        item = item.strip()
        days = list(range(7))
        if item[0].isalpha():
            day_text, item = item.split(" ", 1)
            first, _, last = day_text.lower().partition("-")
            i, j = _WEEKDAY[first], _WEEKDAY[last or first]
            days = [(i + k) % 7 for k in range((j - i) % 7 + 1)]
        start, end = ((int(h) * 60 + int(m)) for h, m in (part.split(":") for part in item.split("-")))
        if start < end and weekday in days and start <= minute < end:
            return True
        if start >= end and ((weekday in days and minute >= start) or ((weekday - 1) % 7 in days and minute < end)):
            return True
    return False


def test_plain_window_reference_reads_weekday_ranges() -> None:
    """The reference itself, on DeepSeek's two shapes: a daily range past midnight and weekday ranges."""
    assert _in_window("16:30-00:30", datetime(2025, 3, 3, 0, 15))
    assert not _in_window("16:30-00:30", datetime(2025, 3, 3, 0, 30))
    v4 = "Mon-Fri 04:00-06:00,Mon-Fri 10:00-01:00,Sat 01:00-24:00,Sun 00:00-24:00,Mon 00:00-01:00"
    assert _in_window(v4, datetime(2026, 11, 28, 0, 30))  # Saturday 00:30: Friday's 10:00-01:00 runs on
    assert not _in_window(v4, datetime(2026, 11, 30, 1, 30))  # Monday 01:30: peak
    assert _in_window(v4, datetime(2026, 11, 29, 23, 59)) and not _in_window(v4, datetime(2026, 12, 2, 7, 0))


def test_generated_rows_priced_like_the_plain_python_reference(ledger: Any, tmp_path: Path) -> None:
    """The Ibis expression and a per-row Python pricer agree to the last digit on realistic traffic, off-peak
    windows with weekday ranges included. The generator's clock is pinned, so the rows are the same on every day."""
    gen = gen_module()
    rows = gen.generate(ledger, 3000, seed=12, today=date(2026, 11, 30))
    # plus DeepSeek's own API since it bills off-peak by weekday (2026-08-16), so weekday windows are always exercised
    rows += gen.generate(ledger, 400, seed=13, developer="deepseek", first_party=True, since=date(2026, 8, 16),
                         today=date(2026, 11, 30))
    path = tmp_path / "c.parquet"
    gen.write_canonical(rows, path)
    want = Decimal(0)
    off_peak_by_window: dict[str, int] = {}
    peak = 0
    for r in rows:
        (p,) = ledger.price(r.model, at=r.ts.date(), provider=r.provider)
        off = ledger.off_peak_row(r.model, r.provider, r.ts.date())
        if off is not None and _in_window(off.window_utc, r.ts):
            p = off  # DeepSeek-style off-peak hours (UTC) are priced by the off-peak row
            off_peak_by_window[off.window_utc] = off_peak_by_window.get(off.window_utc, 0) + 1
        elif off is not None:
            peak += 1
        want += gen.reference_cost(r, p)
    assert any("," in w for w in off_peak_by_window), off_peak_by_window  # a weekday window was exercised
    assert peak > 0  # and hours outside it, at the standard row
    report = analytics.spend(path, ledger, by="month")
    assert report.total.unpriced_requests == 0
    assert report.total.cost_usd == want


def test_periods_and_by() -> None:
    assert analytics.parse_period("2025-Q4") == analytics.Period("2025-Q4", date(2025, 10, 1), date(2026, 1, 1))
    assert analytics.parse_period("2024-02").end == date(2024, 3, 1)
    assert analytics.parse_period("2025-01-01..2025-01-31").end == date(2025, 2, 1)
    with pytest.raises(InputError):
        analytics.parse_period("last tuesday")
    assert analytics.parse_by("week,tag,user") == ("week", ["tag", "user"])
    with pytest.raises(InputError, match="choose from"):
        analytics.parse_by("month,colour")


# -- the real CLI ---------------------------------------------------------------------------------------------
def test_cli_end_to_end(ledger: Any, shared_home: Path, tmp_path: Path) -> None:
    from helpers.cli import run_cli

    gen = gen_module()
    home = tmp_path / "home"
    home.mkdir()
    (home / "ledger.duckdb").write_bytes((shared_home / "ledger.duckdb").read_bytes())
    lite, chat = tmp_path / "spend.csv", tmp_path / "chat.jsonl"
    gen.write("litellm-csv", gen.generate(ledger, 300, seed=21, reported_cost=True), lite, corrupt=0.05)
    gen.write("openai-chat", gen.generate(ledger, 200, seed=22, developer="openai", first_party=True), chat)

    out = run_cli("usage", "ingest", str(lite), str(chat), "--json", home=home)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    t = doc["totals"]
    assert t["read"] == 500 and t["read"] == t["accepted"] + t["quarantined"] + t["duplicates"] and t["quarantined"] > 0
    assert all(f["reconciles"] for f in doc["files"])

    out = run_cli("usage", "spend", "--by", "month,provider", "--since", "2024-06", "--json", home=home)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert {"by", "rows", "total", "unpriced", "provider_rules", "notes", "engine"} <= set(doc)
    assert doc["by"] == ["period", "provider"] and all(r["period"] >= "2024-06-01" for r in doc["rows"])
    assert Decimal(doc["total"]["cost_usd"]) == sum(Decimal(r["cost_usd"]) for r in doc["rows"])

    out = run_cli("usage", "spend", "--by", "model", "--csv", home=home)
    assert out.returncode == 0 and out.stdout.splitlines()[0].startswith("model,requests,tokens")

    out = run_cli("usage", "quarantine", "--json", home=home)
    entries = json.loads(out.stdout)
    assert entries and all({"source_file", "row", "field", "reason"} <= set(e) for e in entries)

    out = run_cli("usage", "reprice", "--to", "gpt-4o-mini", "--json", home=home)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["chosen"]["model"].startswith("openai/gpt-4o-mini")

    out = run_cli("usage", "reconcile", "--json", home=home)
    assert out.returncode == 0 and json.loads(out.stdout)["rows_with_reported_cost"] > 0

    out = run_cli("usage", "trend", "--period", "quarter", "--json", home=home)
    assert out.returncode == 0 and json.loads(out.stdout)

    bad = run_cli("usage", "spend", "--by", "colour", home=home)
    assert bad.returncode == 1 and "choose from" in bad.stderr
    bad = run_cli("usage", "reprice", "--to", "gpt-4o-minii", home=home)
    assert bad.returncode == 1 and "Did you mean" in bad.stderr
    bad = run_cli("usage", "ingest", str(tmp_path / "missing.jsonl"), home=home)
    assert bad.returncode == 1 and "no such file" in bad.stderr
    bad = run_cli("usage", "reprice", home=home)
    assert bad.returncode == 2
