"""The HTTP API under concurrent clients (python -m bench.api_bench INDEX QUESTIONS):

`python -m service.http` (what `make api` runs) in a child process on a free
port of 127.0.0.1 over INDEX, with an accounts file holding one reader; then
--clients clients at once (threads, each with its own connection) ask the
questions of QUESTIONS in turn for --seconds on /v1/ask (httpx), then as long
on /v1/chat/completions (not streamed, through the official openai client).
Per endpoint: answers, errors (any failure: a status other than 200, a
timeout, an answer without its fields), answers per second, the latency of a
request as its client sees it (p50, p95), and the server's CPU time per answer
(the machine is shared: CPU time does not count the waits for other work).

The server runs as `make api` runs it, with two differences said here: no
language model (the extractive answers), and no rate limit
(SAFECITE_API_RATE=0), since twenty clients on one key would otherwise be
throttled at 120 requests a minute, which measures the limit, not the server.
Its audit log and uploads go to --work, so INDEX is only read.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from .common import ROOT, load_questions, percentiles

TIMEOUT_S = 600  # one request: twenty waiting on two busy cores take minutes at worst
START_S = 600  # the server's start: the index opened, its models loaded
MODEL = "safecite"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: Path, work: Path) -> tuple[subprocess.Popen, str, str]:
    """The API over `index` in a child process: (the process, its URL, a reader's API key)."""
    from core.settings import ENV
    from service.accounts import Accounts

    work.mkdir(parents=True, exist_ok=True)
    accounts = work / "accounts.sqlite"
    accounts.unlink(missing_ok=True)
    key = Accounts(accounts).add_user("bench-reader", "reader")
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                ENV["accounts"]: str(accounts), ENV["api_rate"]: "0", ENV["audit_log"]: str(work / "audit.sqlite"),
                ENV["uploads"]: str(work / "uploads")})
    env.pop(ENV["llm_url"], None)
    port = _free_port()
    log = open(work / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "service.http", "--index", str(index), "--host", "127.0.0.1",
                                "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return process, f"http://127.0.0.1:{port}", key


def wait_ready(process: subprocess.Popen, url: str, key: str, log: Path) -> float:
    """Seconds until the server answers an authenticated request (/v1/models)."""
    import httpx

    t0 = time.perf_counter()
    while True:
        try:
            if httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.perf_counter() - t0 > START_S:
            raise RuntimeError(f"the API did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)


def ask_client(url: str, key: str) -> tuple[Callable[[str], bool], Callable[[], None]]:
    """(ask a question on /v1/ask -> refused or not, close)."""
    import httpx

    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=TIMEOUT_S)

    def call(question: str) -> bool:
        response = client.post("/v1/ask", json={"question": question})
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
        body = response.json()
        if not isinstance(body.get("answer"), str) or not isinstance(body.get("citations"), list):
            raise RuntimeError(f"an answer without its fields: {str(body)[:200]}")
        return bool(body["refused"])

    return call, client.close


def chat_client(url: str, key: str) -> tuple[Callable[[str], bool], Callable[[], None]]:
    """(ask a question on /v1/chat/completions through the openai client -> refused or not, close)."""
    import openai

    client = openai.OpenAI(base_url=f"{url}/v1", api_key=key, timeout=TIMEOUT_S, max_retries=0)

    def call(question: str) -> bool:
        completion = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": question}])
        if not completion.choices or not completion.choices[0].message.content:
            raise RuntimeError("a completion without content")
        return bool(getattr(completion, "refused", False))

    return call, client.close


def _cpu_s(pid: int) -> float:
    """User and system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(make_client, url: str, key: str, questions: list[str], clients: int, seconds: float, pid: int) -> dict:
    """`clients` threads asking in turn until `seconds` have passed (a request
    under way then is finished and counted); the figures of all of them."""
    latencies: list[float] = []
    errors: list[str] = []
    refused = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(first: int) -> None:
        call, close = make_client(url, key)
        n = first
        try:
            while time.monotonic() < deadline:
                question = questions[n % len(questions)]
                n += clients
                t = time.perf_counter()
                try:
                    was_refused = call(question)
                except Exception as exc:  # every failure is counted, whatever it is
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    continue
                with lock:
                    latencies.append((time.perf_counter() - t) * 1000)
                    refused[0] += was_refused
        finally:
            close()

    cpu0, t0 = _cpu_s(pid), time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - t0, _cpu_s(pid) - cpu0
    return {"clients": clients, "seconds": seconds, "wall_s": round(wall, 1), "answers": len(latencies),
            "refused": refused[0], "errors": len(errors), "error_examples": sorted(set(errors))[:5],
            "answers_per_s": round(len(latencies) / wall, 2), "latency_ms": percentiles(latencies),
            "server_cpu_ms_per_answer": round(cpu * 1000 / len(latencies), 1) if latencies else None,
            "server_rss_mib": round(_rss_mib(pid), 1)}


def run(index: Path, questions_file: Path, seconds: float, clients: int, work: Path) -> dict:
    """Start the server, warm it with one question, load each endpoint in turn; stop the server."""
    questions = [q["question"] for q in load_questions(questions_file)]
    process, url, key = start_server(index, work)
    try:
        ready_s = wait_ready(process, url, key, work / "server.log")
        call, close = ask_client(url, key)
        t0 = time.perf_counter()
        call(questions[0])  # the first question loads what serving loads lazily
        first_s = time.perf_counter() - t0
        close()
        out = {"questions": len(questions), "clients": clients, "seconds": seconds, "ready_s": round(ready_s, 1),
               "first_answer_s": round(first_s, 1), "cores": os.cpu_count()}
        for name, make_client in (("ask", ask_client), ("chat", chat_client)):
            out[name] = load(make_client, url, key, questions, clients, seconds, process.pid)
        return out
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_bench")
    parser.add_argument("index")
    parser.add_argument("questions")
    parser.add_argument("--seconds", type=float, default=60, help="load per endpoint")
    parser.add_argument("--clients", type=int, default=20, help="clients asking at once")
    parser.add_argument("--work", default=str(ROOT / "var" / "bench" / "api"), help="accounts, audit log, server log")
    args = parser.parse_args(argv)
    print(json.dumps(run(Path(args.index), Path(args.questions), args.seconds, args.clients, Path(args.work))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
