"""Benchmarks, apart from the tests: ``bash bench/run.sh`` (figures in docs/benchmarks.md)."""
