"""Benchmarks that print their figures as ratios against a bare baseline measured in the same run."""
