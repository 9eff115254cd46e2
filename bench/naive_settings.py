"""Production settings serving ``bench.naive_urls``: the naive eligibility view a user might write.

``DJANGO_SETTINGS_MODULE=bench.naive_settings gunicorn config.wsgi -c gunicorn.conf.py``; bench only.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.naive_urls"
