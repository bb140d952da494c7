"""Benchmarks: figures, not pass/fail tests. ``python -m benchmarks [NAME ...]``."""
