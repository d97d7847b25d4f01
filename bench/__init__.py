"""Benchmarks (not tests): data loading, scenarios and their recorded results."""
