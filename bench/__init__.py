"""Benchmarks of SafeCite's ingest and serving paths (`make bench`).

Every figure is measured with the project's own code and the bundled model;
results go to bench/results.json and docs/performance.md. Not part of the
test suite: timings depend on the machine and on what else it is running.
"""
