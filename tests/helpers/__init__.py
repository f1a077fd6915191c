"""Shared test helpers (data builders, the CLI runners, a real-server context), imported by conftest.py and the
tests; test modules never import each other."""
