"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Import every URL pattern and the views, serializers and admin behind them now, not at a worker's first request:
# a server that loads the application before forking (gunicorn.conf.py: preload_app) then starts each worker,
# and restarts it, with everything loaded. Nothing here opens a database connection
# (tests/perf/test_preload.py).
URL_PATTERNS = get_resolver().url_patterns
