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


def test_least_privilege_roles():
    """docker/postgres/initdb/10-roles.sh: the application's role owns its tables and nothing else;
    the reader (labrun's SQL) only reads; neither can run a program on the server."""
    name = f"labrun-pgtest-{uuid.uuid4().hex[:8]}"
    passwords = {role: "pw-" + uuid.uuid4().hex for role in ("postgres", "todo", "labrun_reader")}
    docker("run", "-d", "--name", name, "-e", "POSTGRES_PASSWORD=" + passwords["postgres"], "-e", "POSTGRES_DB=todo",
           "-e", "APP_DB_USER=todo", "-e", "APP_DB_PASSWORD=" + passwords["todo"],
           "-e", "READER_DB_USER=labrun_reader", "-e", "READER_DB_PASSWORD=" + passwords["labrun_reader"], image())

    def sql(role: str, statement: str) -> subprocess.CompletedProcess:
        return docker("exec", "-e", "PGPASSWORD=" + passwords[role], name, "psql", "-h", "127.0.0.1", "-U", role,
                      "-d", "todo", "-v", "ON_ERROR_STOP=1", "-At", "-c", statement, check=False)

    try:
        wait_for(lambda: docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip() == "healthy",
                 90, "the PostgreSQL container to be healthy")
        assert sql("todo", "CREATE TABLE tasks (id serial PRIMARY KEY, title text)").returncode == 0
        assert sql("todo", "INSERT INTO tasks (title) VALUES ('one')").returncode == 0
        assert sql("labrun_reader", "SELECT title FROM tasks").stdout.strip() == "one"
        for role in ("todo", "labrun_reader"):
            copy = sql(role, "COPY (SELECT 1) TO PROGRAM 'true'")
            assert copy.returncode != 0 and "pg_execute_server_program" in copy.stderr, copy.stderr
            assert sql(role, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").stdout.strip() == "f"
            assert sql(role, "CREATE ROLE intruder").returncode != 0
            assert sql(role, "CREATE DATABASE other").returncode != 0
        written = sql("labrun_reader", "INSERT INTO tasks (title) VALUES ('two')")
        assert written.returncode != 0 and "read-only transaction" in written.stderr, written.stderr
        assert sql("labrun_reader", "CREATE TABLE mine (x int)").returncode != 0
    finally:
        docker("rm", "-f", "-v", name, check=False)


def test_connections_from_other_hosts_must_use_tls():
    """docker/postgres/initdb/20-tls.sh: a self-signed certificate, ssl on, and hostssl for the network."""
    name = f"labrun-pgtest-{uuid.uuid4().hex[:8]}"
    password = "pw-" + uuid.uuid4().hex
    docker("run", "-d", "--name", name, "-e", "POSTGRES_PASSWORD=" + password, image())
    try:
        wait_for(lambda: docker("inspect", "-f", "{{.State.Health.Status}}", name).stdout.strip() == "healthy",
                 90, "the PostgreSQL container to be healthy")
        address = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).stdout.strip()

        def connect(sslmode: str) -> subprocess.CompletedProcess:
            return docker("exec", "-e", "PGPASSWORD=" + password, name, "psql", "-At",
                          f"host={address} user=postgres dbname=postgres sslmode={sslmode}",
                          "-c", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", check=False)

        plain = connect("disable")
        assert plain.returncode != 0 and "no encryption" in plain.stderr, plain.stderr
        encrypted = connect("require")
        assert encrypted.returncode == 0 and encrypted.stdout.strip() == "t", encrypted.stderr
        assert docker("exec", name, "stat", "-c", "%a", "/var/lib/postgresql/data/server.key").stdout.strip() == "600"
    finally:
        docker("rm", "-f", "-v", name, check=False)
