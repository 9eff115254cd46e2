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
max_requests_jitter = 200

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
