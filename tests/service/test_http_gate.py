"""The HTTP API's door (service/http/): who may come in, how often, and the
schema it publishes. No index is needed for these: the gate answers before
any question is asked, and /v1/models reads nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest
from support import PROJECT_ROOT, ServedApp

from service import Accounts, SafeCite
from service.http import create_app
from service.http.__main__ import schema_text
from service.http.limits import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_limiter_passes_a_burst_then_refills_evenly():
    clock = Clock()
    limiter = RateLimiter(6, clock=clock)  # six a minute: one every 10 s
    assert [limiter.take("k") for _ in range(6)] == [0] * 6
    assert limiter.take("k") == 10 and limiter.wait("k") == 10
    assert limiter.take("other") == 0  # each key its own bucket
    clock.now += 4
    assert limiter.take("k") == 6  # 0.4 of a request refilled: 6 s to a whole one
    clock.now += 6
    assert limiter.wait("k") == 0 and limiter.take("k") == 0 and limiter.take("k") == 10
    clock.now += 3600
    assert [limiter.take("k") for _ in range(7)] == [0] * 6 + [10]  # full again, never more than full
    assert all(RateLimiter(0).take("k") == 0 for _ in range(100))  # 0: no limit


@pytest.fixture
def accounts(tmp_path):
    return Accounts(tmp_path / "accounts.sqlite")


def test_keys_are_asked_for_counted_and_answered_429_with_retry_after(tmp_path, accounts):
    key = accounts.add_user("alice", "reader")
    app = create_app(SafeCite(tmp_path / "index"), accounts=accounts, rate=3, signin_rate=2)
    with ServedApp(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        none = http.get("/v1/models")
        assert none.status_code == 401 and none.headers["www-authenticate"] == "Bearer"
        assert "API key" in none.json()["error"]["message"]
        good = {"Authorization": f"Bearer {key}"}
        assert [http.get("/v1/models", headers=good).status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = http.get("/v1/models", headers=good)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        assert limited.json()["error"]["type"] == "rate_limited"
        bad = [http.get("/v1/models", headers={"Authorization": f"Bearer sc_guess{i}"}) for i in range(3)]
        assert [r.status_code for r in bad] == [401, 401, 429] and int(bad[-1].headers["retry-after"]) > 0
        # Past the sign-in limit, the address is refused before any key is looked at.
        other = accounts.add_user("bob", "reader")
        assert http.get("/v1/models", headers={"Authorization": f"Bearer {other}"}).status_code == 429


def test_without_accounts_this_machine_needs_no_key_and_other_addresses_are_refused(tmp_path, accounts):
    local = create_app(SafeCite(tmp_path / "index"), accounts=accounts)
    with ServedApp(local) as url:
        assert httpx.get(f"{url}/v1/models", timeout=30).status_code == 200
        assert httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer anything"}, timeout=30).status_code == 200
    public = create_app(SafeCite(tmp_path / "index"), accounts=accounts, host="0.0.0.0")
    with ServedApp(public) as url:
        refused = httpx.get(f"{url}/v1/models", timeout=30)
    assert refused.status_code == 403 and "make user NAME=alice ROLE=admin" in refused.json()["error"]["message"]


def test_the_server_refuses_to_start_beyond_this_machine_without_an_account(tmp_path):
    env = {**os.environ, "SAFECITE_ACCOUNTS": str(tmp_path / "accounts.sqlite"), "SAFECITE_INDEX": str(tmp_path / "i")}
    run = subprocess.run([sys.executable, "-m", "service.http", "--host", "0.0.0.0", "--port", "9"], cwd=PROJECT_ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "make user NAME=alice ROLE=admin" in run.stderr, run.stderr


def test_the_command_serves_the_api_on_this_machine(tmp_path):
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SAFECITE_ACCOUNTS": str(tmp_path / "accounts.sqlite"), "SAFECITE_INDEX": str(tmp_path / "i"),
           "SAFECITE_AUDIT_LOG": str(tmp_path / "audit.sqlite")}
    server = subprocess.Popen([sys.executable, "-m", "service.http", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                models = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        assert models.status_code == 200 and models.json()["data"][0]["id"] == "safecite"
        ask = httpx.post(f"http://127.0.0.1:{port}/v1/ask", json={"question": "Anything?"}, timeout=30)
        assert ask.status_code == 503 and "ingest documents first" in ask.json()["error"]["message"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_checked_in_schema_is_the_apps():
    """docs/openapi.json is regenerated by `make openapi` when the API changes."""
    checked_in = (PROJECT_ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert checked_in == schema_text(), "docs/openapi.json is stale: run `make openapi`"
    paths = json.loads(checked_in)["paths"]
    assert {"/v1/ask", "/v1/documents", "/v1/documents/{doc_id}", "/v1/sources/{chunk_id}", "/v1/audit",
            "/v1/chat/completions", "/v1/models"} <= set(paths)


def test_the_api_goes_through_the_service_alone():
    """service/http/ imports nothing of the packages below `service`."""
    import ast

    below = {"ingest", "index", "answer", "audit", "ui", "app"}
    found = []
    for path in sorted((PROJECT_ROOT / "service" / "http").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in below]
    assert found == []


def test_a_body_over_its_limit_is_413_with_or_without_a_content_length(tmp_path, accounts):
    safecite = SafeCite(tmp_path / "index", uploads=tmp_path / "uploads")
    limit = safecite.uploads.max_bytes
    boundary = b"b0undary"
    head = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n")
    multipart = {"Content-Type": f"multipart/form-data; boundary={boundary.decode()}"}

    def chunked():  # no Content-Length: the size is only known as it arrives
        yield head
        for _ in range(limit // (1 << 20) + 2):
            yield b"a" * (1 << 20)
        yield b"\r\n--" + boundary + b"--\r\n"

    with ServedApp(create_app(safecite, accounts=accounts)) as url, httpx.Client(base_url=url, timeout=60) as http:
        streamed = http.post("/v1/documents", content=chunked(), headers=multipart)
        assert streamed.status_code == 413 and "over the limit of 50 MB" in streamed.json()["error"]["message"]
        question = http.post("/v1/ask", json={"question": "x" * (2 << 20)})
        assert question.status_code == 413 and "over the limit of 1 MB" in question.json()["error"]["message"]
        long = http.post("/v1/ask", json={"question": "x" * 4001})
        assert long.status_code == 422 and "at most 4000 characters" in long.json()["error"]["message"]
    assert not (tmp_path / "uploads").exists()
