"""A fake OpenAI-compatible API on loopback, for the real `openai` client over real HTTP.

with serve_openai(answer=lambda messages: "Yes [1].") as fake:
    llm = LLM(model="fake-model", api_key="sk-test", base_url=fake.base_url)
    ...
    fake.recorder.to("/chat/completions")[0].json()["messages"]

Implements `POST /v1/chat/completions` (plain and `stream: true` as server-sent events) and
`POST /v1/embeddings` (deterministic bag-of-characters vectors, so similar texts get similar vectors).
`fake.fail_next` holds HTTP statuses returned, in order, by the next requests (429/500 for retry tests).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.servers import Received, Recorder, RecordingHandler, RecordingServer

AnswerFn = Callable[[list[dict[str, Any]]], str]
DIMENSIONS = 32


def default_answer(messages: list[dict[str, Any]]) -> str:
    return "According to the documentation, yes [1]."


def fake_embedding(text: str) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for char in text.lower():
        if char.isspace():
            continue
        bucket = int(hashlib.md5(char.encode()).hexdigest(), 16) % DIMENSIONS
        vector[bucket] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


@dataclass
class FakeOpenAI:
    base_url: str
    recorder: Recorder
    answer: AnswerFn = default_answer
    fail_next: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.recorder.to("/chat/completions")]

    def take_failure(self) -> int | None:
        with self.lock:
            return self.fail_next.pop(0) if self.fail_next else None


class _OpenAIServer(RecordingServer):
    fake: FakeOpenAI


class _OpenAIHandler(RecordingHandler):
    server: _OpenAIServer

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        received = Received(self.command, self.path, dict(self.headers.items()), body)
        fake.recorder.add(received)
        failure = fake.take_failure()
        if failure is not None:
            error = {"error": {"message": f"injected {failure}", "type": "server_error", "code": None}}
            self._send(failure, json.dumps(error).encode(), extra={"Retry-After": "0"})
            return
        if self.headers.get("Authorization", "") != "Bearer sk-test":
            error = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
            self._send(401, json.dumps(error).encode())
            return
        path = self.path.split("?")[0]
        request = received.json() or {}
        if path.endswith("/chat/completions"):
            text = fake.answer(request.get("messages", []))
            if request.get("stream"):
                self._stream(request, text)
            else:
                self._send(200, json.dumps(_completion(request, text)).encode())
        elif path.endswith("/embeddings"):
            inputs = request.get("input", [])
            inputs = [inputs] if isinstance(inputs, str) else inputs
            data = [
                {"object": "embedding", "index": i, "embedding": fake_embedding(str(t))}
                for i, t in enumerate(inputs)
            ]
            payload = {
                "object": "list",
                "data": data,
                "model": request.get("model", ""),
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
            self._send(200, json.dumps(payload).encode())
        else:
            self._send(
                404, json.dumps({"error": {"message": "not found", "type": "invalid_request_error"}}).encode()
            )

    do_GET = do_POST = _handle

    def _send(self, status: int, data: bytes, *, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, request: dict[str, Any], text: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        words = text.split(" ")
        for i, word in enumerate(words):
            delta = word if i == 0 else " " + word
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": request.get("model", ""),
                "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": None}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def _completion(request: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


@contextmanager
def serve_openai(*, answer: AnswerFn = default_answer) -> Iterator[FakeOpenAI]:
    """Start the fake; the API key it accepts is `sk-test`; `base_url` ends in `/v1`."""
    server = _OpenAIServer(_OpenAIHandler)
    fake = FakeOpenAI(
        base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", recorder=Recorder(), answer=answer
    )
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
