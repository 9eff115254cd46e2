"""How ``DATABASE_URL`` becomes Django's connection settings (config/settings/base.py ``database``)."""

import pytest

from config.settings.base import database

PG = "postgres://app@db.internal:5432/bureau"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "DATABASE_POOL",
        "DATABASE_CONN_HEALTH_CHECKS",
        "DATABASE_PREPARED_STATEMENTS",
        "DATABASE_CONN_MAX_AGE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_kept_connections_are_not_checked_before_each_request_unless_asked(monkeypatch):
    config = database(PG)
    assert config["CONN_MAX_AGE"] == 60 and config["CONN_HEALTH_CHECKS"] is False
    monkeypatch.setenv("DATABASE_CONN_HEALTH_CHECKS", "1")
    assert database(PG)["CONN_HEALTH_CHECKS"] is True


def test_postgresql_binds_on_the_server_and_prepares_repeated_statements(monkeypatch):
    options = database(PG)["OPTIONS"]
    assert options == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")  # behind pgbouncer in transaction mode
    assert "prepare_threshold" not in database(PG).get("OPTIONS", {})


def test_the_pool_replaces_kept_connections(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL", "1")
    monkeypatch.setenv("DATABASE_CONN_HEALTH_CHECKS", "1")
    config = database(PG)
    assert config["CONN_MAX_AGE"] == 0 and config["CONN_HEALTH_CHECKS"] is False
    assert config["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4}


def test_sqlite_gets_no_postgresql_options():
    assert "server_side_binding" not in database("sqlite:///tmp/x.sqlite3").get("OPTIONS", {})
