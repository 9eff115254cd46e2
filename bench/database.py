"""The benchmark's own database, chosen and emptied before Django starts; never the developer's.

``BENCH_DATABASE_URL`` names it (SQLite or PostgreSQL); without it an SQLite file in
``bench/out/``. Because every run drops and recreates it, the database name must contain
"bench": a URL pointing at any other database is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

OUT_DIR = Path(__file__).resolve().parent / "out"
DEFAULT_SQLITE = OUT_DIR / "bench.sqlite3"


def prepare_database() -> str:
    """Empty the benchmark database, point ``DATABASE_URL`` at it and describe it (no credentials)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        raise SystemExit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        described = f"sqlite {name}"
    elif engine == "django.db.backends.postgresql":
        _recreate_postgres(config)
        described = f"postgresql {config.get('HOST') or 'local socket'}:{config.get('PORT') or 5432}/{name}"
    else:
        raise SystemExit(f"Unsupported benchmark database engine {engine}; use SQLite or PostgreSQL.")
    os.environ["DATABASE_URL"] = url
    return described


def _recreate_postgres(config: dict) -> None:
    """Drop and create the database through the server's maintenance database ``postgres``."""
    import psycopg
    from psycopg import sql

    params = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
    }
    name = sql.Identifier(config["NAME"])
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
