"""Workload economics: bills, margins, the cheapest capable model, and the Jevons decomposition."""
