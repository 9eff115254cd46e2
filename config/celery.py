"""The Celery app: the scheduled system jobs and the notification sender, configured from Django settings.

Settings named ``CELERY_*`` configure it (``CELERY_BROKER_URL`` names the broker: Redis or
RabbitMQ). Tasks live in each app's ``tasks.py`` and call the same services as the management
commands. The schedule is data (django-celery-beat's tables, edited in the admin), read by
beat through its DatabaseScheduler.

Nothing on a request's path sends a task: the web process never waits on the broker. The
``DJANGO_SETTINGS_MODULE`` of a worker comes from its environment (``make worker`` and the
image set it); this module sets no default, so that importing ``config`` never decides it.
"""

from celery import Celery

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
