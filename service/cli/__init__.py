"""The command-line programs `python -m ingest`, `python -m index` and
`python -m answer`: each parses its arguments and calls SafeCite (api.py)."""
