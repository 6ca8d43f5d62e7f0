"""`python -m index`. Python looks for the command here; the program is
service/cli/index.py, which works through the service layer above every package,
so this launcher runs it by name rather than importing upward."""
import runpy

runpy.run_module("service.cli.index", run_name="__main__", alter_sys=True)
