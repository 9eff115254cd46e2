"""Run one scheduled job now, in this process, without a broker (safe to rerun, like the job itself)."""

from django.core.management.base import BaseCommand, CommandError

from notifications.jobs import JOBS


class Command(BaseCommand):
    help = "Run a scheduled job by name, here and now (no broker needed). --list names them."

    def add_arguments(self, parser):
        parser.add_argument("job", nargs="?", choices=sorted(JOBS), help="the job to run")
        parser.add_argument("--list", action="store_true", help="list the jobs and the Celery task of each")

    def handle(self, *args, job=None, list=False, **options):
        if list or job is None:
            for name, task in sorted(JOBS.items()):
                self.stdout.write(f"{name:28} {task.name}")
            if job is None and not list:
                raise CommandError("Name a job to run.")
            return
        result = JOBS[job]()  # calling a task runs it here, synchronously
        self.stdout.write(f"{job}: {result}")
