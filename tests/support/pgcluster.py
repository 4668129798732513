"""A throwaway PostgreSQL cluster: initdb + pg_ctl in a temp folder, on a free loopback port,
run as the unprivileged `postgres` user when started as root (PostgreSQL refuses to run as
root). No pytest here: the test fixtures (support/postgres.py) and the PostgreSQL benchmark
(benchmarks/bench_record_pg.py) both start their server with it.

    with Cluster.start({"shared_buffers": "1GB"}) as cluster:
        url = cluster.url(cluster.create_database())
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import TracebackType


class ClusterUnavailable(RuntimeError):
    """No server binaries, or no unprivileged user to run them as."""


class ClusterStartError(RuntimeError):
    """initdb or pg_ctl failed; the message holds their output and the server log."""


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin with initdb and pg_ctl, else the PATH's."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "pg_ctl").exists() and Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def server_user() -> str | None:
    """The user to run the server as: `postgres` when we are root, else None (ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ClusterUnavailable(
            "running as root and there is no `postgres` user to run the server as"
        ) from None
    if shutil.which("runuser") is None:
        raise ClusterUnavailable("running as root and `runuser` is missing")
    return "postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A running throwaway server; `stop()` (or leaving the `with`) removes it entirely."""

    def __init__(self, binaries: Path, workdir: Path, port: int, user: str, run_as: str | None) -> None:
        self.binaries = binaries
        self.workdir = workdir
        self.data = workdir / "data"
        self.log = workdir / "server.log"
        self.host = "127.0.0.1"
        self.port = port
        self.user = user
        self.run_as = run_as

    @classmethod
    def start(
        cls,
        settings: dict[str, str] | None = None,
        *,
        parent: str | Path | None = None,
        no_sync: bool = True,
    ) -> Cluster:
        """initdb and start a server on 127.0.0.1; `settings` are postgres -c options.
        `no_sync` only skips initdb's final fsync of the empty cluster."""
        binaries = bin_dir()
        if binaries is None:
            raise ClusterUnavailable("no PostgreSQL server binaries (initdb, pg_ctl) were found")
        run_as = server_user()
        workdir = Path(tempfile.mkdtemp(prefix="cramp_dx_pg_", dir=parent))
        if run_as:
            entry = pwd.getpwnam(run_as)
            os.chown(workdir, entry.pw_uid, entry.pw_gid)
        user = run_as or pwd.getpwuid(os.getuid()).pw_name
        cluster = cls(binaries, workdir, free_port(), user, run_as)
        try:
            cluster._initdb(no_sync)
            cluster._pg_ctl_start(settings or {})
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        return cluster

    def _run(self, command: list[str]) -> None:
        full = ["runuser", "-u", self.run_as, "--", *command] if self.run_as else command
        try:
            subprocess.run(full, check=True, capture_output=True)
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode(errors="replace")
            if self.log.exists():
                detail += self.log.read_text(errors="replace")
            raise ClusterStartError(f"{Path(command[0]).name} failed: {detail}") from None

    def _initdb(self, no_sync: bool) -> None:
        command = [str(self.binaries / "initdb"), "-D", str(self.data), "-A", "trust", "-U", self.user]
        command += ["-E", "UTF8", *(["--no-sync"] if no_sync else [])]
        self._run(command)

    def _pg_ctl_start(self, settings: dict[str, str]) -> None:
        options = f"-h {self.host} -p {self.port} -k {self.workdir}"
        options += "".join(f" -c {name}={value}" for name, value in settings.items())
        self._run(
            [
                str(self.binaries / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    def create_database(self, name: str | None = None) -> str:
        import psycopg

        name = name or "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def server_pids(self) -> list[int]:
        """The postmaster and every backend it forked (for CPU and memory figures)."""
        try:
            postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == postmaster:
                    children.append(int(entry.name))
        return [postmaster, *children]

    def stop(self) -> None:
        with contextlib.suppress(ClusterStartError):
            self._run([str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
