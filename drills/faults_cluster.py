"""The processes the fault run owns: a throw-away PostgreSQL cluster and a gunicorn serving the app.

Both live in one temporary directory and are stopped by whoever started them, in a ``finally``.
PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged user
(``postgres`` when it exists, else ``nobody``) and every ``initdb``/``pg_ctl`` runs through
``runuser``; as anyone else it simply runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PG_BIN = Path(os.environ.get("FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parent.parent


def free_port(preferred: int) -> int:
    """``preferred`` when nothing listens on it on 127.0.0.1, else a port the kernel picks."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is no obstacle
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free TCP port on 127.0.0.1")


def _os_user() -> str | None:
    """The unprivileged user that owns the cluster when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("FAULTS_PG_USER"), "postgres", "nobody"):
        if not name:
            continue
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to own the cluster")


class Cluster:
    """A PostgreSQL cluster in ``workdir/pgdata`` on 127.0.0.1:``port``: trust authentication, socket in ``workdir``."""

    def __init__(self, workdir: Path, port: int):
        self.workdir = workdir
        self.data = workdir / "pgdata"
        self.log = workdir / "postgresql.log"
        self.port = port
        self.user = _os_user()
        self.started = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/faults"

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=check, timeout=timeout, capture_output=True, text=True, cwd=self.workdir)

    def init(self) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        os.chmod(self.workdir, 0o700)
        self._run(
            PG_BIN / "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        )
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {self.port}",
            f"unix_socket_directories = '{self.workdir}'",
            "max_connections = 100",
            "shared_buffers = 64MB",
            # Durable as in production: every commit is flushed, so a crash (-m immediate) loses none.
            "fsync = on",
            "synchronous_commit = on",
            "log_min_messages = warning",
        ]
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# drills.faults\n" + "\n".join(settings) + "\n")

    def start(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.started = False

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as c:
            c.execute("CREATE DATABASE faults")

    def shutdown(self) -> None:
        """Stop the server if it may be running (never raises: called from ``finally``)."""
        if not self.data.exists():
            return
        status = self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "status", check=False)
        if status.returncode == 0:
            self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        self.started = False


class Server:
    """gunicorn with the repository's ``gunicorn.conf.py`` and production settings, on 127.0.0.1:``port``."""

    def __init__(self, workdir: Path, port: int, workers: int, env: dict[str, str]):
        self.port = port
        self.workers = workers
        self.env = env
        self.log = workdir / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn),
            "config.wsgi",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            # gunicorn 27 otherwise shares one control socket (~/.gunicorn/gunicorn.ctl) with any other.
            "--no-control-socket",
        ]
        self._log = open(self.log, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /readyz within 60 s; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The worker processes of our gunicorn master (its children)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_workers(self, count: int | None = None) -> list[int]:
        """SIGKILL ``count`` workers (all by default; the master starts others): crashes mid-request."""
        pids = self.worker_pids()[:count]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    def stop(self) -> None:
        """Stop gunicorn gracefully, then by force (never raises)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own session: the master and its workers
                self.process.wait(timeout=10)
        self._log.close()
        self.process = None


def remove(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
