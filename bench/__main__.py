"""python -m bench [--parts ingest,embed,peer,query,cold] [--sizes 10000,100000,1000000]

Runs the benchmarks, each measurement in a fresh process, merges what it
measured into bench/results.json (parts not run keep their last results) and
writes docs/performance.md from it. Scaled indexes are cached under
var/bench (see bench/scale.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import ROOT, commit, loadavg, machine, run_json

PARTS = ("ingest", "embed", "peer", "query", "cold")
SIZES = (10_000, 100_000, 1_000_000)
CHANGED_FILE = "regulations-en/osha-field-operations-manual/fom-ch08-settlements.txt"


def _log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.timezone.utc).strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def part_ingest(args, work: Path) -> dict:
    corpus, index = work / "corpus", work / "ingest-index"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(args.corpus, corpus)  # a copy: the changed-file run edits one file
    shutil.rmtree(index, ignore_errors=True)
    out = {}
    _log("ingest (first, full corpus)")
    out["first"] = run_json(["-m", "bench.ingest_bench", "ingest", str(index), str(corpus)])
    _log("encode-only ceiling")
    out["ceiling"] = run_json(["-m", "bench.ingest_bench", "ceiling", str(index)])
    _log("re-ingest, unchanged")
    out["unchanged"] = run_json(["-m", "bench.ingest_bench", "ingest", str(index), str(corpus)])
    changed = args.changed_file
    if not (corpus / changed).exists():
        changed = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.suffix in (".txt", ".md") and p.parent != corpus)[0]
    _log(f"re-ingest, one changed file ({changed})")
    out["edit"] = run_json(["-m", "bench.ingest_bench", "edit", str(index), str(corpus), "--file", changed])
    return out


def part_embed(args, work: Path) -> dict:
    index = _need_index(work)
    _log("embedding options")
    out = {"options": run_json(["-m", "bench.embed_bench", "options", str(index), "--sample", str(args.sample)])}
    _log("int8 ingest and dev hit@5")
    out["quality"] = run_json(["-m", "bench.embed_bench", "quality", str(index), str(work / "corpus"),
                               str(args.questions), str(work / "int8-index")])
    return out


def part_peer(args, work: Path) -> dict:
    index = _need_index(work)
    _log("peer: txtai on the corpus")
    out = {"real": run_json(["-m", "bench.peer", str(index), str(args.questions), "--samples", str(args.samples)])}
    for size in args.peer_sizes:
        folder = work / f"scaled-{size}"
        _log(f"peer: txtai at {size:,} chunks (external vectors)")
        _scaled(work, size)
        out[str(size)] = run_json(["-m", "bench.peer", str(folder), str(args.questions), "--samples",
                                   str(args.samples), "--vectors", str(folder / "vectors.npy")])
    return out


def _need_index(work: Path) -> Path:
    index = work / "ingest-index"
    if not (index / "CURRENT").exists():
        raise SystemExit(f"no benchmark index in {index}: run the ingest part first (make bench BENCH=ingest)")
    return index


def _scaled(work: Path, size: int) -> dict:
    return run_json(["-m", "bench.scale", str(_need_index(work)), str(size), str(work / f"scaled-{size}")], timeout=7200)


def part_query(args, work: Path) -> dict:
    index = _need_index(work)
    out = {}
    _log("query latency on the ingested corpus")
    out["corpus"] = {"latency": run_json(["-m", "bench.serve", "latency", str(index), str(args.questions),
                                           "--samples", str(args.samples)])}
    for size in args.sizes:
        _log(f"scaled index of {size:,} chunks")
        build = _scaled(work, size)
        folder = work / f"scaled-{size}"
        _log(f"query latency at {size:,}")
        latency = run_json(["-m", "bench.serve", "latency", str(folder), str(args.questions), "--samples", str(args.samples)])
        _log(f"exact vs HNSW at {size:,}")
        ann = run_json(["-m", "bench.serve", "ann", str(folder), str(args.questions), "--vectors", str(folder / "vectors.npy")])
        out[str(size)] = {"build": build, "latency": latency, "ann": ann}
    return out


def part_cold(args, work: Path) -> dict:
    """Process start to the first answer printed, with the answer CLI."""
    import os

    index = _need_index(work)
    question = json.loads(Path(args.questions).read_text(encoding="utf-8").splitlines()[0])["question"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    runs = {}
    targets = [("corpus", index)] + [(str(s), work / f"scaled-{s}") for s in args.sizes if (work / f"scaled-{s}" / "CURRENT").exists()]
    for name, folder in targets:
        seconds = []
        for _ in range(3):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "answer", "--index", str(folder), question], capture_output=True,
                                  text=True, env=env, cwd=ROOT)
            seconds.append(round(time.perf_counter() - t0, 2))
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch, sentence_transformers"], env=env, cwd=ROOT, check=True)
        runs[name] = {"seconds": seconds, "import_torch_st_s": round(time.perf_counter() - t0, 2)}
    return {"question": question, "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of: {', '.join(PARTS)}")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="scaled index sizes, in chunks")
    parser.add_argument("--peer-sizes", default="100000", help="scaled sizes the peer also indexes ('' for none)")
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--questions", default=str(ROOT.parent / "shared" / "eval" / "dev.jsonl"))
    parser.add_argument("--work", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--results", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--samples", type=int, default=140, help="timed questions per latency measurement")
    parser.add_argument("--sample", type=int, default=384, help="texts per embedding-option measurement")
    parser.add_argument("--changed-file", default=CHANGED_FILE)
    parser.add_argument("--report-only", action="store_true", help="rewrite docs/performance.md from results.json")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.peer_sizes = [int(s) for s in args.peer_sizes.split(",") if s]
    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part {', '.join(sorted(unknown))}; parts are: {', '.join(PARTS)}")
    for path in (args.corpus, args.questions):
        if not Path(path).exists():
            parser.error(f"{path} not found (the shared corpus and dev questions sit beside the project)")
    results_file = Path(args.results)
    results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else {}
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        results["machine"] = machine()
        functions = {"ingest": part_ingest, "embed": part_embed, "peer": part_peer, "query": part_query, "cold": part_cold}
        for part in parts:
            started = dt.datetime.now(dt.timezone.utc)
            load_start, t0 = loadavg(), time.perf_counter()
            data = functions[part](args, work)
            results[part] = {**data, "run": {"started": started.isoformat(timespec="seconds"), "commit": commit(),
                                             "seconds": round(time.perf_counter() - t0, 1),
                                             "loadavg_start": load_start, "loadavg_end": loadavg()}}
            results_file.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            _log(f"{part} done in {results[part]['run']['seconds']} s")
    from .report import write_report

    write_report(results, Path(args.out))
    _log(f"wrote {args.out} and {results_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
