"""A POST held inside the database: a real request in flight, for the shutdown and admission tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg

from .test_migrations import wait_for
from .tokens import bearer, tasks

TASKS = tasks("alice")


def blocked_inserts(db) -> int:
    return db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO tasks%%'"
    ).fetchone()[0]


@contextmanager
def post_held_in_database(dsn: str, db, url: str, title: str,
                          results: dict[str, httpx.Response | httpx.HTTPError]) -> Iterator[tuple[psycopg.Connection, threading.Thread]]:
    """POSTs a task from a thread of its own while an EXCLUSIVE lock on `tasks` holds its INSERT.

    Yields, once the INSERT waits in the database, the connection holding the lock (roll it back to
    let the POST finish) and the thread. The response, or the error if the server went away, lands
    in ``results["post"]``. EXCLUSIVE blocks the INSERT but not a SELECT.
    """
    def post() -> None:
        try:
            results["post"] = httpx.post(url + TASKS, json={"title": title}, headers=bearer("alice"), timeout=30)
        except httpx.HTTPError as error:
            results["post"] = error

    with psycopg.connect(dsn) as locker:
        locker.execute("LOCK TABLE tasks IN EXCLUSIVE MODE")
        thread = threading.Thread(target=post, daemon=True)
        thread.start()
        wait_for(lambda: blocked_inserts(db) == 1, what="the POST to block in the database")
        yield locker, thread
