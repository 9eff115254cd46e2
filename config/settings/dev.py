"""Local development: debug on, SQLite unless DATABASE_URL says otherwise."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = ["*"]
# A webhook receiver on this machine (127.0.0.1) is fine while developing.
NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = env_bool("NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS", True)
