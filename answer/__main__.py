"""`python -m answer`. Python looks for the command here; the program is
service/cli/answer.py, which works through the service layer above every package,
so this launcher runs it by name rather than importing upward."""
import runpy

runpy.run_module("service.cli.answer", run_name="__main__", alter_sys=True)
