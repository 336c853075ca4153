"""A frozen PostgreSQL: requests fail fast (DB_QUERY_TIMEOUT_SECONDS), then the same process serves again.

The test's own server is frozen for real: SIGSTOP to its postmaster and every child, as a cgroup freezer
does to a container. Its sockets stay open and the kernel still accepts connections and bytes; nothing
answers. Failpoint ``no-database-deadline`` shows what the deadline prevents: the same request hangs until
the server thaws. Timing is judged against the freeze (answered before the thaw, or not), with room for a
slow, shared machine; the durations measured are printed (``pytest -s``).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg

from .chat import chat_path
from .conftest import chat_env
from .inflight import blocked_inserts
from .pg import PostgresServer
from .server import BackendProcess
from .test_migrations import wait_for
from .tokens import bearer, tasks

TASKS = tasks("alice")
FREEZE_SECONDS = 15.0
DEADLINE_SECONDS = 3.0


def _server_pids(postgres: PostgresServer) -> list[int]:
    """The postmaster of the test's own server (its data directory's postmaster.pid), then its children."""
    with open(os.path.join(postgres.root, "data", "postmaster.pid")) as f:
        postmaster = int(f.readline())
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces or parentheses, so split after the last ')'.
        if int(stat.rpartition(")")[2].split()[1]) == postmaster:
            children.append(int(entry))
    return [postmaster, *children]


@contextmanager
def frozen(postgres: PostgresServer) -> Iterator[None]:
    """PostgreSQL stopped (SIGSTOP) inside the block, continued (SIGCONT) after it, whatever happens."""
    stopped: list[int] = []
    try:
        # The postmaster first, so it forks no child that the list below would miss.
        for pid in _server_pids(postgres):
            try:
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
            except ProcessLookupError:
                pass
        yield
    finally:
        for pid in reversed(stopped):
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


class Timed:
    """A request sent from a thread of its own: its answer (or error) and when it came."""

    def __init__(self, method: str, url: str, **kwargs) -> None:
        self.answer: httpx.Response | Exception | None = None
        self.started = time.monotonic()
        self.ended: float | None = None

        def send() -> None:
            try:
                self.answer = httpx.request(method, url, timeout=FREEZE_SECONDS * 3, **kwargs)
            except Exception as error:  # the test asserts on it
                self.answer = error
            self.ended = time.monotonic()

        self.thread = threading.Thread(target=send, daemon=True)
        self.thread.start()

    def join(self) -> httpx.Response:
        self.thread.join(FREEZE_SECONDS * 3)
        assert isinstance(self.answer, httpx.Response), f"no answer: {self.answer!r}"
        return self.answer

    @property
    def took(self) -> float:
        assert self.ended is not None
        return self.ended - self.started


def _create(url: str, title: str, key: str) -> Timed:
    return Timed("POST", url + TASKS, json={"title": title}, headers={**bearer("alice"), "Idempotency-Key": key})


def _keys(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return dict(conn.execute("SELECT idempotency_key, count(*) FROM tasks WHERE idempotency_key IS NOT NULL"
                                 " GROUP BY 1").fetchall())


def _turn(url: str, message: str, key: str) -> Timed:
    return Timed("POST", url + chat_path(), json={"message": message},
                 headers={**bearer("alice"), "Idempotency-Key": key})


def test_requests_fail_fast_while_the_database_is_frozen_and_succeed_after(postgres, model):
    dsn = postgres.create_database("frozen_deadline")
    backend = BackendProcess(dsn, **chat_env(model, DB_QUERY_TIMEOUT_SECONDS=str(DEADLINE_SECONDS),
                                             DB_POOL_TIMEOUT_SECONDS="2", DB_POOL_MIN_SIZE="2", DB_POOL_MAX_SIZE="6"))
    try:
        backend.wait_ready()
        alice = httpx.Client(base_url=backend.url, timeout=10.0, headers=bearer("alice"))
        kept = alice.post(TASKS, json={"title": "kept"}).json()
        served_by = alice.get("/version").json()["served_by"]

        with psycopg.connect(dsn, autocommit=True) as db, psycopg.connect(dsn) as locker:
            # In flight when the freeze begins: an INSERT waiting on a lock (inflight.py's way), so it is
            # surely inside the database when the server stops.
            locker.execute("LOCK TABLE tasks IN EXCLUSIVE MODE")
            inflight = _create(backend.url, "in flight", "k-inflight")
            wait_for(lambda: blocked_inserts(db) == 1, what="the POST to wait in the database")
            with frozen(postgres):
                froze = time.monotonic()
                assert inflight.answer is None, "the POST was answered before the freeze began"
                # Started as the freeze begins: a read, a keyed write, a keyed chat turn, the chat's history,
                # readiness; and half-way through it, when the pool has tried to reconnect for a while.
                during = {
                    "GET task": Timed("GET", f"{backend.url}{TASKS}/{kept['id']}", headers=bearer("alice")),
                    "POST task": _create(backend.url, "during", "k-during"),
                    "POST chat": _turn(backend.url, "add buy milk", "turn-during"),
                    "GET conversations": Timed("GET", backend.url + "/api/alice/conversations",
                                               headers=bearer("alice")),
                    "GET /readyz": Timed("GET", backend.url + "/readyz"),
                }
                time.sleep(FREEZE_SECONDS / 2)
                during["GET task, later"] = Timed("GET", f"{backend.url}{TASKS}/{kept['id']}", headers=bearer("alice"))
                during["GET /readyz, later"] = Timed("GET", backend.url + "/readyz")
                requests = {"POST task in flight": inflight, **during}
                time.sleep(max(0.0, froze + FREEZE_SECONDS - time.monotonic()))
                thawed = time.monotonic()
            locker.rollback()  # the lock goes: the in-flight INSERT, if its session still lives, runs now

        for name, request in requests.items():
            assert request.ended is not None and request.ended < thawed, f"{name}: no answer before the thaw"
            answer = request.join()
            assert answer.status_code == 503, f"{name}: {answer.status_code} {answer.text}"
            assert answer.headers.get("Retry-After") == "1" or name.startswith("GET /readyz")
            print(f"frozen database, deadline {DEADLINE_SECONDS:g} s: {name} answered 503 in {request.took:.2f} s:"
                  f" {answer.text}")
        # Within the deadline or the pool's wait (3 s, 2 s), with a wide margin for a busy machine.
        assert max(r.took for r in during.values()) < FREEZE_SECONDS / 2
        assert inflight.ended - froze < FREEZE_SECONDS / 2
        detail = requests["GET task"].answer.json()["detail"]
        assert detail in ("the database did not answer within 3 s, try again", "database unavailable, try again")

        # The same process serves again by itself: no restart.
        back = time.monotonic()
        while alice.get(f"{TASKS}/{kept['id']}").status_code != 200:
            assert time.monotonic() - back < 20.0, "the backend did not serve again within 20 s of the thaw"
            time.sleep(0.2)
        print(f"frozen database: served again {time.monotonic() - back:.2f} s after the thaw")
        assert backend.proc.poll() is None
        assert alice.get("/version").json()["served_by"] == served_by
        assert alice.get(f"{TASKS}/{kept['id']}").json() == kept
        # The writes that answered 503, retried with their keys: each applied exactly once.
        for title, key in (("in flight", "k-inflight"), ("during", "k-during")):
            retried = alice.post(TASKS, json={"title": title}, headers={"Idempotency-Key": key})
            assert retried.status_code == 201 and retried.json()["title"] == title
        retried = _turn(backend.url, "add buy milk", "turn-during").join()
        assert retried.status_code == 200 and retried.json()["response"].startswith("Added task")
        keys = _keys(dsn)
        assert {k: n for k, n in keys.items() if k.startswith("k-")} == {"k-inflight": 1, "k-during": 1}
        listing = alice.get(TASKS).json()
        assert sorted(t["title"] for t in listing["items"]) == ["buy milk", "during", "in flight", "kept"]
        assert httpx.get(backend.url + "/readyz", timeout=5.0).status_code == 200
        alice.close()
    finally:
        backend.stop()


def test_failpoint_no_database_deadline_waits_for_the_thaw(postgres):
    dsn = postgres.create_database("frozen_no_deadline")
    backend = BackendProcess(dsn, FAILPOINTS="no-database-deadline", DB_QUERY_TIMEOUT_SECONDS=str(DEADLINE_SECONDS))
    try:
        backend.wait_ready()
        assert httpx.get(backend.url + "/version").json()["failpoints"] == ["no-database-deadline"]
        kept = httpx.post(backend.url + TASKS, json={"title": "kept"}, headers=bearer("alice")).json()
        with frozen(postgres):
            froze = time.monotonic()
            during = Timed("GET", f"{backend.url}{TASKS}/{kept['id']}", headers=bearer("alice"))
            while time.monotonic() < froze + FREEZE_SECONDS and during.ended is None:
                time.sleep(0.1)
            thawed = time.monotonic()
        assert during.ended is None, f"answered {during.answer!r} after {during.took:.2f} s, before the thaw"
        answer = during.join()
        print(f"frozen database, failpoint no-database-deadline: GET answered {answer.status_code} in"
              f" {during.took:.2f} s ({during.ended - thawed:.2f} s after the thaw, freeze {FREEZE_SECONDS:g} s)")
        assert answer.status_code == 200 and answer.json() == kept
        assert any("failpoint active" in line and "no-database-deadline" in line for line in backend.lines)
    finally:
        backend.stop()
