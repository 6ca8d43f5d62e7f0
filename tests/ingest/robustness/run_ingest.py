"""Run one ingest with the FakeEmbedder in its own process and print what
happened as JSON: the report, each file's time and parser memory, and this
process's own peak memory. Used by the hostile-input tests, so an ingest that
crashed or ran out of memory fails the test instead of taking pytest down.

    python run_ingest.py INDEX_DIR LIMITS_JSON PATH...
"""
from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def own_peak_mib() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries it over
    from the parent through fork and exec, so a runner started by a pytest that
    had already loaded the models would report their memory as its own."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    sys.path[:0] = [str(HERE.parents[1]), str(HERE.parents[2])]  # tests/ (FakeEmbedder), the project
    from support import FakeEmbedder

    from index.build import ingest
    from ingest.limits import Limits

    index_dir, limits, paths = sys.argv[1], Limits(**json.loads(sys.argv[2])), sys.argv[3:]
    report = ingest(paths, index_dir, embedder=FakeEmbedder(), limits=limits)
    print(json.dumps({
        "summary": report.summary(),
        "skipped": {s.source: s.reason for s in report.skipped},
        "stats": [{"source": s.source, "seconds": s.seconds, "peak_mib": s.peak_mib} for s in report.stats],
        "chunks": report.chunks,
        "peak_mib": own_peak_mib(),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
