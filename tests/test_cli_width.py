"""Terminal tables fit 80 and 120 columns with no money or date cut short; --wide shows every column whole;
terminal output carries no escape sequences from data; --csv neutralises formulas; --json keeps exact strings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from llmflation import format as fmt

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (80, 120)
MONEY = re.compile(r"\$[0-9][0-9,.]*[KMBT]?")


def run(home: Path, columns: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LLMFLATION_HOME": str(home), "COLUMNS": str(columns)}
    env.pop("LLMFLATION_WIDE", None)
    r = subprocess.run([sys.executable, "-m", "llmflation.cli.main", *args], capture_output=True, text=True,
                       env=env, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r


def assert_fits(out: str, columns: int) -> None:
    from rich.cells import cell_len

    for line in out.splitlines():
        assert cell_len(line) <= columns, f"{cell_len(line)} > {columns}: {line!r}"
    assert "…" not in out, "a cell was cut short"
    for m in MONEY.findall(out):
        assert not m.endswith((".", ",")), f"money cut short: {m!r}"


def as_json(home: Path, *args: str) -> object:
    return json.loads(run(home, 200, *args, "--json").stdout)


@pytest.mark.parametrize("columns", WIDTHS)
def test_price_fits_with_whole_money_and_dates(shared_home: Path, columns: int) -> None:
    out = run(shared_home, columns, "price", "gpt-4o").stdout
    assert_fits(out, columns)
    records = as_json(shared_home, "price", "gpt-4o")
    for p in records if isinstance(records, list) else [records]:
        assert fmt.money_per_mtok(p["input_usd_per_mtok"]) in out
        assert fmt.money_per_mtok(p["output_usd_per_mtok"]) in out
        assert p["valid_from"] in out
        assert (p["valid_to"] or "current") in out


@pytest.mark.parametrize("columns", WIDTHS)
def test_history_fits(shared_home: Path, columns: int) -> None:
    out = run(shared_home, columns, "history", "gpt-4o-mini").stdout
    assert_fits(out, columns)
    for p in as_json(shared_home, "history", "gpt-4o-mini"):  # type: ignore[union-attr]
        assert p["valid_from"] in out and fmt.money_per_mtok(p["input_usd_per_mtok"]) in out


@pytest.mark.parametrize("columns", WIDTHS)
def test_models_fits(shared_home: Path, columns: int) -> None:
    out = run(shared_home, columns, "models", "--search", "claude").stdout
    assert_fits(out, columns)
    for m in as_json(shared_home, "models", "--search", "claude"):  # type: ignore[union-attr]
        assert m["id"] in out
        if m["release_date"]:
            assert m["release_date"] in out


@pytest.mark.parametrize("columns", WIDTHS)
def test_bill_fits_with_whole_money(shared_home: Path, columns: int) -> None:
    workload = str(ROOT / "examples" / "chat-assistant.toml")
    r = run(shared_home, columns, "bill", workload)
    assert_fits(r.stdout, columns)
    data = as_json(shared_home, "bill", workload)
    for offer in data["offers"][:10]:  # type: ignore[index]  (the table shows the first 10)
        assert fmt.money(offer["monthly_usd"]) in r.stdout
    cheapest = data["cheapest"]  # type: ignore[index]
    for item in cheapest["items"].values():
        if item["monthly_usd"] not in ("0", None):
            assert fmt.money(item["monthly_usd"]) in r.stdout


def test_wide_shows_every_column_whole(shared_home: Path) -> None:
    narrow = run(shared_home, 80, "price", "gpt-4o")
    assert "not shown at 80 columns" in narrow.stderr and "source" not in narrow.stdout
    wide = run(shared_home, 80, "--wide", "price", "gpt-4o")
    records = as_json(shared_home, "price", "gpt-4o")
    for p in records if isinstance(records, list) else [records]:
        assert p["source"] in wide.stdout  # whole, on one line


HOSTILE_FORMULA = '=HYPERLINK("http://evil.example")'
HOSTILE_ESCAPE = "evil\x1b[31mred\x1b]0;pwned\x07"


@pytest.fixture(scope="module")
def usage_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("usage-width")
    log = home / "log.jsonl"
    rows = [("gpt-4o-2024-08-06", 1735689600), ("gpt-4o-mini", 1738368000), ("gpt-4o", 1740787200),
            (HOSTILE_FORMULA, 1740787200), (HOSTILE_ESCAPE, 1740787200)]
    log.write_text("".join(json.dumps({"id": f"chatcmpl-{i}", "object": "chat.completion", "created": ts,
                                       "model": m, "usage": {"prompt_tokens": 123_456 + i, "completion_tokens": 7890,
                                                             "total_tokens": 131_346 + i}}) + "\n"
                           for i, (m, ts) in enumerate(rows)))
    run(home, 200, "usage", "ingest", str(log), "--keep-unknown")
    return home


@pytest.mark.parametrize("columns", WIDTHS)
def test_usage_spend_fits_and_never_shows_unpriced_as_zero(usage_home: Path, columns: int) -> None:
    r = run(usage_home, columns, "usage", "spend")
    assert_fits(r.stdout, columns)
    data = as_json(usage_home, "usage", "spend")
    for row in data["rows"]:  # type: ignore[index]
        if row["priced_requests"]:
            assert fmt.money(row["cost_usd"]) in r.stdout
    assert r.stdout.count(" unpriced │") == 2  # the two rows of unknown models, never "$0"
    assert "{'" not in r.stderr  # provider rules in words, not a Python dict


def test_terminal_output_has_no_escape_sequences(usage_home: Path) -> None:
    for args in (("usage", "spend"), ("usage", "spend", "--by", "model")):
        r = run(usage_home, 120, *args)
        assert "\x1b" not in r.stdout and "\x07" not in r.stdout
        assert "\x1b" not in r.stderr and "\x07" not in r.stderr
        assert "evilred" in r.stdout  # the visible text stays


def test_csv_neutralises_formulas_and_json_keeps_exact_strings(usage_home: Path) -> None:
    import csv
    import io

    r = run(usage_home, 120, "usage", "spend", "--by", "model", "--csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    models = {row["model"] for row in rows}
    assert "'" + HOSTILE_FORMULA in models and HOSTILE_FORMULA not in models
    for row in rows:  # exact decimals survive (a leading minus or plus on a number is not a formula)
        for key in ("cost_usd", "tokens"):
            assert not row[key].startswith("'")
    data = as_json(usage_home, "usage", "spend", "--by", "model")
    exact = {row["model"] for row in data["rows"]}  # type: ignore[index]
    assert HOSTILE_FORMULA in exact and HOSTILE_ESCAPE in exact


def test_history_csv_is_neutralised_too(shared_home: Path) -> None:
    r = run(shared_home, 120, "history", "gpt-4o", "--csv")
    for line in r.stdout.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "@")), cell


def test_error_messages_echo_no_escape_sequences(shared_home: Path) -> None:
    env = {**os.environ, "LLMFLATION_HOME": str(shared_home)}
    r = subprocess.run([sys.executable, "-m", "llmflation.cli.main", "price", "gpt\x1b]0;pwned\x07-4o\x1b[2J"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and "Error:" in r.stderr
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
