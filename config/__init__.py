"""Project configuration; the Celery app is loaded with it so that tasks bind to it."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
