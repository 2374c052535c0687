"""Benchmarks, run apart from the tests; each has its own command (see docs/benchmarks.md)."""
