"""A fake LLM provider on loopback: OpenAI's chat completions (also the path Azure uses) and
Anthropic's messages, answering from a script, in the exact wire formats the official SDKs
read (they pass the SDKs' strict response validation).

Each request takes the next scripted step (``text``, ``call``, ``fail``, ``hang``, ``echo``,
``held``); with none left it answers "Listo.". Every request is kept (path, headers, JSON body)
so tests can check what the assistant sent: which tools, which messages, which key.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.wait import wait_until


@dataclass(frozen=True)
class Step:
    kind: str  # text | call | fail | hang | echo | held
    text: str = ""
    calls: tuple[tuple[str, dict[str, Any] | str], ...] = ()
    status: int = 200
    usage: tuple[int, int] | None = (100, 20)
    gate: threading.Event | None = None


def text(reply: str, usage: tuple[int, int] | None = (100, 20)) -> Step:
    return Step("text", text=reply, usage=usage)


def call(name: str, arguments: dict[str, Any] | str, *more: tuple[str, dict[str, Any] | str],
         usage: tuple[int, int] = (150, 30)) -> Step:
    """A tool call (a str ``arguments`` is sent as is: bad JSON on purpose)."""
    return Step("call", calls=((name, arguments), *more), usage=usage)


def fail(status: int) -> Step:
    return Step("fail", status=status)


def hang() -> Step:
    """Answer nothing until the fake stops: the client's timeout has to end the wait."""
    return Step("hang")


def held(reply: str, gate: threading.Event) -> Step:
    """Answer ``reply``, but only once the test sets ``gate``: a slow model's answer."""
    return Step("held", text=reply, gate=gate)


def echo(usage: tuple[int, int] = (200, 40)) -> Step:
    """Answer with the tool results just sent, word for word (a model that obeys whatever it
    reads, to test what the assistant lets reach it)."""
    return Step("echo", usage=usage)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    def tool_names(self) -> list[str]:
        tools = self.body.get("tools") or []
        return [t["function"]["name"] if "function" in t else t["name"] for t in tools]


_OPENAI_ERRORS = {429: "rate_limit_exceeded", 500: "server_error", 401: "invalid_api_key",
                  404: "model_not_found", 400: "invalid_request_error"}
_ANTHROPIC_ERRORS = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error",
                     401: "authentication_error", 404: "not_found_error",
                     400: "invalid_request_error"}


@dataclass
class FakeLLM:
    script: deque[Step] = field(default_factory=deque)
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._stop: asyncio.Event | None = None
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # ---- running --------------------------------------------------------------------------

    def start(self) -> FakeLLM:
        app = Starlette(routes=[
            Route("/v1/chat/completions", self._openai, methods=["POST"]),
            Route("/openai/deployments/{deployment}/chat/completions", self._openai,
                  methods=["POST"]),
            Route("/v1/messages", self._anthropic, methods=["POST"]),
        ])
        self._server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._stop = asyncio.Event()
            assert self._server is not None
            self._loop.run_until_complete(self._server.serve(sockets=[self._sock]))

        self._thread = threading.Thread(target=run, name="fake-llm", daemon=True)
        self._thread.start()
        wait_until(lambda: self._server is not None and self._server.started, 10, "fake LLM")
        return self

    def stop(self) -> None:
        if self._server and self._thread and self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)  # let hung requests end
            self._server.should_exit = True
            self._thread.join(10)

    def then(self, *steps: Step) -> FakeLLM:
        self.script.extend(steps)
        return self

    @property
    def last(self) -> Seen:
        return self.requests[-1]

    async def _next(self, request: Request) -> tuple[Step, dict[str, Any]]:
        body = await request.json()
        self.requests.append(Seen(request.url.path, {k.lower(): v for k, v in request.headers.items()},
                                  body))
        step = self.script.popleft() if self.script else text("Listo.")
        if step.kind == "hang":
            assert self._stop is not None
            await self._stop.wait()  # set only when the fake stops: the client gives up first
        if step.gate is not None:
            await asyncio.to_thread(step.gate.wait, 60)
        return step, body

    # ---- OpenAI chat completions ----------------------------------------------------------

    async def _openai(self, request: Request) -> JSONResponse:
        step, body = await self._next(request)
        if step.kind == "fail":
            err = _OPENAI_ERRORS.get(step.status, "server_error")
            return JSONResponse({"error": {"message": f"fake {err}", "type": err, "param": None,
                                           "code": err}}, step.status,
                                headers={"retry-after": "1"} if step.status == 429 else None)
        n = next(self._ids)
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        finish = "stop"
        if step.kind == "call":
            finish = "tool_calls"
            message["tool_calls"] = [
                {"id": f"call_{n}_{i}", "type": "function",
                 "function": {"name": name, "arguments": args if isinstance(args, str)
                              else json.dumps(args, ensure_ascii=False)}}
                for i, (name, args) in enumerate(step.calls)]
        else:
            message["content"] = step.text if step.kind in ("text", "held") else _echo(body)
        answer: dict[str, Any] = {
            "id": f"chatcmpl-fake{n}", "object": "chat.completion", "created": 1765000000 + n,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": finish, "logprobs": None, "message": message}]}
        if step.usage is not None:
            answer["usage"] = {"prompt_tokens": step.usage[0], "completion_tokens": step.usage[1],
                               "total_tokens": sum(step.usage)}
        return JSONResponse(answer)

    # ---- Anthropic messages ---------------------------------------------------------------

    async def _anthropic(self, request: Request) -> JSONResponse:
        step, body = await self._next(request)
        if step.kind == "fail":
            err = _ANTHROPIC_ERRORS.get(step.status, "api_error")
            return JSONResponse({"type": "error", "error": {"type": err, "message": f"fake {err}"},
                                 "request_id": "req_fake"}, step.status)
        n = next(self._ids)
        content: list[dict[str, Any]]
        stop = "end_turn"
        if step.kind == "call":
            stop = "tool_use"
            content = [{"type": "tool_use", "id": f"toolu_{n}_{i}", "name": name,
                        "input": args if isinstance(args, dict) else {"raw": args}}
                       for i, (name, args) in enumerate(step.calls)]
        else:
            content = [{"type": "text", "text": step.text if step.kind in ("text", "held")
                        else _echo(body)}]
        usage = step.usage or (0, 0)
        return JSONResponse({"id": f"msg_fake{n}", "type": "message", "role": "assistant",
                             "model": body.get("model", "fake"), "content": content,
                             "stop_reason": stop, "stop_sequence": None,
                             "usage": {"input_tokens": usage[0], "output_tokens": usage[1]}})


def _echo(body: dict[str, Any]) -> str:
    """The tool results in the request's last turn, as one text."""
    last = body["messages"][-1] if body.get("messages") else {}
    if last.get("role") == "tool":
        return " ".join(m["content"] for m in body["messages"] if m.get("role") == "tool")
    content = last.get("content")
    if isinstance(content, list):
        return " ".join(str(b.get("content", "")) for b in content if b.get("type") == "tool_result")
    return str(content or "")
