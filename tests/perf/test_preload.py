"""The production server loads the application before forking its workers, and opens no database connection
doing so: a worker restarted by ``max_requests`` (the leak guard stays) serves at once, no request waits for
Django to load again, and no worker shares a connection with another.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

from gunicorn.config import Config as GunicornConfig

from tests.api.test_sqlite_concurrency import free_port, server_env, serving

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **values: str) -> dict[str, str]:
    return server_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_COOKIES="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="INFO",
        **values,
    )


def test_the_production_configuration_preloads_and_still_recycles_workers():
    config = GunicornConfig()
    config.set("config", str(ROOT / "gunicorn.conf.py"))
    namespace: dict = {"__file__": str(ROOT / "gunicorn.conf.py")}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    for name in ("preload_app", "max_requests", "max_requests_jitter", "pre_fork"):
        config.set(name, namespace[name])
    assert config.preload_app is True
    assert config.max_requests > 0 and config.max_requests_jitter > 0  # the leak guard stays
    assert callable(config.pre_fork)


def test_loading_the_application_imports_every_view_and_opens_no_database_connection(tmp_path):
    """What the master runs before forking: ``config.wsgi``, in a fresh interpreter with the production
    settings; every opening of a database connection is counted."""
    script = """
import json, sys
from django.db.backends.base import base
opened = []
connect = base.BaseDatabaseWrapper.connect
def counted(self):
    opened.append(self.alias)
    return connect(self)
base.BaseDatabaseWrapper.connect = counted
import config.wsgi
from django.db import connections
print(json.dumps({
    "opened": opened,
    "open_now": [c.alias for c in connections.all(initialized_only=True) if c.connection is not None],
    "loaded": [m for m in ("filings.api.views", "reimbursements.api.views", "stats.api.views", "audit.admin")
               if m in sys.modules],
}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "opened": [],
        "open_now": [],
        "loaded": ["filings.api.views", "reimbursements.api.views", "stats.api.views", "audit.admin"],
    }


def test_workers_restart_from_the_loaded_application_and_the_master_holds_no_database(tmp_path):
    """gunicorn as configured, two workers restarting every 10 requests: 120 requests reading the database all
    answer 200 while workers restart several times, each starting without loading Django again, and the
    master never opens the database file."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(tmp_path),
        check=True,
        timeout=300,
    )
    port = free_port()
    env = production_env(tmp_path, WEB_CONCURRENCY="2", GUNICORN_MAX_REQUESTS="10", GUNICORN_MAX_REQUESTS_JITTER="1")
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
    ]
    log = tmp_path / "gunicorn.log"
    with serving(command, env, port, log) as base:
        statuses = []
        for _request in range(120):
            with urllib.request.urlopen(f"{base}/readyz", timeout=10) as answer:  # a query in the worker
                statuses.append(answer.status)
        master = server_master(port)
        held = [str(fd.resolve()) for fd in Path(f"/proc/{master}/fd").iterdir() if fd.exists()]
    text = log.read_text()
    assert statuses == [200] * 120
    assert text.count("Autorestarting worker") >= 4, text[-3000:]
    assert re.search(r"Booting worker with pid", text), "the master's log is lost (when_ready restores it)"
    assert not [name for name in held if "db.sqlite3" in name]


def server_master(port: int) -> int:
    """The pid of the gunicorn master bound to ``port``: the one of its processes whose parent is not one."""
    ours = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if "gunicorn" in command and f"127.0.0.1:{port}" in command:
            ours[int(entry.name)] = parent
    (master,) = [pid for pid, parent in ours.items() if parent not in ours]
    return master
