"""Idempotency-Key: retries, including concurrent ones, return the original task and store one row."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from .tokens import bearer, tasks

TASKS = tasks("alice")


def test_retry_returns_the_original(client, db):
    headers = {"Idempotency-Key": "order-42"}
    first = client.post(TASKS, json={"title": "once"}, headers=headers)
    again = client.post(TASKS, json={"title": "once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db.execute("SELECT count(*) FROM tasks WHERE idempotency_key = 'order-42'").fetchone()[0] == 1


def test_same_key_different_body_is_a_conflict(client, db):
    headers = {"Idempotency-Key": "k-1"}
    assert client.post(TASKS, json={"title": "a"}, headers=headers).status_code == 201
    conflict = client.post(TASKS, json={"title": "b"}, headers=headers)
    assert conflict.status_code == 409
    assert db.execute("SELECT title FROM tasks").fetchall() == [("a",)]


def test_without_key_each_post_creates(client, db):
    client.post(TASKS, json={"title": "same"})
    client.post(TASKS, json={"title": "same"})
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 2


def test_concurrent_retries_store_one_row(client, backend, db):
    keys = [f"burst-{i}" for i in range(10)]
    attempts = [key for key in keys for _ in range(8)]  # 8 simultaneous retries per key

    def post(key: str) -> tuple[str, int, int]:
        with httpx.Client(base_url=backend.url, timeout=20, headers=bearer("alice")) as c:
            r = c.post(TASKS, json={"title": f"title {key}"}, headers={"Idempotency-Key": key})
            return key, r.status_code, r.json()["id"]

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(post, attempts))

    assert {status for _, status, _ in results} == {201}
    ids_per_key: dict[str, set[int]] = {}
    for key, _, task_id in results:
        ids_per_key.setdefault(key, set()).add(task_id)
    assert all(len(ids) == 1 for ids in ids_per_key.values()), ids_per_key
    rows = db.execute("SELECT idempotency_key, count(*) FROM tasks GROUP BY 1").fetchall()
    assert sorted(rows) == sorted((key, 1) for key in keys)
