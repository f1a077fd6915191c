"""Usage-log spend analytics: read provider and gateway logs, store them, price every request at the price in
effect on its day (one Ibis range join over the ledger's validity intervals), and analyse the spend.

Modules: `records` (the canonical record), `readers` (format detection and parsing), `store` (the usage DuckDB
file: ingest, quarantine), `pricing` (the Ibis expression and engines), `analytics` (spend, trend, what-if,
Jevons, reconciliation — the pure functions the CLI and the dashboard call).
"""
