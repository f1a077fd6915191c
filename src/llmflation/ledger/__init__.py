"""The dated, sourced price ledger: records, validation, the DuckDB store and the Ledger API."""
