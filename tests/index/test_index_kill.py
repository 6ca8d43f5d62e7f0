"""Crash safety of ingest: an ingest killed (SIGKILL) at any point leaves the
index exactly as it was before (state A) or exactly as a completed ingest makes
it (state B), never anything else; and the next ingest runs normally.

A harness script (written into tmp_path) wraps the steps that write a generation
(create_catalog, FaissStore.save, LexicalIndex.save, write_manifest, os.replace,
switch) to print a marker and pause 0.3 s before each, then runs ingest with the
FakeEmbedder. Each kill runs in its own copy of the state-A index folder, so the
harnesses can run side by side."""
from __future__ import annotations

import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support import PROJECT_ROOT, FakeEmbedder, SMALL_QUERIES, index_state, make_small_corpus, write_text

from index import persist
from index.build import ingest

HARNESS = r'''
import os, sys, time
from pathlib import Path

sys.path.insert(0, sys.argv[1])  # tests/, for the FakeEmbedder
from support import FakeEmbedder

import index.build as build
import index.persist as persist
from index.lexical import LexicalIndex
from index.stores.faiss_store import FaissStore

PAUSE = 0.3


def mark(text):
    print(text, flush=True)


def marked(name, original):
    def wrapper(*args, **kwargs):
        mark(f"AT {name}")
        time.sleep(PAUSE)
        result = original(*args, **kwargs)
        mark(f"AFTER {name}")
        return result
    return wrapper


def marked_replace(original):
    def wrapper(src, dst, *args, **kwargs):
        mark(f"AT replace {Path(dst).name}")
        time.sleep(PAUSE)
        return original(src, dst, *args, **kwargs)
    return wrapper


persist.write_manifest = marked("write_manifest", persist.write_manifest)
persist.switch = marked("switch", persist.switch)
build.create_catalog = marked("create_catalog", build.create_catalog)
FaissStore.save = marked("FaissStore.save", FaissStore.save)
LexicalIndex.save = marked("LexicalIndex.save", LexicalIndex.save)
os.replace = marked_replace(os.replace)  # manifest.json, then CURRENT

mark("START")
report = build.ingest([sys.argv[2]], sys.argv[3], embedder=FakeEmbedder())
mark(f"END {report.generation} {report.changed}")
'''

# In the order the harness reaches them: before A is touched, while the new
# generation is written, around the switch, and after it.
MARKERS = [
    "START",
    "AT create_catalog",
    "AT FaissStore.save",
    "AT LexicalIndex.save",
    "AT write_manifest",
    "AT replace manifest.json",
    "AFTER write_manifest",
    "AT switch",
    "AT replace CURRENT",
    "AFTER switch",
]
RANDOM_KILLS = 20  # seeded random moments over a timed run, from START to END
SEED = 20240615


def _modify(corpus: Path) -> None:
    """Edit one file, add one, delete one."""
    gas = corpus / "regulations/gas-rules.md"
    gas.write_text(gas.read_text(encoding="utf-8").replace("at 24 ppm and at 160 ppm", "at 20 ppm and at 150 ppm"),
                   encoding="utf-8")
    write_text(corpus / "plans/new-plan.md", "# New Plan\n\n## Tasks\n\nInspect every explosion vent before winter.\n")
    (corpus / "regulations-zh/fenchen.md").unlink()


def _env() -> dict[str, str]:
    # One parser process per harness: the harnesses run side by side on few cores.
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONUNBUFFERED": "1", "SAFECITE_PARSE_WORKERS": "1"}


def _run_until(harness: Path, corpus: Path, folder: Path, marker: str, delay: float) -> list[str]:
    """Start the harness, wait for `marker` (then `delay` seconds), SIGKILL it.
    Returns the lines it printed."""
    env = _env()
    proc = subprocess.Popen([sys.executable, str(harness), str(PROJECT_ROOT / "tests"), str(corpus), str(folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line.strip())
            if line.strip() == marker:
                if delay:
                    time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait()
    finally:
        watchdog.cancel()
        proc.stdout.close()
        stderr = proc.stderr.read()
        proc.stderr.close()
    assert marker in lines, f"harness never printed {marker!r}: {lines} {stderr}"
    return lines


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """(harness, modified corpus, state-A folder, state A, state B)."""
    tmp = tmp_path_factory.mktemp("kill")
    corpus, folder_a = tmp / "corpus", tmp / "index-a"
    make_small_corpus(corpus)
    ingest([corpus], folder_a, embedder=FakeEmbedder())
    state_a = index_state(folder_a)
    _modify(corpus)
    folder_b = tmp / "index-b"
    shutil.copytree(folder_a, folder_b)
    report = ingest([corpus], folder_b, embedder=FakeEmbedder())
    assert (len(report.added), len(report.replaced), len(report.removed)) == (1, 1, 1)
    state_b = index_state(folder_b)
    # The three queries tell A and B apart.
    assert state_a["hits"] != state_b["hits"]
    assert all(state_a["hits"][q] != state_b["hits"][q] for q in SMALL_QUERIES)
    assert state_a["counts"] != state_b["counts"]
    harness = tmp / "harness.py"
    harness.write_text(HARNESS, encoding="utf-8")
    # How long an ingest runs from START to END here, so random kills span all of it.
    timed = tmp / "index-timed"
    shutil.copytree(folder_a, timed)
    proc = subprocess.Popen([sys.executable, str(harness), str(PROJECT_ROOT / "tests"), str(corpus), str(timed)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env())
    timeline = [(line.strip(), time.monotonic()) for line in proc.stdout]
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == 0 and timeline[0][0] == "START" and timeline[-1][0].startswith("END"), timeline
    start = timeline[0][1]
    return harness, corpus, folder_a, state_a, state_b, [(line, t - start) for line, t in timeline]


def _random_moments(timeline: list[tuple[str, float]], count: int, seed: int) -> list[tuple[str, float]]:
    """`count` moments drawn uniformly over a timed run (START to END), each
    given as (the last line printed before it, seconds after that line), so a
    kill lands in the same phase however slow the machine is at the time."""
    rng = random.Random(seed)
    end = timeline[-1][1]
    moments = []
    for _ in range(count):
        at = rng.uniform(0.0, end)
        line, printed = max(((ln, t) for ln, t in timeline if t <= at), key=lambda item: item[1])
        moments.append((line, at - printed))
    return moments


def test_harness_runs_to_the_end_when_not_killed(states, tmp_path):
    harness, corpus, folder_a, _, state_b, _ = states
    folder = tmp_path / "index"
    shutil.copytree(folder_a, folder)
    lines = _run_until(harness, corpus, folder, "END gen-000002 3", 0)
    assert [line for line in lines if line in MARKERS] == MARKERS  # every kill point is reached, in order
    assert index_state(folder) == state_b


def test_a_killed_ingest_leaves_the_old_or_the_new_index(states, tmp_path):
    harness, corpus, folder_a, state_a, state_b, timeline = states
    plan = [(marker, 0.0) for marker in MARKERS] + _random_moments(timeline, RANDOM_KILLS, SEED)
    folders = []
    for i in range(len(plan)):
        folder = tmp_path / f"index-{i:02d}"
        shutil.copytree(folder_a, folder)
        folders.append(folder)

    with ThreadPoolExecutor(max_workers=5) as pool:  # the harnesses mostly sleep
        outputs = list(pool.map(lambda job: _run_until(harness, corpus, job[1], *job[0]), zip(plan, folders)))

    outcomes = []
    for (marker, delay), folder, lines in zip(plan, folders, outputs):
        where = f"killed at {marker} + {delay:.2f}s (last line {lines[-1]!r})"
        state = index_state(folder)
        assert state in (state_a, state_b), where
        outcomes.append("A" if state == state_a else "B")
        # The next ingest cleans up and completes: always state B.
        report = ingest([corpus], folder, embedder=FakeEmbedder())
        assert report.changed == (3 if state == state_a else 0), where
        assert index_state(folder) == state_b, where
        assert {p.name for p in persist.generations(folder)} <= {"gen-000001", "gen-000002"}, where

    random_outcomes = outcomes[len(MARKERS):]
    assert len(random_outcomes) >= 20
    print(f"\n{len(plan)} kills survived; random kills after: "
          + ", ".join(f"{line} ({n})" for line, n in sorted(collections.Counter(m for m, _ in plan[len(MARKERS):]).items()))
          + f"; states {dict(collections.Counter(random_outcomes))}")
    by_marker = dict(zip(MARKERS, outcomes))
    # Until CURRENT is replaced the old index stands; from then on the new one.
    assert [by_marker[m] for m in MARKERS] == ["A"] * 9 + ["B"], by_marker


def test_searches_during_an_ingest_see_the_old_or_the_new_index(states, tmp_path):
    """While an ingest writes and switches generations, every search opened in
    the meantime answers from state A or state B, never from a mix."""
    harness, corpus, folder_a, state_a, state_b, _ = states
    folder = tmp_path / "index"
    shutil.copytree(folder_a, folder)
    env = _env()
    proc = subprocess.Popen([sys.executable, str(harness), str(PROJECT_ROOT / "tests"), str(corpus), str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    seen = []
    try:
        while proc.poll() is None:
            state = index_state(folder)
            assert state in (state_a, state_b), f"search {len(seen)} saw a mix"
            seen.append("A" if state == state_a else "B")
    finally:
        proc.kill() if proc.poll() is None else None
        proc.wait()
        stderr = proc.stderr.read()
        proc.stderr.close()
    assert proc.returncode == 0, stderr
    assert index_state(folder) == state_b
    assert seen.count("A") >= 3, seen  # searches really ran while the ingest did
    assert seen == sorted(seen), seen  # once B is seen, A never comes back
