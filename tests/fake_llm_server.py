"""A real HTTP server on 127.0.0.1 that speaks just enough of the OpenAI chat
API for the LLM tests: POST /v1/chat/completions, answered by the `Reply`
registered under the request's `model` name (or by a function of the request's
body returning one), as one JSON body or (when the request asks for `stream`)
as server-sent events. Records every request.

Bounded: slow replies wait on an event that `stop()` sets, the endless stream
gives up after `ENDLESS_LIMIT` events, and `stop()` joins the handler threads.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

ENDLESS_LIMIT = 500  # events (x ENDLESS_GAP_S) before an "endless" stream gives up on its own
ENDLESS_GAP_S = 0.01


@dataclass(frozen=True)
class Reply:
    text: str = ""  # the answer, sent whole or in SSE pieces of `piece_chars`
    status: int = 200
    body: bytes | None = None  # sent as it is instead (malformed JSON, error bodies)
    payload: dict | None = None  # sent as JSON instead (e.g. an empty choices list)
    delay_s: float = 0.0  # before answering
    endless: bool = False  # stream tokens until the client goes away
    piece_chars: int = 7
    json_when_streaming: bool = False  # ignore the request's stream flag


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    timeout = 5  # a client that stops sending does not hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.loads(raw or b"{}")
        owner = self.server.owner
        owner.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if self.path != "/v1/chat/completions":
            return self._send(404, b'{"error": {"message": "not found"}}')
        reply = owner.replies.get(body.get("model"))
        if callable(reply):  # a reply that depends on the request (e.g. an answer, then a translation)
            reply = reply(body)
        if reply is None:
            error = {"error": {"message": f"model {body.get('model')!r} not found"}}
            return self._send(404, json.dumps(error).encode())
        if reply.delay_s and owner.stopping.wait(reply.delay_s):
            return
        try:
            if reply.body is not None or reply.payload is not None or reply.status != 200:
                data = reply.body if reply.body is not None else json.dumps(reply.payload or {}).encode()
                return self._send(reply.status, data)
            if body.get("stream") and not reply.json_when_streaming:
                return self._stream(reply, body.get("model"))
            self._send(200, json.dumps({
                "id": "cmpl-1", "object": "chat.completion", "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text},
                             "finish_reason": "stop"}],
            }).encode())
        except (BrokenPipeError, ConnectionResetError):
            owner.disconnects += 1

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _event(self, model: str, content: str | None) -> None:
        delta = {"content": content} if content is not None else {"role": "assistant"}
        event = {"object": "chat.completion.chunk", "model": model, "choices": [{"index": 0, "delta": delta}]}
        self.wfile.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()

    def _stream(self, reply: Reply, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()  # HTTP/1.0: the body ends when the connection closes
        self.wfile.write(b": keep-alive\n\n")
        self._event(model, None)
        if reply.endless:
            for i in range(ENDLESS_LIMIT):
                if self.server.owner.stopping.wait(ENDLESS_GAP_S):
                    return
                self._event(model, f"word{i} ")
            return
        for i in range(0, len(reply.text), reply.piece_chars):
            self._event(model, reply.text[i:i + reply.piece_chars])
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True
    owner: "FakeLLMServer"


class FakeLLMServer:
    """`with FakeLLMServer({"good": Reply(text=...)}) as server:` then point an
    LLMConfig at `server.url` with model "good"."""

    def __init__(self, replies: dict[str, Reply | Callable[[dict], Reply]]) -> None:
        self.replies = replies
        self.requests: list[Request] = []
        self.disconnects = 0
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-llm-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()  # joins the request threads
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
