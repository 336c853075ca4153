"""A throw-away PostgreSQL server from Debian's postgresql package, on a free port in a temp dir."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass

_PREFIX = "labrun-pg-"
_OWNER = "owner.pid"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindir() -> str:
    override = os.environ.get("PG_BINDIR")
    if override:
        return override
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: install Debian's postgresql package "
                           "(or set PG_BINDIR)")
    return os.path.dirname(found[-1])


@dataclass
class PostgresServer:
    port: int
    root: str
    bindir: str
    run_as: str | None
    user: str = "todo"

    def dsn(self, dbname: str = "todo") -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={dbname}"

    def _cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", self.run_as, "--"] if self.run_as else []) + list(args)

    @classmethod
    def clear_leftovers(cls) -> None:
        """Stops servers of earlier runs whose test process is gone (killed before its teardown)."""
        for root in glob.glob(os.path.join(tempfile.gettempdir(), _PREFIX + "*")):
            try:
                with open(os.path.join(root, _OWNER)) as f:
                    owner = int(f.read().strip())
            except (OSError, ValueError):
                continue
            try:
                os.kill(owner, 0)
                continue  # still running: another test run's server
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
            data = os.path.join(root, "data")
            if os.path.exists(os.path.join(data, "postmaster.pid")):
                run_as = "postgres" if os.geteuid() == 0 else None
                subprocess.run((["runuser", "-u", run_as, "--"] if run_as else [])
                               + [os.path.join(_bindir(), "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
                               capture_output=True)
            shutil.rmtree(root, ignore_errors=True)

    @classmethod
    def start(cls) -> "PostgresServer":
        cls.clear_leftovers()
        run_as = None
        if os.geteuid() == 0:
            # initdb refuses to run as root: use the package's postgres user.
            run_as = os.environ.get("PG_RUN_AS", "postgres")
            pwd.getpwnam(run_as)
        root = tempfile.mkdtemp(prefix=_PREFIX)
        with open(os.path.join(root, _OWNER), "w") as f:
            f.write(str(os.getpid()))
        if run_as:
            info = pwd.getpwnam(run_as)
            os.chown(root, info.pw_uid, info.pw_gid)
        server = cls(port=free_port(), root=root, bindir=_bindir(), run_as=run_as)
        data = os.path.join(root, "data")
        subprocess.run(
            server._cmd(os.path.join(server.bindir, "initdb"), "-D", data, "-U", server.user, "-A", "trust",
                        "-E", "UTF8", "--no-locale", "--no-sync"),
            check=True, capture_output=True,
        )
        server._pg_ctl("start", "-w", "-t", "60", "-l", os.path.join(root, "server.log"), "-o",
                       f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c max_connections=200")
        subprocess.run(server._cmd(os.path.join(server.bindir, "createdb"), "-h", "127.0.0.1", "-p",
                                   str(server.port), "-U", server.user, "todo"), check=True, capture_output=True)
        return server

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(self._cmd(os.path.join(self.bindir, "pg_ctl"), "-D", os.path.join(self.root, "data"), *args),
                       check=True, capture_output=True)

    def create_database(self, name: str) -> str:
        subprocess.run(self._cmd(os.path.join(self.bindir, "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                                 "-U", self.user, name), check=True, capture_output=True)
        return self.dsn(name)

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", "30")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
