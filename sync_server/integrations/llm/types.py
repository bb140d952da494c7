"""What the assistant says to any provider, and what comes back, in one shape for all of them:
a transcript (user and assistant text, the assistant's tool calls, the tools' results), the
tools offered, the reply with the provider's own usage figures, and two kinds of failure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any] | None  # None: the model wrote arguments that are not a JSON object
    raw_arguments: str


@dataclass(frozen=True, slots=True)
class UserText:
    text: str


@dataclass(frozen=True, slots=True)
class AssistantText:
    text: str


@dataclass(frozen=True, slots=True)
class AssistantCalls:
    text: str | None
    calls: tuple[ToolCall, ...]


@dataclass(frozen=True, slots=True)
class ToolResult:
    call_id: str
    name: str
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ToolResults:
    results: tuple[ToolResult, ...]


Item = UserText | AssistantText | AssistantCalls | ToolResults


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int
    output_tokens: int
    reported: bool = True  # False: the provider sent no usage and it was estimated


@dataclass(frozen=True, slots=True)
class Reply:
    text: str | None
    tool_calls: tuple[ToolCall, ...]
    usage: Usage
    stop: str
    model: str = ""
    calls_item: AssistantCalls | None = field(default=None)  # to append to the transcript


FailureKind = Literal["timeout", "connection", "rate_limited", "server_error", "bad_response"]


class LLMUnavailable(Exception):
    """The provider did not answer usefully this time (down, slow, 429, 5xx): answer by the
    rules now; it may work on the next message."""

    def __init__(self, kind: FailureKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}"[:300])
        self.kind = kind


class LLMRefused(Exception):
    """The provider refused the request itself (bad key, unknown model, bad request): a
    configuration to fix, not a blip. ``code`` is stable: invalid_key, forbidden, not_found,
    bad_request."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}"[:300])
        self.code = code


class ChatProvider(Protocol):
    provider: str
    model: str

    async def complete(self, system: str, transcript: Sequence[Item], tools: Sequence[ToolSpec],
                       *, timeout_s: float, max_tokens: int = 800) -> Reply: ...

    async def aclose(self) -> None: ...


def estimate_tokens(*texts: str) -> int:
    """A rough count (about four characters a token) for a provider that reports no usage."""
    return sum(len(t) for t in texts) // 4 + 1


def sorted_failure(exc: Exception, sdk: Any) -> Exception:
    """An SDK's error as ours: what to fall back on, and what is configuration to fix. Both
    official SDKs (``openai``, ``anthropic``) name their errors alike, so ``sdk`` is the module.
    Order matters: a timeout is a connection error, and every status error an APIStatusError."""
    kinds: list[tuple[str, FailureKind]] = [
        ("APITimeoutError", "timeout"), ("APIConnectionError", "connection"),
        ("RateLimitError", "rate_limited"), ("InternalServerError", "server_error"),
        ("APIResponseValidationError", "bad_response")]
    for name, kind in kinds:
        if isinstance(exc, getattr(sdk, name)):
            return LLMUnavailable(kind, str(exc))
    for name, code in (("AuthenticationError", "invalid_key"), ("PermissionDeniedError", "forbidden"),
                       ("NotFoundError", "not_found")):
        if isinstance(exc, getattr(sdk, name)):
            return LLMRefused(code, str(exc))
    if isinstance(exc, sdk.APIStatusError):
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            return LLMUnavailable("server_error", str(exc))
        return LLMRefused("bad_request", str(exc))
    return LLMUnavailable("bad_response", f"{type(exc).__name__}: {exc}")
