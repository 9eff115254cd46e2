"""gunicorn settings (read from the working directory by default; the command line overrides them).

The access log is on, written through ``config.gunicorn_logging.MaskingLogger``, which masks ID
numbers and mobile numbers in every field (the eligibility question carries an ID number in its
query string).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Restart a worker now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
# Each worker draws its own limit between max_requests and twice that: with a narrow jitter, workers sharing the
# load evenly reached their limits within the same second and all restarted at once (measured: 2 workers,
# every restart in pairs), leaving no worker to serve meanwhile.
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER") or max_requests)
# Load the application (Django, every URL and view: ``config.wsgi``) once in the master and fork workers from
# it: a worker restarted by max_requests is serving within milliseconds, where loading Django again made the
# requests queued behind it wait (p99 40–60 × p50 under sustained load). No database connection is opened
# in the master (``pre_fork`` makes sure), so no worker inherits one: each opens its own.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in ("0", "false", "no")

logger_class = "config.gunicorn_logging.MaskingLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Request line, status, size, time in microseconds; no cookies, no Authorization.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
# Bounded request lines and headers: an oversized one is refused before Django sees it.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker):
    """Give gunicorn's loggers their handlers back once the worker has loaded Django.

    Django's LOGGING names ``gunicorn.access`` and ``gunicorn.error`` (to put the personal-data
    filter on them), and configuring a named logger removes the handlers it had: without this,
    a worker would write no access log and no error log at all. The filter stays.
    """
    worker.log.setup(worker.cfg)


def when_ready(server):
    """The master's loggers back too: loading the application before forking (``preload_app``) configured
    Django's LOGGING in the master, which took gunicorn's handlers off ``gunicorn.error``; without this the
    master would log nothing of its workers (booted, restarted, timed out, killed)."""
    server.log.setup(server.cfg)


def pre_fork(server, worker):
    """In the master, before each fork: close any database connection it holds (loading the application opens
    none; a future import that did would otherwise hand one socket to every worker)."""
    from django.db import connections

    connections.close_all()
