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


def main() -> None:
    sys.path[:0] = [str(HERE.parent), str(HERE.parents[1])]  # tests/ (FakeEmbedder), the project
    from conftest import FakeEmbedder

    from index.build import ingest
    from ingest.limits import Limits

    index_dir, limits, paths = sys.argv[1], Limits(**json.loads(sys.argv[2])), sys.argv[3:]
    report = ingest(paths, index_dir, embedder=FakeEmbedder(), limits=limits)
    print(json.dumps({
        "summary": report.summary(),
        "skipped": {s.source: s.reason for s in report.skipped},
        "stats": [{"source": s.source, "seconds": s.seconds, "peak_mib": s.peak_mib} for s in report.stats],
        "chunks": report.chunks,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
