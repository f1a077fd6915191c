"""CLI basics: --version, -h, shell completion, readable metavars, empty-store hints, --at past the data."""

from __future__ import annotations

import re
from pathlib import Path

from helpers.cli import run_cli


def test_version(shared_home: Path) -> None:
    from llmflation import __version__

    for flag in ("--version", "-V"):
        r = run_cli(flag, home=shared_home)
        assert r.returncode == 0 and r.stdout.strip() == f"llmflation {__version__}"


def test_short_help_everywhere(shared_home: Path) -> None:
    for args in ((), ("price",), ("usage",), ("usage", "spend"), ("selfhost", "estimate")):
        r = run_cli(*args, "-h", home=shared_home)
        assert r.returncode == 0, r.stderr
        assert "Usage: llmflation" in r.stdout and "-h, --help" in r.stdout


def test_completion_is_offered(shared_home: Path) -> None:
    r = run_cli("--help", home=shared_home)
    assert "--install-completion" in r.stdout and "--show-completion" in r.stdout


def test_metavars_are_readable(shared_home: Path) -> None:
    texts = [run_cli(*args, "--help", home=shared_home).stdout
             for args in (("price",), ("usage", "ingest"), ("bill",), ("jevons",), ("trend",), ("user", "add-prices"))]
    for text in texts:
        assert not re.search(r"<(str|int|float|Path|list\[[^]]*\])>", text), text
        assert "{" not in text.split("\n", 1)[0], text  # usage line: MODEL, not {model}
    assert "MODEL" in texts[0] and "--provider PROVIDER" in texts[0]
    assert "FILES..." in texts[1]


def test_usage_commands_on_an_empty_store_explain_what_to_do(fresh_home: Path) -> None:
    for args in (("usage", "spend"), ("usage", "trend"), ("usage", "reconcile"), ("usage", "spend", "--json")):
        r = run_cli(*args, home=fresh_home)
        assert r.returncode == 1, (args, r.stdout)
        assert "is empty" in r.stderr and "llmflation usage ingest" in r.stderr and "Traceback" not in r.stderr
    status = run_cli("usage", "status", home=fresh_home)
    assert status.returncode == 0 and "llmflation usage ingest" in status.stderr


def _still_sold_model() -> tuple[str, str]:
    """A model of the bundled data whose developer sells it with no end on record (no shutdown, an open price row),
    and the first day of that row: the price past the newest data is that row's, with a warning. Chosen from the
    data, so a retirement recorded later (gpt-4o's, for instance) does not turn this into a shutdown error."""
    from llmflation.ledger.loading import load_bundled

    data = load_bundled()
    shut = {(lc.model, lc.provider) for lc in data.lifecycle if lc.shutdown_on is not None}
    developer = {m.id: m.developer for m in data.models}
    rows = sorted((p for p in data.prices if p.valid_to is None and p.tier == "standard"
                   and p.provider == developer[p.model] and (p.model, p.provider) not in shut),
                  key=lambda p: (p.valid_from, p.model))
    assert rows, "the bundled data sells no model without an end date"
    return rows[0].model, rows[0].valid_from.isoformat()


def test_at_past_the_newest_data_warns(shared_home: Path) -> None:
    model, since = _still_sold_model()
    far = run_cli("price", model, "--at", "2030-01-01", home=shared_home)
    assert far.returncode == 0 and "after the newest price data" in far.stderr, far.stderr
    assert "after the newest price data" in run_cli("price", model, "--at", "2030-01-01", "--json",
                                                     home=shared_home).stderr
    near = run_cli("price", model, "--at", since, home=shared_home)
    assert near.returncode == 0 and "newest price data" not in near.stderr


def test_a_model_past_its_shutdown_is_an_error_that_names_the_successor(shared_home: Path) -> None:
    """gpt-4o (the 2024-08-06 snapshot) leaves OpenAI's API on 2027-01-14 (lifecycle.csv): asked for after that,
    the answer is an error naming what to use, never the last price carried forward."""
    r = run_cli("price", "gpt-4o", "--provider", "openai", "--at", "2027-02-01", home=shared_home)
    assert r.returncode == 1, r.stdout
    assert "2027-01-14" in r.stderr and "gpt-6-luna" in r.stderr, r.stderr


def test_empty_model_search_says_so(shared_home: Path) -> None:
    r = run_cli("models", "--search", "no-such-model-anywhere", home=shared_home)
    assert r.returncode == 1 and "No model matches" in r.stderr


def test_bill_at_past_the_newest_data_warns(shared_home: Path) -> None:
    from conftest import ROOT

    r = run_cli("bill", str(ROOT / "examples" / "chat-assistant.toml"), "--at", "2031-01-01", "--json",
                home=shared_home)
    assert r.returncode == 0 and "after the newest price data" in r.stderr


def test_price_says_when_a_shown_offer_shuts_down(shared_home: Path) -> None:
    """Before its shutdown the price answers as usual, with one line on stderr naming the shutdown day and the
    successor; the JSON on stdout is unchanged."""
    r = run_cli("price", "gpt-4o", "--provider", "openai", "--at", "2026-12-01", home=shared_home)
    assert r.returncode == 0
    assert "shuts down on 2027-01-14" in r.stderr and "openai/gpt-6-luna" in r.stderr, r.stderr
    assert "shuts down" not in r.stdout
    before = run_cli("price", "gpt-4o", "--provider", "openai", "--at", "2026-12-01", "--json", home=shared_home)
    assert before.returncode == 0 and before.stdout.lstrip().startswith(("{", "["))
    quiet = run_cli("price", _still_sold_model()[0], home=shared_home)
    assert quiet.returncode == 0 and "shuts down" not in quiet.stderr
