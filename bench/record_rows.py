"""What one row of the eligibility record costs, written alone or in batches (bench/README.md).

    .venv/bin/python -m bench.record_rows [postgres://postgres@127.0.0.1:5432/bench_load_200000]

Writes 2,000 rows through ``audit.services.write_questions`` (the batch writer's function) in transactions
of 1, 20 and 200 rows, on one connection to a database ``make bench`` generated, and prints wall time,
this process's CPU and the server backend's CPU (from ``/proc``) per row. The rows stay (the table is
append-only): run it on a bench database only.
"""

from __future__ import annotations

import os
import resource
import sys
import time

URL = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/bench_load_200000"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
os.environ.update(
    {
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": URL,
        "DJANGO_SECURE_COOKIES": "false",
    }
)


def main() -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from audit.services import write_questions
    from registry.models import Person

    numbers = list(Person.objects.values_list("id_number", flat=True)[:2000])
    now, today = timezone.now(), timezone.localdate()
    rows = [(now, None, "channel:bench", "bench", n, "310100", "inpatient", today, True, "filed") for n in numbers]

    def own_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def server_cpu() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

    print("| rows per transaction | wall per row | Python CPU per row | server CPU per row |")
    for batch in (1, 20, 200):
        write_questions(connection, rows[:5])  # connected and prepared
        wall, cpu, server = time.perf_counter(), own_cpu(), server_cpu()
        for start in range(0, len(rows), batch):
            with transaction.atomic():
                write_questions(connection, rows[start : start + batch])
        count = len(rows)
        print(
            f"| {batch:>20} | {1e6 * (time.perf_counter() - wall) / count:>9.0f} µs | "
            f"{1e6 * (own_cpu() - cpu) / count:>15.0f} µs | {1e6 * (server_cpu() - server) / count:>15.0f} µs |"
        )


if __name__ == "__main__":
    main()
