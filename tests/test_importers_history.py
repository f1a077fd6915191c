"""History mining over a real git repository built in the test (no network)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from helpers.litellm_repo import COOKBOOK, ROOT, build
from llmflation.errors import InputError
from llmflation.ledger.importers.run import ImportReport, import_litellm_history, list_versions
from llmflation.ledger.ledger import open_ledger


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build(tmp_path_factory.mktemp("litellm"))


@pytest.fixture
def report(repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ImportReport:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("llmflation.ledger.loading.bundled_texts", _texts)
    return import_litellm_history(repo.path, ledger=open_ledger(tmp_path / "ledger.duckdb"))


def _texts() -> dict[str, str]:
    from helpers.importer_data import texts

    return texts()


def rows_for(report: ImportReport, model: str, provider: str) -> list:  # type: ignore[type-arg]
    return sorted(
        (r for r in report.rows if r.price.model == model and r.price.provider == provider),
        key=lambda r: r.price.valid_from,
    )


def test_versions_follow_the_file_across_its_three_paths(repo) -> None:  # type: ignore[no-untyped-def]
    head, commits = list_versions(repo.path)
    assert head == repo.shas["remove gpt-4"]
    assert commits[0].path == COOKBOOK and commits[-1].path == ROOT
    # the two moves keep the same content, so they add no version
    assert [c.sha for c in commits].count(repo.shas["rename to model_prices_and_context_window"]) == 0
    assert len(commits) == 12


def test_invalid_json_is_skipped_and_trailing_commas_are_tolerated(report: ImportReport, repo) -> None:  # type: ignore[no-untyped-def]
    assert [v.commit for v in report.skipped_commits] == [repo.shas["broken json"]]
    assert "invalid JSON" in report.skipped_commits[0].error
    assert report.commits == 12


def test_typo_reverted_within_a_week_is_dropped_both_ways(report: ImportReport, repo) -> None:  # type: ignore[no-untyped-def]
    [dropped] = report.dropped
    assert (
        dropped.key == "gpt-4o-2024-05-13"
        and dropped.input == Decimal("50")
        and dropped.day == date(2024, 5, 15)
    )
    [row] = rows_for(report, "openai/gpt-4o-2024-05-13", "openai")
    assert (row.price.valid_from, row.price.valid_to, row.price.input, row.price.output) == (
        date(2024, 5, 13),
        None,
        Decimal("5"),
        Decimal("15"),
    )
    assert row.price.source == f"github:BerriAI/litellm@{repo.shas['add gpt-4o']}:{ROOT}"


def test_lagging_alias_key_is_shadowed_by_the_dated_key(report: ImportReport) -> None:
    assert any(s.key == "gpt-4o" and s.preferred == "gpt-4o-2024-05-13" for s in report.shadowed)
    # the alias's late move to 2.5/10 must not become a price cut of the 2024-05-13 snapshot
    assert not any(
        e.model == "openai/gpt-4o-2024-05-13" and e.label == "price change first seen" for e in report.events
    )


def test_ten_x_change_is_flagged_and_bare_keys_get_a_provider(report: ImportReport, repo) -> None:  # type: ignore[no-untyped-def]
    first, second = rows_for(report, "openai/gpt-4-0314", "openai")
    assert (first.price.input, first.price.valid_from, first.price.valid_to) == (
        Decimal("3"),
        date(2023, 8, 8),
        date(2023, 9, 18),
    )
    assert "suspicious-ratio:10x" in first.flags and "suspicious-ratio:10x" in second.flags
    assert "alias-key-may-lag" in first.flags  # "gpt-4" is an alias that moves between snapshots
    assert first.price.source == f"github:BerriAI/litellm@{repo.shas['add max_tokens.json']}:{COOKBOOK}"
    assert (second.price.input, second.price.valid_to, second.seen_on) == (
        Decimal("30"),
        date(2025, 1, 20),
        date(2024, 11, 12),
    )
    labels = [(e.label, e.day) for e in report.events if e.model == "openai/gpt-4-0314"]
    assert labels == [
        ("first seen", date(2023, 8, 8)),
        ("price change first seen", date(2023, 9, 18)),
        ("last seen", date(2024, 11, 12)),
    ]
    assert all(e.label in ("first seen", "price change first seen", "last seen") for e in report.events)


def test_per_character_prices_convert_at_four_characters_per_token(report: ImportReport) -> None:
    [row] = rows_for(report, "google/gemini-1.5-flash-001", "vertex")
    assert (row.price.input, row.price.output) == (Decimal("0.075"), Decimal("0.3"))
    assert "per-character" in row.flags and "4 characters/token" in row.price.note
    assert row.price.confidence == "derived" and "not the announced date" in row.price.note


def test_key_removed_and_readded_within_days_keeps_one_interval(report: ImportReport) -> None:
    [row] = rows_for(report, "meta/llama-3.3-70b-instruct", "together")
    assert (row.price.valid_from, row.price.valid_to) == (date(2024, 6, 1), None)
    assert "gap-ignored" in row.flags


def test_sample_spec_and_non_text_modes_are_ignored(report: ImportReport) -> None:
    assert all(r.source_key != "sample_spec" for r in report.rows)
    assert {s.key for s in report.skipped} >= {"text-embedding-3-small"}
    assert "claude-instant-1" in {u.key for u in report.unmatched}


def test_imported_history_extends_curated_rows_and_lists_conflicts(
    report: ImportReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("llmflation.ledger.loading.bundled_texts", _texts)
    ledger = open_ledger(tmp_path / "ledger.duckdb")
    # curated 2.5/10 ends 2024-10-01; the imported observation carries it on
    [after] = ledger.price("openai/gpt-4o-2024-08-06", at=date(2025, 1, 1))
    assert after.origin == "imported" and after.confidence == "derived"
    [during] = ledger.price("openai/gpt-4o-2024-08-06", at=date(2024, 9, 1))
    assert during.origin == "bundled"
    # curated official 30/60 wins over the imported 3/60 typo, which is listed as a conflict
    [gpt4] = ledger.price("gpt-4-0314", at=date(2023, 9, 1))
    assert gpt4.input == Decimal("30") and gpt4.origin == "bundled"
    assert any(
        c.model == "openai/gpt-4-0314" and c.imported.input == Decimal("3") and c.winner == "curated"
        for c in report.conflicts
    )


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="git"):
        list_versions(tmp_path)
    with pytest.raises(InputError, match="not a directory"):
        list_versions(tmp_path / "nope")
