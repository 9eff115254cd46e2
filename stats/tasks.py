"""The statistics' scheduled job (beat runs it nightly; ``manage.py refresh_statistics`` runs it by hand)."""

from celery import shared_task

from stats import services


@shared_task(name="stats.refresh_statistics")
def refresh_statistics() -> dict:
    return services.refresh_recent()
