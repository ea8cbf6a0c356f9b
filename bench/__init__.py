"""Benchmarks: each figure printed as a ratio to a bare baseline measured in the same run."""
