"""`python -m ingest`. Python looks for the command here; the program is
service/cli/ingest.py, which works through the service layer above every package,
so this launcher runs it by name rather than importing upward."""
import runpy

runpy.run_module("service.cli.ingest", run_name="__main__", alter_sys=True)
