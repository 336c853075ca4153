"""The /api/{user_id}/tasks routes. Every statement is parameterised; nothing user-supplied is formatted into SQL.

Every route needs a bearer token whose user is the path's ``{user_id}`` (app/auth.py: 401 without a
valid token, 403 for another user's path), and every statement is scoped by that user: another
user's task id is simply not found (404).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from psycopg.rows import dict_row

from .auth import CurrentUser
from .idempotency import IdempotencyKey
from .responses import AUTHENTICATED, BODY, DATABASE, error
from .schemas import MAX_ID, Task, TaskCreate, TaskPage, TaskReplace, TaskUpdate

router = APIRouter(prefix="/api/{user_id}/tasks", tags=["tasks"], responses={**AUTHENTICATED, **DATABASE})
NOT_FOUND = {404: error("The user has no task of this id (another user's task is not found either)")}

COLUMNS = "id, user_id, title, description, completed, created_at, updated_at"
TaskId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _database(request: Request):
    """The pool, each use bounded by DB_QUERY_TIMEOUT_SECONDS (app/database.py)."""
    return request.app.state.database


def _not_found(task_id: int) -> HTTPException:
    return HTTPException(status_code=404, detail=f"task {task_id} not found")


@router.get("", response_model=TaskPage)
async def list_tasks(
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    completed: bool | None = None,
) -> TaskPage:
    conditions, params = [], []
    if "query-missing-user-filter" not in request.app.state.settings.failpoints:
        conditions.append("user_id = %s")
        params.append(user)
    # else: the mistake of app/failpoints.py: the list forgets whose tasks it lists.
    if completed is not None:
        conditions.append("completed = %s")
        params.append(completed)
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    async with _database(request).connection() as conn:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(f"SELECT {COLUMNS} FROM tasks {where} ORDER BY id LIMIT %s OFFSET %s",
                              [*params, limit, offset])
            rows = await cur.fetchall()
            await cur.execute(f"SELECT count(*) AS n FROM tasks {where}", params)
            total = (await cur.fetchone())["n"]
    return TaskPage(items=[Task(**row) for row in rows], total=total, limit=limit, offset=offset)


@router.post("", response_model=Task, status_code=201, responses={
    **BODY, 409: error("The Idempotency-Key was used with another body (or its task changed meanwhile)")})
async def create_task(
    user: CurrentUser,
    body: TaskCreate,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> Task:
    values = (body.title, body.description, body.completed)
    async with _database(request).connection() as conn:
        async with conn.cursor(row_factory=dict_row) as cur:
            if idempotency_key is None:
                await cur.execute(
                    "INSERT INTO tasks (user_id, title, description, completed) VALUES (%s, %s, %s, %s)"
                    f" RETURNING {COLUMNS}",
                    (user, *values),
                )
                return Task(**await cur.fetchone())
            fingerprint = hashlib.sha256(json.dumps(body.model_dump(), sort_keys=True).encode()).hexdigest()
            if "idempotency-key-not-unique" in request.app.state.settings.failpoints:
                # The mistake of app/failpoints.py: the key is stored but never enforced or looked up.
                await cur.execute(
                    "INSERT INTO tasks (user_id, title, description, completed, idempotency_key, request_hash)"
                    f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {COLUMNS}",
                    (user, *values, idempotency_key, fingerprint),
                )
                return Task(**await cur.fetchone())
            await cur.execute(
                "INSERT INTO tasks (user_id, title, description, completed, idempotency_key, request_hash)"
                " VALUES (%s, %s, %s, %s, %s, %s)"
                f" ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING {COLUMNS}",
                (user, *values, idempotency_key, fingerprint),
            )
            row = await cur.fetchone()
            if row is not None:
                return Task(**row)
            # A retry: the row exists (the conflicting insert waited for it to commit).
            await cur.execute(
                f"SELECT {COLUMNS}, request_hash FROM tasks WHERE user_id = %s AND idempotency_key = %s",
                (user, idempotency_key),
            )
            row = await cur.fetchone()
    if row is None:
        # The original was deleted between our insert and select: extremely unlikely; ask for a retry.
        raise HTTPException(status_code=409, detail="the task for this Idempotency-Key changed concurrently; retry")
    if row.pop("request_hash") != fingerprint:
        raise HTTPException(status_code=409, detail="Idempotency-Key was already used with a different request body")
    response.headers["Idempotent-Replayed"] = "true"
    return Task(**row)


@router.get("/{task_id}", response_model=Task, responses=NOT_FOUND)
async def get_task(user: CurrentUser, task_id: TaskId, request: Request) -> Task:
    async with _database(request).connection() as conn:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(f"SELECT {COLUMNS} FROM tasks WHERE user_id = %s AND id = %s", (user, task_id))
            row = await cur.fetchone()
    if row is None:
        raise _not_found(task_id)
    return Task(**row)


async def _update(request: Request, user: str, task_id: int, changes: dict[str, object]) -> Task:
    # Column names come from the pydantic model's fixed field set, never from the client.
    allowed = ("title", "description", "completed")
    assignments = ", ".join(f"{name} = %s" for name in allowed if name in changes)
    params = [changes[name] for name in allowed if name in changes]
    async with _database(request).connection() as conn:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"UPDATE tasks SET {assignments}, updated_at = now() WHERE user_id = %s AND id = %s"
                f" RETURNING {COLUMNS}",
                [*params, user, task_id],
            )
            row = await cur.fetchone()
    if row is None:
        raise _not_found(task_id)
    return Task(**row)


@router.patch("/{task_id}", response_model=Task, responses={**BODY, **NOT_FOUND})
async def update_task(user: CurrentUser, task_id: TaskId, body: TaskUpdate, request: Request) -> Task:
    return await _update(request, user, task_id, body.model_dump(exclude_unset=True))


@router.put("/{task_id}", response_model=Task, responses={**BODY, **NOT_FOUND})
async def replace_task(user: CurrentUser, task_id: TaskId, body: TaskReplace, request: Request) -> Task:
    return await _update(request, user, task_id, body.model_dump())


@router.post("/{task_id}/complete", response_model=Task, responses=NOT_FOUND)
async def complete_task(user: CurrentUser, task_id: TaskId, request: Request) -> Task:
    return await _update(request, user, task_id, {"completed": True})


@router.delete("/{task_id}", status_code=204, responses=NOT_FOUND)
async def delete_task(user: CurrentUser, task_id: TaskId, request: Request) -> Response:
    async with _database(request).connection() as conn:
        cur = await conn.execute("DELETE FROM tasks WHERE user_id = %s AND id = %s", (user, task_id))
        if cur.rowcount == 0:
            raise _not_found(task_id)
    return Response(status_code=204)
