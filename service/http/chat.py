"""An OpenAI-compatible door: `POST /v1/chat/completions` (plain or streamed
as server-sent events) and `GET /v1/models`, one model per job, so any chat
client that speaks OpenAI's API can ask SafeCite.

The last user message is the question; the conversation's earlier user
messages are its history, read as the page reads its turns (a follow-up
against the question before it). The reply is the answer with its [n]
markers and a numbered list of its sources; the same citations come
structured in the extra field `citations`, and `refused` says whether the
documents answer. A refusal is an ordinary assistant message.

A stream carries the verified answer, cut in pieces: a language model's own
tokens are not streamed, since its answer is checked (and may be replaced)
before it is shown.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, Iterator, Literal, Optional, Union

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from service import SafeCite, User

from . import views
from .auth import caller
from .errors import ApiError
from .models import MAX_HISTORY, MAX_QUESTION, AskResponse, CitationOut, ErrorOut, FilterValue
from .routes import service

# Model name -> job (service JOBS, and the hazard judgement).
MODELS = {"safecite": "auto", "safecite-checklist": "howto", "safecite-rectify": "rectify",
          "safecite-similar": "similar", "safecite-hazard": "hazard"}
CREATED = 1767225600  # 2026-01-01: when these models were first served, as OpenAI lists a model's
PIECE = re.compile(r"\S+\s*|\s+")  # a stream's pieces: words with the space after them

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"],
                   responses={status: {"model": ErrorOut} for status in (401, 403, 422, 429)})


class TextPart(BaseModel):
    type: Literal["text"] = "text"
    text: str


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Union[str, list[TextPart], None] = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # temperature, max_tokens, ...: the answer is not sampled

    model: Literal[tuple(MODELS)] = Field(description="One per job: " +
                                                      ", ".join(f"{m} ({j})" for m, j in MODELS.items()))
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    filters: dict[str, FilterValue] = Field(default_factory=dict,
                                            description="SafeCite's own: filters, as for /v1/ask")


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = CREATED
    owned_by: str = "safecite"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class ChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    citations: list[CitationOut] = Field(description="The sources the content's [n] markers point to")
    refused: bool = Field(description="True: the indexed documents do not answer")


@router.get("/models", response_model=ModelList, summary="The models: one per job")
def models(user: Optional[User] = Depends(caller)) -> ModelList:
    return ModelList(data=[ModelOut(id=name) for name in MODELS])


def reply_to(body: ChatRequest, user: User | None, safecite: SafeCite) -> AskResponse:
    """The answer to the conversation's last user message."""
    asked = [m.text() for m in body.messages if m.role == "user"][-MAX_HISTORY - 1:]
    if not asked or body.messages[-1].role != "user":
        raise ApiError(422, "messages: the last message must be the user's question")
    if any(len(question) > MAX_QUESTION for question in asked):
        raise ApiError(422, f"messages: a user message is over {MAX_QUESTION} characters")
    job = MODELS[body.model]
    if job == "hazard":
        return views.hazard(safecite.judge_hazard(asked[-1], user=user), views.generation(safecite))
    return views.answer(safecite.ask(asked[-1], job, body.filters, asked[:-1], user=user))


@router.post("/chat/completions", response_model=ChatCompletion,
             summary="Ask as an OpenAI chat completion (stream: server-sent events ending with data: [DONE])",
             responses={200: {"content": {"text/event-stream": {}}}})
def chat_completions(body: ChatRequest, user: Optional[User] = Depends(caller),
                     safecite: SafeCite = Depends(service)):
    reply = reply_to(body, user, safecite)
    ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        return StreamingResponse(events(ident, created, body.model, reply), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})
    return ChatCompletion(id=ident, created=created, model=body.model,
                          choices=[Choice(message=ChoiceMessage(content=views.chat_text(reply)))],
                          citations=reply.citations, refused=reply.refused)


def events(ident: str, created: int, model: str, reply: AskResponse) -> Iterator[str]:
    """The reply as OpenAI's chunks: the role, the content in pieces, then
    the finish with the citations; then `data: [DONE]`."""
    head = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for piece in PIECE.findall(views.chat_text(reply)):
        yield chunk({"content": piece})
    yield chunk({}, "stop", citations=[c.model_dump(mode="json") for c in reply.citations], refused=reply.refused)
    yield "data: [DONE]\n\n"
