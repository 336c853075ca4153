from __future__ import annotations

import os
import signal

import httpx
import psycopg
import pytest

from . import tokens
from .model import API_KEY, ModelService
from .pg import PostgresServer
from .server import BackendProcess

# Every backend a test starts (and Settings.from_env() in-process) verifies tokens with this secret.
os.environ["JWT_SECRET"] = tokens.SECRET
os.environ.pop("JWT_ISSUER", None)
os.environ.pop("JWT_AUDIENCE", None)
os.environ.pop("LAB_SIGN_IN", None)


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
def clean(postgres, backend):
    """Empty tables (the session's backend has migrated the database)."""
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        conn.execute("TRUNCATE tasks, conversations, messages, chat_turns, chat_tool_effects RESTART IDENTITY")


@pytest.fixture()
def client_for(backend, clean):
    """A client of the session's backend signed in as the user given (a token minted with the secret)."""
    opened: list[httpx.Client] = []

    def make(user: str) -> httpx.Client:
        c = httpx.Client(base_url=backend.url, timeout=10.0, headers=tokens.bearer(user))
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


@pytest.fixture()
def client(client_for):
    """Signed in as alice: her tasks are at tokens.tasks() (/api/alice/tasks)."""
    return client_for("alice")


@pytest.fixture()
def db(postgres):
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def model_service(tmp_path_factory):
    """The lab's model service (the stand-in provider) as a real process, for the session."""
    service = ModelService(tmp_path_factory.mktemp("model") / "model-service.log")
    yield service
    service.stop()


@pytest.fixture()
def model(model_service):
    """The model service with no faults in force, before and after the test."""
    model_service.clear_faults()
    yield model_service
    model_service.clear_faults()


def chat_env(service: ModelService, **env: str) -> dict[str, str]:
    """A backend's environment for the chat against ``service``. No retries by default, so a test that
    injects one model error sees it (the retry behaviour has its own test)."""
    return {"MODEL_BASE_URL": service.base_url, "MODEL_API_KEY": API_KEY, "MODEL_TIMEOUT_SECONDS": "3",
            "MODEL_MAX_RETRIES": "0", **env}


@pytest.fixture(scope="session")
def replicas(postgres, model_service):
    """Two chat-enabled backends on one database: any of them must serve any turn."""
    procs = [BackendProcess(postgres.dsn(), **chat_env(model_service)) for _ in range(2)]
    for proc in procs:
        proc.wait_ready()
    yield procs
    for proc in procs:
        proc.stop()
