from __future__ import annotations

import signal

import httpx
import psycopg
import pytest

from .pg import PostgresServer
from .server import BackendProcess


def _interrupt(signum, _frame):
    # SIGTERM becomes KeyboardInterrupt, so pytest still runs the fixtures' teardown (PostgreSQL
    # and backend processes are stopped, temp dirs removed).
    raise KeyboardInterrupt(f"signal {signum}")


signal.signal(signal.SIGTERM, _interrupt)


@pytest.fixture(scope="session")
def postgres():
    server = PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def backend(postgres):
    proc = BackendProcess(postgres.dsn(), MAX_BODY_BYTES="4096", DB_POOL_MAX_SIZE="20")
    proc.wait_ready()
    yield proc
    proc.stop()


@pytest.fixture()
def client(backend, postgres):
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        conn.execute("TRUNCATE tasks RESTART IDENTITY")
    with httpx.Client(base_url=backend.url, timeout=10.0) as c:
        yield c


@pytest.fixture()
def db(postgres):
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        yield conn
