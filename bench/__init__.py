"""Benchmarks for the LMS: ``python -m bench`` (runner) and ``python -m bench.generate`` (data).

See docs/benchmarks.md.
"""
