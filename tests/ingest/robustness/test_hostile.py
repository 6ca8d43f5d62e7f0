"""Hostile input: more than 200 bad files ingested together with 50 good ones.

One ingest (in its own process, FakeEmbedder) of a folder holding the hostile
files of hostile.py and 50 good files must: not crash; report every file it
refuses with its reason, in the summary too; finish each file within the
timeout; keep every parser process and itself under the memory limit; and
index exactly the chunks the good files give on their own.
"""
from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import PROJECT_ROOT, FakeEmbedder, all_chunks

from hostile import build, good_files

from index.build import ingest
from index.search import Index

CACHE = PROJECT_ROOT / "var" / "test-cache"
LIMITS = {"timeout_s": 20.0, "memory_mib": 1024, "max_rows": 20_000, "workers": 2}
RUNNER = Path(__file__).with_name("run_ingest.py")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _chunks(index_dir: Path) -> dict[str, tuple]:
    index = Index.open(index_dir, FakeEmbedder())
    try:
        return {c.chunk_id: (c.source, c.locator, c.text, tuple(sorted(c.fields.items()))) for c in all_chunks(index.catalog)}
    finally:
        index.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(cases, good sources, mixed folder, runner output, seconds, index dir, clean chunks)."""
    base = tmp_path_factory.mktemp("hostile")
    mixed = base / "mixed"
    cases = build(mixed, CACHE)
    good = good_files(mixed)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(RUNNER), str(base / "index"), json.dumps(LIMITS), str(mixed)],
                          capture_output=True, text=True, env=env, timeout=600)
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    output = json.loads(proc.stdout)

    # The same good files (and the awkward valid ones), alone, under the same names.
    clean = base / "clean"
    for source in good + [c.source for c in cases if c.expect == "indexed"]:
        (clean / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mixed / source, clean / source)
    ingest([clean], base / "clean-index", embedder=FakeEmbedder())
    return cases, good, mixed, output, seconds, base / "index", _chunks(base / "clean-index")


def test_the_generator_is_deterministic_and_covers_the_classes(run, tmp_path):
    cases, _, mixed, *_ = run
    again = build(tmp_path / "again", CACHE)
    assert again == cases
    first = _digest(mixed)
    assert {s: h for s, h in _digest(tmp_path / "again").items()} == {s: first[s] for s in (c.source for c in cases)}
    bad = [c for c in cases if c.expect != "indexed"]
    assert len(bad) >= 200
    assert len({c.kind for c in cases}) >= 30
    print(f"\n{len(cases)} hostile files ({len(bad)} bad), {len({c.kind for c in cases})} classes: "
          + ", ".join(f"{k} ({n})" for k, n in collections.Counter(c.kind for c in cases).items()))


def test_every_bad_file_is_reported_with_its_reason(run):
    cases, good, _, output, *_ = run
    skipped = output["skipped"]
    summary = output["summary"]
    indexed = {chunk[0] for chunk in _chunks(run[5]).values()}
    for case in cases:
        if case.expect == "refused":
            assert case.source in skipped, case
            assert re.search(case.reason, skipped[case.source]), (case, skipped[case.source])
        elif case.expect == "either":
            assert (case.source in skipped) != (case.source in indexed), case
        else:
            assert case.source in indexed, (case, skipped.get(case.source))
        if case.source in skipped:
            assert skipped[case.source].strip()
            assert f"  {case.source}: {skipped[case.source]}" in summary.split("\n")
    assert not set(good) & set(skipped)


def test_each_file_finishes_within_the_timeout(run):
    cases, _, _, output, seconds, *_ = run
    stats = output["stats"]
    assert len(stats) == len(cases) + 50
    slowest = max(stats, key=lambda s: s["seconds"])
    # The parent notices a finished or overrunning parser within a moment.
    assert slowest["seconds"] <= LIMITS["timeout_s"] + 2, slowest
    print(f"\nslowest file: {slowest['source']} {slowest['seconds']:.1f} s; whole ingest {seconds:.1f} s")


def test_memory_stays_under_the_limit(run):
    _, _, _, output, *_ = run
    peaks = [s for s in output["stats"] if s["peak_mib"] is not None]
    worst = max(peaks, key=lambda s: s["peak_mib"])
    assert worst["peak_mib"] < LIMITS["memory_mib"], worst
    assert output["peak_mib"] < LIMITS["memory_mib"]
    print(f"\nlargest parser peak: {worst['peak_mib']:.0f} MiB ({worst['source']}); ingest process {output['peak_mib']:.0f} MiB")


def test_good_files_give_exactly_their_own_chunks(run):
    cases, good, _, _, _, index_dir, clean_chunks = run
    chunks = _chunks(index_dir)
    wanted = set(good) | {c.source for c in cases if c.expect == "indexed"}
    assert {k: v for k, v in chunks.items() if v[0] in wanted} == clean_chunks
    assert {v[0] for v in clean_chunks.values()} == wanted  # every good file is indexed
    refused = {c.source for c in cases if c.expect == "refused"}
    assert not refused & {v[0] for v in chunks.values()}


def test_awkward_valid_files_are_indexed_faithfully(run):
    cases, _, mixed, _, _, index_dir, _ = run
    chunks = _chunks(index_dir)
    by_source = collections.defaultdict(list)
    for source, locator, text, fields in chunks.values():
        by_source[source].append((locator, text, dict(fields)))
    for items in by_source.values():
        for locator, text, fields in items:
            assert not CONTROL.search(text) and not CONTROL.search(locator)
            assert not any(CONTROL.search(v) for v in fields.values())
    zh = (mixed / "text/gb18030.txt").read_bytes()
    assert [t for _, t, _ in by_source["text/gb18030.txt"]] == [zh.decode("gb18030")]
    assert "".join(t for _, t, _ in by_source["text/gb18030.txt"]).encode("gb18030") == zh
    assert any("𠀀𪚥" in t for _, t, _ in by_source["text/utf16-no-bom.txt"])
    assert any("Keep doors shut[31m." in t for _, t, _ in by_source["text/controls.md"])
    assert any("Vents  face outdoors  always." in t for _, t, _ in by_source["json/lone-surrogate.json"])
    formulas = {f["record_id"]: f for _, _, f in by_source["csv/formulas.csv"]}
    assert formulas["=1+1"]["enterprise"] == "+Acme" and formulas["=1+1"]["status"] == "@SUM(A1)"
    assert formulas["R2"]["enterprise"].startswith("=HYPERLINK(")
    sheet = {f["record_id"]: f for _, _, f in by_source["xlsx/formulas.xlsx"]}
    assert (sheet["X1"]["finding"], sheet["X1"]["Count"]) == ("=1+1", "=SUM(1,2)")  # never evaluated
    assert sheet["X2"]["finding"] == "+cmd" and sheet["X3"]["finding"] == "-1-1"
    newlines = {f["record_id"]: f for _, _, f in by_source["csv/newlines.csv"]}
    assert newlines["R1"]["finding"] == "Dust on beams\nand on ducts"
    assert newlines["R2"]["finding"] == 'Gas "leak" at\nvalve 3'
