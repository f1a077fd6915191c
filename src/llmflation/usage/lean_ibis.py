"""Ibis's SQL compilers, each imported when first used instead of all twenty at once.

Why: `ibis.backends.sql.compilers` imports the compiler of every SQL dialect Ibis knows (Athena, BigQuery, Trino,
…) and their sqlglot dialects as soon as one backend is loaded. A usage command needs one (DuckDB, or PySpark), and
importing the others costs about 0.1 s of every usage command on the 2-core machine (a twentieth of `usage index`
on 20M rows). `install()` registers that package before Ibis imports it, with the same search path, so each
compiler module loads on first access — `sc.duckdb`, `from ibis.backends.sql.compilers import TrinoCompiler`,
`import ibis.backends.sql.compilers.trino` and `ibis.to_sql(expr, dialect=…)` all work as before. The name →
module map is read from the package's own `__init__.py`, so it follows the installed Ibis. When anything is not as
expected (the package already imported, a different layout), it does nothing and Ibis imports as usual.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

PACKAGE = "ibis.backends.sql.compilers"
_IMPORT = re.compile(rf"^from {re.escape(PACKAGE)}\.(\w+) import (\w+)\s*$", re.M)


def install() -> bool:
    """Register the lazy package; True when it is in place (now or from an earlier call)."""
    current = sys.modules.get(PACKAGE)
    if current is not None:
        return bool(getattr(current, "__llmflation_lean__", False))
    try:
        spec = importlib.util.find_spec("ibis")  # finds the package without running its __init__
    except (ImportError, ValueError):
        return False
    if spec is None or spec.origin is None:
        return False
    folder = Path(spec.origin).parent / "backends" / "sql" / "compilers"
    init = folder / "__init__.py"
    try:
        source = init.read_text(encoding="utf-8")
    except OSError:
        return False
    names = {cls: module for module, cls in _IMPORT.findall(source)}
    if not names:
        return False
    lazy = importlib.util.spec_from_file_location(PACKAGE, init, submodule_search_locations=[str(folder)])
    if lazy is None:
        return False
    module = importlib.util.module_from_spec(lazy)  # not executed: its imports are what this module defers
    module.__all__ = sorted(names)  # type: ignore[attr-defined]
    module.__llmflation_lean__ = True  # type: ignore[attr-defined]
    module.__getattr__ = _loader(names, folder)  # type: ignore[method-assign]
    sys.modules[PACKAGE] = module
    return True


def _loader(names: dict[str, str], folder: Path) -> Any:
    def __getattr__(attr: str) -> Any:  # PEP 562: called only for names not yet set on the module
        if attr in names:
            return getattr(importlib.import_module(f"{PACKAGE}.{names[attr]}"), attr)
        if (folder / f"{attr}.py").is_file() or (folder / attr / "__init__.py").is_file():
            return importlib.import_module(f"{PACKAGE}.{attr}")
        raise AttributeError(f"module {PACKAGE!r} has no attribute {attr!r}")

    return __getattr__

