"""Benchmarks (not tests): data generation, scenarios and recorded results."""
