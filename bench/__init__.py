"""Benchmarks (not timed tests): ``python -m bench [name ...]`` or ``make bench``."""
