"""Ibis's SQL compilers load one by one after `lean_ibis.install()`, and everything Ibis does with them still works.
Each case runs in a fresh interpreter: what matters is which modules a process has imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_only_the_used_compiler_is_imported_and_the_others_still_resolve() -> None:
    out = _run("""
        import sys
        from llmflation.usage import lean_ibis
        assert lean_ibis.install() and lean_ibis.install()  # idempotent
        import ibis
        con = ibis.duckdb.connect()
        assert con.execute(ibis.memtable({"a": [1, 2]}).a.sum()) == 3
        loaded = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("ibis.backends.sql.compilers."))
        print(",".join(loaded))
        import ibis.backends.sql.compilers as sc
        from ibis.backends.sql.compilers import TrinoCompiler, PostgresCompiler
        assert TrinoCompiler.__name__ == "TrinoCompiler" and sc.trino.compiler is not None
        assert "SELECT" in ibis.to_sql(ibis.table({"a": "int64"}, name="t"), dialect="postgres")
        try:
            getattr(sc, "no_such_dialect")
        except AttributeError:
            pass
        else:
            raise SystemExit("an unknown name must raise AttributeError")
        try:
            ibis.to_sql(ibis.table({"a": "int64"}, name="t"), dialect="no_such_dialect")
        except ValueError as exc:
            assert "Unknown dialect" in str(exc)
        assert set(sc.__all__) >= {"DuckDBCompiler", "PySparkCompiler", "TrinoCompiler"}
    """)
    assert set(out.split(",")) == {"_compat", "base", "duckdb"}


def test_it_stands_aside_when_ibis_already_imported_its_compilers() -> None:
    out = _run("""
        import ibis.backends.sql.compilers
        from llmflation.usage import lean_ibis
        print(lean_ibis.install())
        import ibis
        print(ibis.duckdb.connect().execute(ibis.memtable({"a": [2]}).a.sum()))
    """)
    assert out.splitlines() == ["False", "2"]
