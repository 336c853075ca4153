"""labrun/todo-postgres behaves like the official image: user, password, database, init scripts."""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid

from .conftest import wait_for


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=check)


def image() -> str:
    return f"labrun/todo-postgres:{os.environ.get('LABRUN_TAG', 'dev')}"


def test_user_database_and_init_scripts():
    name = f"labrun-pgtest-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as init:
        with open(os.path.join(init, "10-seed.sql"), "w") as f:
            f.write("CREATE TABLE seeded (note text); INSERT INTO seeded VALUES ('from initdb.d');\n")
        with open(os.path.join(init, "20-more.sh"), "w") as f:
            f.write('psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "INSERT INTO seeded VALUES (\'from sh\')"\n')
        os.chmod(init, 0o755)
        for entry in os.listdir(init):
            os.chmod(os.path.join(init, entry), 0o644)
        docker("run", "-d", "--name", name, "-e", "POSTGRES_USER=alice", "-e", "POSTGRES_PASSWORD=pw-" + uuid.uuid4().hex,
               "-e", "POSTGRES_DB=shop", "-v", f"{init}:/docker-entrypoint-initdb.d:ro", image())
        try:
            wait_for(lambda: docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip() == "healthy",
                     90, "the PostgreSQL container to be healthy")
            rows = docker("exec", name, "psql", "-At", "-U", "alice", "-d", "shop", "-c",
                          "SELECT note FROM seeded ORDER BY note").stdout.split()
            assert rows == ["from", "initdb.d", "from", "sh"]
            assert docker("exec", name, "id", "-u").stdout.strip() == "999"
            # Over TCP a password is required (scram-sha-256).
            denied = docker("exec", "-e", "PGPASSWORD=wrong", name, "psql", "-h", "127.0.0.1", "-U", "alice",
                            "-d", "shop", "-c", "SELECT 1", check=False)
            assert denied.returncode != 0 and "password authentication failed" in denied.stderr
        finally:
            docker("rm", "-f", "-v", name, check=False)


def test_refuses_to_start_without_password():
    result = docker("run", "--rm", image(), check=False)
    assert result.returncode == 1
    assert "POSTGRES_PASSWORD is not set" in result.stderr


def test_read_only_root_with_pgdata_subdirectory():
    """As the Kubernetes StatefulSet runs it: read-only root, PGDATA a subdirectory of the volume."""
    name = f"labrun-pgtest-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp",
           "--tmpfs", "/var/run/postgresql:uid=999,gid=999,mode=0775",
           "--tmpfs", "/var/lib/postgresql/data:uid=999,gid=999,mode=0700",
           "-e", "PGDATA=/var/lib/postgresql/data/pgdata", "-e", "POSTGRES_PASSWORD=pw-" + uuid.uuid4().hex, image())
    try:
        wait_for(lambda: docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip() == "healthy",
                 90, "the read-only PostgreSQL container to be healthy")
        assert docker("exec", name, "psql", "-At", "-U", "postgres", "-c", "SHOW data_directory").stdout.strip() \
            == "/var/lib/postgresql/data/pgdata"
    finally:
        docker("rm", "-f", "-v", name, check=False)
