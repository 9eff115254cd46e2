"""Entry point of ``python -m bench``: prepare the benchmark database, start Django, run the measures."""

import os

from bench.database import prepare_database


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    # Time the code as production runs it: DEBUG off, so Django keeps no per-query log.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    target = prepare_database()

    import django

    django.setup()

    from bench.runner import run

    run(target)


if __name__ == "__main__":
    main()
