"""Helpers the tests and the benchmarks share."""
