"""python -m bench [--parts ingest,ceiling,embed,peer,scale,query,cold,ocr,stores,api] [--sizes 10000,100000,1000000]

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

PARTS = ("ingest", "ceiling", "embed", "peer", "scale", "query", "cold", "ocr", "stores", "api")
# These run at the same time, each in its own process(es): on a shared machine
# they then meet the same outside load, which keeps their ratios fair (and the
# whole run shorter). Query latency, cold start and the rest run afterwards,
# one at a time (the API part last: its clients fill both cores).
CONCURRENT = ("ingest", "ceiling", "embed", "peer", "scale")
SIZES = (10_000, 100_000, 1_000_000)
CHANGED_FILE = "regulations-en/osha-field-operations-manual/fom-ch08-settlements.txt"


def _log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.timezone.utc).strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _copy_corpus(source: Path, corpus: Path, subset: str) -> None:
    """A writable copy of the corpus (the changed-file run edits one file), or of some of its top folders."""
    import os
    import stat

    shutil.rmtree(corpus, ignore_errors=True)
    if subset:
        corpus.mkdir(parents=True)
        for name in subset.split(","):
            shutil.copytree(source / name, corpus / name)
    else:
        shutil.copytree(source, corpus)
    for folder, dirs, files in os.walk(corpus):
        for name in dirs + files:
            path = Path(folder, name)
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    corpus.chmod(corpus.stat().st_mode | stat.S_IWUSR)


def _wait(path: Path, timeout: float = 7200) -> None:
    """Wait until an index folder has a current generation (written by a concurrent part)."""
    deadline = time.time() + timeout
    while not (path / "CURRENT").exists():
        if time.time() > deadline:
            raise SystemExit(f"gave up waiting for {path}")
        time.sleep(5)


def part_ingest(args, work: Path, ready) -> dict:
    corpus, index = work / "corpus", work / "ingest-index"
    out = {}
    _log("ingest (first, full corpus, default embedder plan)")
    out["first"] = run_json(["-m", "bench.ingest_bench", "ingest", str(index), str(corpus)])
    # The same corpus embedded by MiniLM alone (the one-model index of before
    # embedder plans), in the same run: the plan's cost is their ratio.
    _log("ingest (first, full corpus, MiniLM alone)")
    shutil.rmtree(work / "ingest-index-minilm", ignore_errors=True)
    out["first_minilm"] = run_json(["-m", "bench.ingest_bench", "ingest", str(work / "ingest-index-minilm"), str(corpus),
                                    "--model", "all-MiniLM-L6-v2"])
    _log("re-ingest, unchanged")
    out["unchanged"] = run_json(["-m", "bench.ingest_bench", "ingest", str(index), str(corpus)])
    changed = args.changed_file
    if not (corpus / changed).exists():
        changed = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.suffix in (".txt", ".md") and p.parent != corpus)[0]
    _log(f"re-ingest, one changed file ({changed})")
    out["edit"] = run_json(["-m", "bench.ingest_bench", "edit", str(index), str(corpus), "--file", changed])
    ready.set()
    return out


def part_ceiling(args, work: Path, ready) -> dict:
    _log("encode-only ceiling")
    return run_json(["-m", "bench.ingest_bench", "ceiling", str(work / "corpus")])


def part_embed(args, work: Path, ready) -> dict:
    _log("embedding options")
    out = {"options": run_json(["-m", "bench.embed_bench", "options", str(work / "corpus"), "--sample", str(args.sample)])}
    _log("int8 ingest")
    int8 = run_json(["-m", "bench.embed_bench", "int8-ingest", str(work / "corpus"), str(work / "int8-index")])
    ready.wait()  # the float32 index is compared once the ingest part has finished with it
    _need_index(work)
    _log("dev hit@5, float32 and int8")
    out["quality"] = {**int8, **run_json(["-m", "bench.embed_bench", "quality", str(work / "ingest-index"),
                                          str(args.questions), str(work / "int8-index")])}
    return out


def part_peer(args, work: Path, ready) -> dict:
    """The peer indexing the real corpus (embedding included), beside our ingest.
    Its runs on the scaled indexes are in the query part, timed alone as ours are."""
    _log("peer: txtai on the corpus")
    return {"real": run_json(["-m", "bench.peer", str(work / "corpus"), str(args.questions), "--samples", str(args.samples)])}


def _peer_scaled(args, work: Path, size: int) -> dict:
    folder = work / f"scaled-{size}"
    _log(f"peer: txtai at {size:,} chunks (external vectors)")
    return run_json(["-m", "bench.peer", str(folder), str(args.questions), "--samples", str(args.samples),
                     "--vectors", str(folder / "vectors.npy")])


def part_scale(args, work: Path, ready) -> dict:
    if not args.subset:
        _wait(work / "ingest-index")
    out = {}
    for size in args.sizes:
        _log(f"scaled index of {size:,} chunks")
        out[str(size)] = _scaled(work, size, reuse=bool(args.subset))
    return out


def part_stores(args, work: Path, ready=None) -> dict:
    """Each vector store backend holding the same vectors (bench/stores.py), at
    the corpus's size and at --store-sizes (Milvus Lite up to --milvus-max-size),
    each measurement in a fresh process; and the index settings chosen by
    recall, then latency: FAISS's at the sizes past the corpus
    (bench/ann_settings.py, cached like the scaled indexes), Milvus's at the
    corpus and up to --milvus-max-size (bench/milvus_settings.py)."""
    index = _need_index(work)
    stores, common = str(work / "stores"), [str(index)]
    out: dict = {}
    for size in [0, *args.store_sizes]:
        label = "corpus" if size == 0 else str(size)
        row = out.setdefault(label, {})
        if size:
            row["faiss_settings"] = _ann_settings(args, work, index, size)
        for spec in ("faiss", "milvus:milvus.db"):
            if spec != "faiss" and size > args.milvus_max_size:
                continue
            _log(f"stores: {spec} at {label} vectors")
            row[spec.split(":")[0]] = run_json(
                ["-m", "bench.stores", *common, str(size), spec, str(args.questions),
                 "--samples", str(args.samples if size == 0 else args.store_samples), "--work", stores],
                timeout=4 * 3600)
        if size <= args.milvus_max_size:
            _log(f"stores: Milvus index types at {label} vectors")
            row["milvus_settings"] = run_json(
                ["-m", "bench.milvus_settings", *common, str(size), str(args.questions),
                 "--samples", str(args.store_samples), "--work", stores], timeout=4 * 3600)
    return out


def _ann_settings(args, work: Path, index: Path, size: int) -> dict:
    """FAISS's settings at `size` vectors: measured once per ingest index,
    size, question count and candidate list (ann_settings.RECIPE), then cached."""
    from .ann_settings import RECIPE
    from .scale import base_key

    key = f"{base_key(index)}-ann{RECIPE}-{size}-{args.store_samples}"
    cache = work / "stores" / f"ann-settings-{size}.json"
    if cache.exists() and json.loads(cache.read_text()).get("key") == key:
        _log(f"stores: FAISS index settings at {size:,} vectors: cached")
        return {**json.loads(cache.read_text()), "cached": True}
    _log(f"stores: FAISS index settings at {size:,} vectors")
    result = run_json(["-m", "bench.ann_settings", str(index), str(size), str(args.questions), "--samples",
                       str(args.store_samples), "--work", str(work / "stores"), "--hnsw-minutes", "30"], timeout=4 * 3600)
    result = {**result, "key": key, "measured": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "commit": commit()}
    cache.write_text(json.dumps(result, indent=2))
    return result


def _need_index(work: Path) -> Path:
    index = work / "ingest-index"
    if not (index / "CURRENT").exists():
        raise SystemExit(f"no benchmark index in {index}: run the ingest part first (make bench BENCH=ingest)")
    return index


def _scaled(work: Path, size: int, reuse: bool = False) -> dict:
    return run_json(["-m", "bench.scale", str(work / "ingest-index"), str(size), str(work / f"scaled-{size}")]
                    + (["--reuse"] if reuse else []), timeout=7200)


def part_query(args, work: Path, ready=None) -> dict:
    out = {}
    if not args.subset:
        index = _need_index(work)
        _log("query latency on the ingested corpus")
        out["corpus"] = {"latency": run_json(["-m", "bench.serve", "latency", str(index), str(args.questions),
                                               "--samples", str(args.samples)])}
        # The peer's questions on the same chunks and vectors, timed alone right
        # after ours (its indexing, embedding included, is timed in the peer part).
        _log("peer: txtai on the corpus (the index's vectors), queries timed alone")
        # Its vectors are MiniLM's over every chunk: the one-model index of the ingest part.
        minilm = work / "ingest-index-minilm"
        out["corpus"]["peer"] = run_json(["-m", "bench.peer", str(minilm if (minilm / "CURRENT").exists() else index),
                                          str(args.questions), "--samples", str(args.samples), "--index-vectors"])
    for size in args.sizes:
        build = _scaled(work, size, reuse=bool(args.subset))  # cached: built by the scale part
        folder = work / f"scaled-{size}"
        _log(f"query latency at {size:,}")
        latency = run_json(["-m", "bench.serve", "latency", str(folder), str(args.questions), "--samples", str(args.samples)])
        _log(f"exact vs HNSW at {size:,}")
        ann = run_json(["-m", "bench.serve", "ann", str(folder), str(args.questions), "--vectors", str(folder / "vectors.npy")])
        out[str(size)] = {"build": build, "latency": latency, "ann": ann}
        if size in args.peer_sizes:
            out[str(size)]["peer"] = _peer_scaled(args, work, size)
    return out


def part_cold(args, work: Path, ready=None) -> dict:
    """Process start to the first answer printed, with the answer CLI."""
    import os

    question = json.loads(Path(args.questions).read_text(encoding="utf-8").splitlines()[0])["question"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    runs = {}
    targets = ([] if args.subset else [("corpus", _need_index(work))]) + [(str(s), work / f"scaled-{s}") for s in args.sizes if (work / f"scaled-{s}" / "CURRENT").exists()]
    for name, folder in targets:
        seconds = []
        for _ in range(3):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "answer", "--index", str(folder), question], capture_output=True,
                                  text=True, env=env, cwd=ROOT)
            seconds.append(round(time.perf_counter() - t0, 2))
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
        runs[name] = {"seconds": seconds}
    imports = {}
    for label, modules in (("onnxruntime_tokenizers", "onnxruntime, tokenizers"), ("torch_st", "torch, sentence_transformers")):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {modules}"], env=env, cwd=ROOT, check=True)
        imports[label] = round(time.perf_counter() - t0, 2)
    probe = subprocess.run([sys.executable, "-c", "import sys; from index.search import Index; "
                            f"i = Index.open({str(targets[0][1])!r}, serving=True); i.search('x', 1); "
                            "print(type(i.embedder).__name__, 'torch' in sys.modules)"],
                           capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    embedder, torch_imported = probe.stdout.split()[-2:]
    return {"question": question, "runs": runs, "import_s": imports, "embedder": embedder,
            "torch_imported": torch_imported == "True"}


def part_api(args, work: Path, ready=None) -> dict:
    """The HTTP API over the ingested corpus under --api-clients clients at
    once, --api-seconds on /v1/ask, then on /v1/chat/completions (bench/api_bench.py)."""
    index = _need_index(work)
    _log(f"api: {args.api_clients} clients for {args.api_seconds:g} s on /v1/ask, then on /v1/chat/completions")
    return run_json(["-m", "bench.api_bench", str(index), str(args.questions), "--seconds", str(args.api_seconds),
                     "--clients", str(args.api_clients), "--work", str(work / "api")],
                    timeout=2 * args.api_seconds + 3600)


def part_ocr(args, work: Path, ready=None) -> dict:
    """OCR accuracy on our own scans, and the same articles found in scanned and text versions (ocr_bench.py)."""
    from .ocr_bench import run

    return run(work)


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
    parser.add_argument("--samples", type=int, default=140,
                        help="timed questions per latency measurement (every question of the file at least once)")
    parser.add_argument("--sample", type=int, default=384, help="texts per embedding-option measurement")
    parser.add_argument("--changed-file", default=CHANGED_FILE)
    parser.add_argument("--store-sizes", default="100000,1000000", help="sizes, in vectors, at which the stores part "
                        "compares the backends beyond the corpus ('' for none)")
    parser.add_argument("--milvus-max-size", type=int, default=100_000, help="largest size at which the stores "
                        "part measures Milvus Lite (its writes take about 5 minutes per 100,000 vectors here)")
    parser.add_argument("--store-samples", type=int, default=40, help="timed questions per store beyond the corpus")
    parser.add_argument("--api-seconds", type=float, default=60, help="seconds of load on each API endpoint")
    parser.add_argument("--api-clients", type=int, default=20, help="API clients asking at once")
    parser.add_argument("--subset", default="", help="ingest, ceiling, embed and peer on these top folders of the "
                        "corpus only (comma-separated); scaled indexes are then the cached ones")
    parser.add_argument("--report-only", action="store_true", help="rewrite docs/performance.md from results.json")
    parser.add_argument("--merge", help="another results.json (e.g. from parts run at the same time in another "
                        "process): its parts are copied into the results before the report is written")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.peer_sizes = [int(s) for s in args.peer_sizes.split(",") if s]
    args.store_sizes = [int(s) for s in args.store_sizes.split(",") if s]
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
        import threading

        results["machine"] = machine()
        command = "python -m bench " + " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
        results["invocations"] = [c for c in results.get("invocations", []) if c != command] + [command]
        results["subset"] = args.subset.split(",") if args.subset else None
        functions = {"ingest": part_ingest, "ceiling": part_ceiling, "embed": part_embed, "peer": part_peer,
                     "scale": part_scale, "query": part_query, "cold": part_cold, "ocr": part_ocr,
                     "stores": part_stores, "api": part_api}
        if "ingest" in parts or not (work / "corpus").exists():
            _copy_corpus(Path(args.corpus), work / "corpus", args.subset)
        if "ingest" in parts:
            shutil.rmtree(work / "ingest-index", ignore_errors=True)
        ready = threading.Event()
        if "ingest" not in parts:
            ready.set()
        lock = threading.Lock()
        errors: list[str] = []

        def run_part(part: str, together: list[str]) -> None:
            started = dt.datetime.now(dt.timezone.utc)
            load_start, t0 = loadavg(), time.perf_counter()
            try:
                data = functions[part](args, work, ready)
            except (Exception, SystemExit) as exc:  # one failed part must not lose the others
                errors.append(f"{part}: {exc}")
                _log(f"{part} failed: {str(exc)[-2000:]}")
                if part == "ingest":
                    ready.set()
                return
            with lock:
                results[part] = {**data, "run": {"started": started.isoformat(timespec="seconds"), "commit": commit(),
                                                 "seconds": round(time.perf_counter() - t0, 1),
                                                 "loadavg_start": load_start, "loadavg_end": loadavg(),
                                                 "concurrent_with": [p for p in together if p != part]}}
                results_file.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            _log(f"{part} done in {results[part]['run']['seconds']} s")

        together = [p for p in PARTS if p in parts and p in CONCURRENT]
        threads = [threading.Thread(target=run_part, args=(p, together)) for p in together]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for part in [p for p in PARTS if p in parts and p not in CONCURRENT]:
            run_part(part, [part])
        if errors:
            _log("failed parts: " + "; ".join(e[:300] for e in errors))
    if args.merge:
        other = json.loads(Path(args.merge).read_text(encoding="utf-8"))
        for part in PARTS:
            if part in other:
                # Entries (e.g. index sizes) measured in the other run replace ours; the rest are kept.
                old = results.get(part, {})
                runs = [x for x in old.get("merged_runs", [old["run"]] if "run" in old else []) if x != other[part].get("run")]
                results[part] = {**old, **other[part], "merged_runs": runs + [other[part]["run"]]}
        results["invocations"] = list(dict.fromkeys(results.get("invocations", []) + other.get("invocations", [])))
        results_file.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    from .report import write_report

    write_report(results, Path(args.out))
    _log(f"wrote {args.out} and {results_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
