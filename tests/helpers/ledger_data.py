"""The small hand-written ledger CSVs under tests/fixtures/ledger."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_texts() -> dict[str, str]:
    base = FIXTURES / "ledger"
    return {n: (base / n).read_text() for n in ("models.csv", "prices.csv", "scores.csv")}
