"""The stateless chat: ``POST /api/{user_id}/chat`` and a conversation's history.

Each turn loads the conversation's history from PostgreSQL, runs the agent (app/agent.py) whose tools
are the backend's own MCP server (app/mcp_tools.py), and stores the user's message and the assistant's
reply **in one transaction at the end**: a turn that fails stores no message. Nothing about a
conversation lives in the process, so any replica serves any turn.

**Exactly once, with an Idempotency-Key.** The turn holds a PostgreSQL advisory lock on (user, key) for
its whole run, on a connection of its own (not the pool's, so a slow model never starves the task API
of connections; if the process dies, PostgreSQL drops the lock with the connection). Under the lock:
a key whose turn is ``done`` answers the stored body (``Idempotent-Replayed: true``) without running the
agent; a key used with another body is a 409; otherwise the turn runs, and its writing tools are keyed
by (key, tool, arguments) so a re-run never repeats an effect (app/mcp_tools.py). Without a key a turn
works the same but a retry is a new turn.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, HTTPException, Path, Request, Response
from psycopg.rows import dict_row
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .agent import ChatAgent, ModelFailure, ModelNotConfigured, TurnOutcome
from .auth import CurrentUser
from .breaker import SHED_DETAIL
from .database import Database
from .idempotency import IdempotencyKey
from .responses import AUTHENTICATED, BODY, DATABASE, RETRY_AFTER, error
from .schemas import MAX_ID

log = logging.getLogger("app.chat")

#: The most recent messages a turn gives the model (older ones stay stored and readable).
HISTORY_LIMIT = 50

ConversationId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: ConversationId | None = Field(None, description="Continue this conversation; none starts one")
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class ToolCall(BaseModel):
    name: str
    arguments: Any = Field(description="The arguments the model gave (JSON)")
    result: Any = Field(description="What the tool answered (JSON, or its error text)")


class ChatResponse(BaseModel):
    conversation_id: int
    response: str
    tool_calls: list[ToolCall]


class Message(BaseModel):
    id: int
    role: str = Field(description="user or assistant")
    content: str
    created_at: datetime


class MessagePage(BaseModel):
    conversation_id: int
    items: list[Message] = Field(description="The conversation's messages, oldest first")


class Conversation(BaseModel):
    id: int
    created_at: datetime
    updated_at: datetime


class ConversationPage(BaseModel):
    items: list[Conversation] = Field(description="The user's conversations, most recently used first (at most 50)")


@dataclass
class TurnResult:
    answer: dict[str, Any]
    """The 200 body."""
    replayed: bool = False
    """The stored answer of an earlier run of the same keyed turn."""
    history_messages: int = 0
    """Messages of the conversation given to the model (none when replayed)."""


def _not_found(conversation_id: int) -> HTTPException:
    return HTTPException(status_code=404, detail=f"conversation {conversation_id} not found")


def _lock_id(user: str, key: str) -> int:
    """A bigint advisory-lock id for (user, key)."""
    digest = hashlib.sha256(f"chat-turn\0{user}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class ChatService:
    """The turn logic over the pool and the agent; one per process (``app.state.chat``)."""

    def __init__(self, database: Database, database_url: str, agent: ChatAgent, metrics, *, max_concurrent: int,
                 history_in_memory: bool = False) -> None:
        self.database = database
        self.database_url = database_url
        self.agent = agent
        self.metrics = metrics
        self.timeout = agent.settings.model_timeout
        self._slots = asyncio.Semaphore(max_concurrent)
        # Failpoint chat-history-in-memory (app/failpoints.py): {(user, conversation id): [messages]}.
        self._memory: dict[tuple[str, int], list[dict[str, str]]] | None = {} if history_in_memory else None

    # ---- history

    async def history(self, user: str, conversation_id: int | None) -> list[dict[str, str]]:
        """The conversation's last HISTORY_LIMIT messages, oldest first; 404 when it is not the user's."""
        if conversation_id is None:
            return []
        if self._memory is not None:
            # The mistake: only what this process has seen exists.
            if (user, conversation_id) not in self._memory:
                raise _not_found(conversation_id)
            return self._memory[(user, conversation_id)][-HISTORY_LIMIT:]
        async with self.database.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute("SELECT 1 FROM conversations WHERE id = %s AND user_id = %s", (conversation_id, user))
            if await cur.fetchone() is None:
                raise _not_found(conversation_id)
            await cur.execute(
                "SELECT role, content FROM (SELECT id, role, content FROM messages"
                " WHERE conversation_id = %s AND user_id = %s ORDER BY id DESC LIMIT %s) AS recent ORDER BY id",
                (conversation_id, user, HISTORY_LIMIT))
            return [{"role": row["role"], "content": row["content"]} for row in await cur.fetchall()]

    async def messages(self, user: str, conversation_id: int) -> list[dict[str, Any]]:
        async with self.database.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute("SELECT 1 FROM conversations WHERE id = %s AND user_id = %s", (conversation_id, user))
            if await cur.fetchone() is None:
                raise _not_found(conversation_id)
            await cur.execute("SELECT id, role, content, created_at FROM messages"
                              " WHERE conversation_id = %s AND user_id = %s ORDER BY id", (conversation_id, user))
            return await cur.fetchall()

    async def conversations(self, user: str) -> list[dict[str, Any]]:
        async with self.database.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute("SELECT id, created_at, updated_at FROM conversations WHERE user_id = %s"
                              " ORDER BY updated_at DESC, id DESC LIMIT 50", (user,))
            return await cur.fetchall()

    # ---- a turn

    async def turn(self, user: str, body: ChatRequest, key: str | None) -> TurnResult:
        if not self.agent.configured:
            raise ModelNotConfigured()
        # One bound for the whole turn, MODEL_TIMEOUT_SECONDS: the wait for a slot and the agent's run share
        # it, so a client hears the answer (a 503 or a 504 at worst) within that time of asking.
        deadline = asyncio.get_running_loop().time() + self.timeout
        if key is None:
            async with self._slot(deadline):
                return await self._run(user, body, None, deadline)
        fingerprint = hashlib.sha256(json.dumps(body.model_dump(), sort_keys=True).encode()).hexdigest()
        # The slot first: it also bounds the lock connections (outside the pool) to CHAT_MAX_CONCURRENT_TURNS.
        async with self._slot(deadline), self._turn_lock(user, key) as conn:
            # The lock's connection is the turn's own, so each stretch of work on it has its own deadline.
            async with self.database.bounded(conn):
                row = await (await conn.execute(
                    "SELECT request_hash, status, response FROM chat_turns WHERE user_id = %s AND idempotency_key = %s",
                    (user, key))).fetchone()
                if row is not None and row[0] != fingerprint:
                    raise HTTPException(status_code=409,
                                        detail="Idempotency-Key was already used with a different chat request")
                if row is not None and row[1] == "done":
                    return TurnResult(row[2], replayed=True)
                await conn.execute(
                    "INSERT INTO chat_turns (user_id, idempotency_key, request_hash) VALUES (%s, %s, %s)"
                    " ON CONFLICT (user_id, idempotency_key)"
                    " DO UPDATE SET status = 'running', attempts = chat_turns.attempts + 1, updated_at = now()",
                    (user, key, fingerprint))
            try:
                return await self._run(user, body, key, deadline)
            except ModelFailure:
                try:
                    async with self.database.bounded(conn):
                        await conn.execute("UPDATE chat_turns SET status = 'failed', updated_at = now()"
                                           " WHERE user_id = %s AND idempotency_key = %s", (user, key))
                except psycopg.Error as error:  # a record for operators only: the model's failure is the answer
                    log.warning("could not mark a chat turn failed", extra={"fields": {"error": type(error).__name__}})
                raise

    @asynccontextmanager
    async def _slot(self, deadline: float) -> AsyncIterator[None]:
        """At most CHAT_MAX_CONCURRENT_TURNS turns run at once; a turn waits for a slot until its deadline.

        While the database is failing (app/breaker.py) a turn is a 503 at once, on arrival or when it gets its
        slot, as in the task API's queue (app/admission.py): every turn needs the database, and otherwise it
        would hold its slot for the pool's wait and the deadline, and perhaps spend a model call, to fail."""
        self._shed()
        try:
            async with asyncio.timeout_at(deadline):
                await self._slots.acquire()
        except TimeoutError:
            raise HTTPException(status_code=503, detail="too many chat turns in progress on this replica; try again",
                                headers={"Retry-After": "1"}) from None
        try:
            self._shed()
            yield
        finally:
            self._slots.release()

    def _shed(self) -> None:
        breaker = self.database.breaker
        retry_after = breaker.shed() if breaker is not None else None
        if retry_after is not None:
            raise HTTPException(status_code=503, detail=SHED_DETAIL, headers={"Retry-After": str(retry_after)})

    @asynccontextmanager
    async def _turn_lock(self, user: str, key: str) -> AsyncIterator[psycopg.AsyncConnection]:
        """A connection of the turn's own holding the advisory lock of (user, key). A duplicate waits for the
        first (at most the first's whole run and a margin), then finds its answer."""
        # connect_timeout: DB_QUERY_TIMEOUT_SECONDS (a frozen server accepts the connection and never answers).
        async with self.database.observed():  # a connection refused or timed out tells the breaker too
            conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True,
                                                         connect_timeout=self.database.connect_timeout(self.timeout))
        try:
            # A turn runs at most the timeout (its slot and its agent run share it) plus its database work; a
            # duplicate waits twice that, a margin for the database. The lock's own session idles all that time: past it, the session can only be a
            # process that is gone without closing its connection (a lost node, a partition), and PostgreSQL
            # (14+) ends it, which frees the key for the retry.
            wait_ms = int((self.timeout * 2 + 5) * 1000)
            lock = _lock_id(user, key)
            async with self.database.bounded(conn):
                await conn.execute(f"SET idle_session_timeout = {wait_ms + 5000}")
                # The usual case, a key nobody else is running, within the database deadline.
                acquired = (await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (lock,))).fetchone())[0]
            if not acquired:
                # A duplicate is running: wait for it, as long as lock_timeout allows, and the deadline on top.
                async with self.database.bounded(conn, allowance=wait_ms / 1000):
                    await conn.execute(f"SET lock_timeout = {wait_ms}")
                    try:
                        await conn.execute("SELECT pg_advisory_lock(%s)", (lock,))
                    except psycopg.errors.LockNotAvailable:
                        raise HTTPException(
                            status_code=503, headers={"Retry-After": "1"},
                            detail="a turn with this Idempotency-Key is still running; try again") from None
                    await conn.execute("SET lock_timeout = 0")
            yield conn
        finally:
            # Closing the session releases the lock.
            await conn.close()

    async def _run(self, user: str, body: ChatRequest, key: str | None, deadline: float) -> TurnResult:
        history = await self.history(user, body.conversation_id)
        outcome = await self.agent.run(user, key, history, body.message, deadline=deadline)
        async with self.database.connection() as conn:
            result = await store_turn(conn, user, body, outcome, key, len(history))
        if self._memory is not None and not result.replayed:
            self._memory.setdefault((user, result.answer["conversation_id"]), []).extend(
                [{"role": "user", "content": body.message}, {"role": "assistant", "content": outcome.response}])
        return result


async def store_turn(conn: psycopg.AsyncConnection, user: str, body: ChatRequest, outcome: TurnOutcome,
                     key: str | None, history_messages: int) -> TurnResult:
    """The turn's two messages, its conversation and (keyed) its stored answer, in one transaction.

    A keyed turn first locks its chat_turns row: should another run of the same key have stored its
    answer meanwhile (the advisory lock is a turn's first guard, this row its last), that answer is
    returned and nothing is stored twice."""
    async with conn.transaction():
        if key is not None:
            cur = await conn.execute("SELECT response FROM chat_turns WHERE user_id = %s AND idempotency_key = %s"
                                     " FOR UPDATE", (user, key))
            stored = await cur.fetchone()
            if stored is not None and stored[0] is not None:
                return TurnResult(stored[0], replayed=True)
        if body.conversation_id is None:
            cur = await conn.execute("INSERT INTO conversations (user_id) VALUES (%s) RETURNING id", (user,))
        else:
            cur = await conn.execute("UPDATE conversations SET updated_at = now() WHERE id = %s AND user_id = %s"
                                     " RETURNING id", (body.conversation_id, user))
        row = await cur.fetchone()
        if row is None:
            raise _not_found(body.conversation_id or 0)
        conversation_id = row[0]
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO messages (conversation_id, user_id, role, content) VALUES (%s, %s, %s, %s)",
                [(conversation_id, user, "user", body.message),
                 (conversation_id, user, "assistant", outcome.response)])
        answer = ChatResponse(conversation_id=conversation_id, response=outcome.response,
                              tool_calls=outcome.tool_calls).model_dump(mode="json")
        if key is not None:
            await conn.execute(
                "UPDATE chat_turns SET status = 'done', response = %s, conversation_id = %s, updated_at = now()"
                " WHERE user_id = %s AND idempotency_key = %s",
                (json.dumps(answer), conversation_id, user, key))
    return TurnResult(answer, history_messages=history_messages)


router = APIRouter(prefix="/api/{user_id}", tags=["chat"], responses={**AUTHENTICATED, **DATABASE})
NOT_FOUND = {404: error("Not a conversation of the user's")}


@router.post("/chat", response_model=ChatResponse, responses={
    **BODY, **NOT_FOUND,
    409: error("The Idempotency-Key was used with another chat request"),
    502: error("The model provider failed, rate-limited past the retries, or refused the request",
               {"Retry-After": RETRY_AFTER + " (the provider's, for a 429; absent when a retry cannot help)"}),
    503: error("No model configured; too many turns on this replica; a turn with this Idempotency-Key still"
               " running; or the database unavailable", {"Retry-After": RETRY_AFTER + " (absent: not configured)"}),
    504: error("The model did not answer within MODEL_TIMEOUT_SECONDS")})
async def chat(user: CurrentUser, body: ChatRequest, request: Request, response: Response,
               idempotency_key: IdempotencyKey) -> dict[str, Any]:
    """One chat turn: the agent manages the user's tasks through its tools and answers."""
    service: ChatService = request.app.state.chat
    started = time.perf_counter()
    # status stays None when an exception handler of app/main.py answers (a database error: 503).
    outcome, status, result = "error", None, None
    try:
        try:
            result = await service.turn(user, body, idempotency_key)
        except ModelNotConfigured:
            status = 503
            raise HTTPException(status_code=503, detail="the chat is not configured on this backend (MODEL_BASE_URL"
                                " is empty); the task API works without it") from None
        except ModelFailure as failure:
            service.metrics.chat_model_errors.labels(failure.kind).inc()
            outcome, status = ("model_timeout" if failure.status == 504 else "model_error"), failure.status
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
            raise HTTPException(status_code=failure.status, detail=failure.detail, headers=headers) from None
        except HTTPException as error:
            status = error.status_code
            raise
        outcome, status = ("replayed" if result.replayed else "ok"), 200
        if result.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return result.answer
    finally:
        elapsed = time.perf_counter() - started
        service.metrics.chat_turn_duration.labels(outcome).observe(elapsed)
        answer = result.answer if result else {}
        # Lengths and names only: never a message's text or a key.
        log.info("chat turn", extra={"fields": {
            "user_id": user, "outcome": outcome, "status": status, "keyed": idempotency_key is not None,
            "conversation_id": answer.get("conversation_id", body.conversation_id),
            "history_messages": result.history_messages if result else None,
            "message_chars": len(body.message), "response_chars": len(answer.get("response", "")),
            "tools": [call["name"] for call in answer.get("tool_calls", [])],
            "duration_ms": round(elapsed * 1000, 3)}})


ConversationPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(user: CurrentUser, request: Request) -> ConversationPage:
    """The user's conversations, most recently used first."""
    rows = await request.app.state.chat.conversations(user)
    return ConversationPage(items=[Conversation(**row) for row in rows])


@router.get("/conversations/{conversation_id}/messages", response_model=MessagePage, responses=NOT_FOUND)
async def conversation_messages(user: CurrentUser, conversation_id: ConversationPath, request: Request) -> MessagePage:
    """A conversation's messages, oldest first; 404 unless it is the user's."""
    rows = await request.app.state.chat.messages(user, conversation_id)
    return MessagePage(conversation_id=conversation_id, items=[Message(**row) for row in rows])
