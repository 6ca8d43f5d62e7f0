"""Helpers shared by the benchmarks: timing, percentiles, memory, the machine."""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms, dtype=float)
    if not len(a):
        return {"n": 0}
    return {"n": int(len(a)), "p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2),
            "p99": round(float(np.percentile(a, 99)), 2), "mean": round(float(a.mean()), 2)}


def rss_mib() -> float:
    """Resident set size of this process now (from /proc, Linux)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


OUTPUTS = ("bench/results.json", "docs/performance.md", "docs/quality.md")


def commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True, cwd=ROOT)
        # The reports a run writes (and make eval's) are not changes to the code measured.
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                *(f":!{path}" for path in OUTPUTS)], capture_output=True, text=True, cwd=ROOT)
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    import faiss
    import torch

    versions = {"python": platform.python_version(), "torch": torch.__version__, "faiss": faiss.__version__,
                "numpy": np.__version__}
    from importlib.metadata import PackageNotFoundError, version

    for name in ("sentence-transformers", "bm25s", "txtai"):
        try:
            versions[name.replace("-", "_")] = version(name)
        except PackageNotFoundError:  # txtai is a bench-only dependency
            versions[name.replace("-", "_")] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": mem, "os": platform.platform(),
            "torch_threads_default": torch.get_num_threads(), "versions": versions}


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def run_json(args: list[str], env: dict | None = None, timeout: float = 3600) -> dict:
    """Run `python -m ...` in a fresh process and parse the JSON object its last
    stdout line holds (a fresh process gives honest memory and cold-start figures)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=full_env, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    return json.loads(lines[-1])


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def gold_questions(questions: list[dict], sources: set[str]) -> list[dict]:
    """The answerable questions whose gold citations lie in these sources (all of
    them on the whole corpus; fewer when the benchmark ingests part of it)."""
    return [q for q in questions if q.get("answerable", True) and q.get("gold")
            and any(any(s.endswith(g["source"]) for s in sources) for g in q["gold"])]
