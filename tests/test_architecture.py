"""The seams between the domain and the front ends, checked on the source itself.

`web/` and `report/` render what the domain computes; they must never reach into the CLI (the JSON contract lives
in llmflation.shapes, value parsers in llmflation.values). Imports inside functions count too: the lazy imports
that keep start-up fast must not hide a wrong-way arrow.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "llmflation"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement anywhere in the file names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(("llmflation", *path.relative_to(SRC).parent.parts))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
            # `from llmflation import cli` names the package through the imported name
            found.extend((node.lineno, f"{mod}.{alias.name}") for alias in node.names)
    return found


def _front_end_modules() -> list[Path]:
    return sorted([*(SRC / "web").rglob("*.py"), *(SRC / "report").rglob("*.py")])


def _is_cli(module: str) -> bool:
    return module == "llmflation.cli" or module.startswith("llmflation.cli.")


@pytest.mark.parametrize("path", _front_end_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_web_and_report_never_import_the_cli(path: Path) -> None:
    wrong = [f"{path.relative_to(SRC)}:{line} imports {mod}" for line, mod in imported_modules(path) if _is_cli(mod)]
    assert not wrong, "web/ and report/ must not import llmflation.cli:\n" + "\n".join(wrong)


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The checker itself: a CLI import hidden in a function body, relative or absolute, is found."""
    pkg = SRC / "web"
    sample = pkg / "_layering_probe.py"
    sample.write_text("def f():\n    from llmflation.cli.output import jsonable\n    from ..cli import main\n"
                      "    import llmflation.cli.options\n    from llmflation import cli\n")
    try:
        hits = [m for _, m in imported_modules(sample) if _is_cli(m)]
    finally:
        sample.unlink()
    assert "llmflation.cli.output" in hits
    assert "llmflation.cli" in hits  # from ..cli import main  /  from llmflation import cli
    assert "llmflation.cli.options" in hits
    assert len(_front_end_modules()) > 10


# Domain packages whose errors can reach API clients: their raise statements word no CLI flag (the data rides on
# the exception; cli.main.describe_error turns a field into its --flag, and words FormatError's hint).
DOMAIN = ("ledger", "trends", "workload", "serving", "report", "index", "usage")
# Known debt: none (usage pricing/analytics were the last; an entry here must still name a flag, see below).
FLAG_DEBT: set[str] = set()
FLAG = re.compile(r"(?<![\w`-])--[a-z][a-z-]+")


def _raise_texts(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for sub in ast.walk(node.exc):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    found.append((sub.lineno, sub.value))
    return found


def _domain_modules() -> list[Path]:
    return sorted(p for d in DOMAIN for p in (SRC / d).rglob("*.py") if p.relative_to(SRC).as_posix() not in FLAG_DEBT)


@pytest.mark.parametrize("path", _domain_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_domain_errors_name_no_cli_flag(path: Path) -> None:
    wrong = [f"{path.relative_to(SRC)}:{line}: {text!r}" for line, text in _raise_texts(path) if FLAG.search(text)]
    assert not wrong, "domain errors must not name CLI flags (set InputError.field instead):\n" + "\n".join(wrong)


def test_the_flag_scan_covers_index_and_usage_and_names_its_debt() -> None:
    scanned = {p.relative_to(SRC).as_posix() for p in _domain_modules()}
    assert {"index/hedonic.py", "index/methods.py", "usage/store.py", "usage/readers/generic.py"} <= scanned
    for known in FLAG_DEBT:  # an allow-list entry that no longer exists, or no longer needs it, is removed
        debt = [t for _, t in _raise_texts(SRC / known) if FLAG.search(t)]
        assert debt, f"{known} names no CLI flag any more: take it off FLAG_DEBT"


def test_the_flag_scan_finds_flags(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('def f(x):\n    raise ValueError(f"--to {x} is before the start")\n'
                     'def g():\n    raise ValueError("run `llmflation history X`")\n')
    texts = [t for _, t in _raise_texts(probe)]
    assert [t for t in texts if FLAG.search(t)] == ["--to "]
