"""Parse files in separate processes, so a hostile file cannot take the batch down.

A small pool of long-lived parser processes (one per CPU, at most 4) takes one
file per task. Each process caps its own address space (RLIMIT_AS) at
`Limits.memory_mib`; the parent gives each file `Limits.timeout_s` of wall
clock. A process that overruns is killed and replaced, one that dies (a parser
crash, the kernel) is replaced too, and the file is reported with the reason;
the batch goes on. Processes are forked from a clean server process that has
imported the parsers once (multiprocessing's "forkserver"), so a replacement
costs a fork, not a Python start-up, and never inherits the caller's threads or
models.

What this does not do: sandbox the file system or the network (parsers only
read the file they are given), or limit CPU beyond the wall clock.
"""
from __future__ import annotations

import ctypes
import multiprocessing as mp
import resource
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from multiprocessing.connection import Connection, wait
from typing import Iterator, Sequence

from core.errors import LoadError

from . import limits as limits_mod
from .files import SourceFile, load_and_chunk
from .limits import Limits
from .models import Chunk, Document

# Imported once by the server process, inherited by every parser process.
PRELOAD = ["ingest.files", "pypdf", "docx", "openpyxl", "bs4", "charset_normalizer", "yaml", "PIL.Image", "pypdfium2", "pytesseract"]
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Parsed:
    """What became of one file: documents and chunks, or the reason it was skipped.
    `seconds` is the wall clock it took; `peak_mib` the parser process's peak
    resident memory so far (None when the process was killed)."""

    index: int
    documents: list[Document] | None
    chunks: list[Chunk] | None
    reason: str | None
    seconds: float
    peak_mib: float | None


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent (the server) exits, so a
    parser stuck in a loop does not outlive an ingest that was killed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _serve(conn: Connection, limits: Limits, max_tokens: int) -> None:
    """A parser process: cap memory, then parse one file per message until told to stop."""
    _die_with_parent()
    cap = limits.memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    limits_mod.activate(limits, memory_enforced=True)
    # A page read by OCR moves this file's deadline on (the parent keeps the clock).
    limits_mod.on_more_time(lambda seconds: conn.send((("more", seconds), None)))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            documents, chunks = load_and_chunk(SourceFile(*task), max_tokens)
            message = ("ok", documents, chunks)
        except LoadError as exc:
            message = ("skip", exc.reason)
        except MemoryError:
            message = ("skip", limits_mod.memory_reason())
        except Exception as exc:  # chunking bugs: reported, never fatal
            message = ("skip", f"could not be processed ({type(exc).__name__}: {exc})")
        try:
            conn.send((message, _peak_mib()))
        except MemoryError:  # the result is too large to send: drop it, report the limit
            documents = chunks = message = None
            conn.send((("skip", limits_mod.memory_reason()), _peak_mib()))


def _context() -> mp.context.BaseContext:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


@contextmanager
def _main_not_reimported() -> Iterator[None]:
    """multiprocessing re-runs the caller's main script in each new process
    unless that script is guarded by `if __name__ == "__main__"`; parser
    processes need nothing from it. A main module named "__main__" is the case
    multiprocessing skips, so it is named so while a process starts."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = getattr(main, "__spec__", None)
    main.__spec__ = SimpleNamespace(name="__main__")
    try:
        yield
    finally:
        main.__spec__ = saved


def warm_up() -> None:
    """Start the server process now, so it loads the parsers while the caller
    still hashes files and opens the old index; the first parser process then
    starts without waiting."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


class _Worker:
    def __init__(self, ctx, limits: Limits, max_tokens: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, limits, max_tokens), daemon=True)
        with _main_not_reimported():
            self.process.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0
        self.allowed = 0.0  # seconds this task may take: the file's limit, plus OCR'd pages

    def send(self, index: int, item, allowed: float) -> None:
        self.task, self.started, self.allowed = index, time.monotonic(), allowed
        self.conn.send((item.path, item.source, item.root, item.name))

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=2)
        self.kill()


def _death_reason(exitcode: int | None, limits: Limits) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = "; it probably ran out of memory" if -exitcode in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV) else ""
        return f"the parser crashed ({name}{hint}, limit {limits.memory_mib} MiB)"
    return f"the parser exited unexpectedly (status {exitcode})"


def parse_isolated(items: Sequence, max_tokens: int, limits: Limits) -> Iterator[Parsed]:
    """Parse `items` (SourceFiles) in parser processes; yields one Parsed per
    item, in the order of `items`."""
    if not items:
        return
    ctx = _context()
    workers = [_Worker(ctx, limits, max_tokens) for _ in range(min(limits.processes, len(items)))]
    queue = list(range(len(items) - 1, -1, -1))  # pop() gives the next index
    done: dict[int, Parsed] = {}
    next_out = 0
    try:
        busy = _start(workers, queue, items, limits)
        while busy or queue:
            now = time.monotonic()
            timeout = min(w.started + w.allowed for w in busy) - now
            ready = wait([w.conn for w in busy], timeout=max(0.0, timeout))
            for worker in list(busy):
                index = worker.task
                elapsed = time.monotonic() - worker.started
                if worker.conn in ready:
                    try:
                        message, peak = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join()
                        parsed = Parsed(index, None, None, _death_reason(worker.process.exitcode, limits), elapsed, None)
                        _replace(workers, worker, ctx, limits, max_tokens)
                    else:
                        if message[0] == "more":
                            worker.allowed += message[1]
                            continue
                        if message[0] == "ok":
                            parsed = Parsed(index, message[1], message[2], None, elapsed, peak)
                        else:
                            parsed = Parsed(index, None, None, message[1], elapsed, peak)
                        worker.task = None
                elif elapsed >= worker.allowed:
                    parsed = Parsed(index, None, None, f"timed out after {worker.allowed:g} s", elapsed, None)
                    _replace(workers, worker, ctx, limits, max_tokens)
                else:
                    continue
                done[index] = parsed
            busy = _start(workers, queue, items, limits)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
    finally:
        for worker in workers:
            worker.stop()


def _start(workers: list[_Worker], queue: list[int], items: Sequence, limits: Limits) -> list[_Worker]:
    """Give every idle worker the next file; returns the busy workers."""
    for worker in workers:
        if worker.task is None and queue:
            index = queue.pop()
            worker.send(index, items[index], limits.timeout_s)
    return [w for w in workers if w.task is not None]


def _replace(workers: list[_Worker], worker: _Worker, ctx, limits: Limits, max_tokens: int) -> None:
    worker.kill()
    workers[workers.index(worker)] = _Worker(ctx, limits, max_tokens)
