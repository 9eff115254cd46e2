"""The production settings: a real secret key, HTTPS as far as the proxy says, a CSP, no demo data.

The settings are read in a child process (they read the environment when imported), with the environment
a deployment would have; ``check --deploy`` must find nothing to warn about with CI's environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from config.checks import secret_key_problem
from config.csp import policy_header

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = "config.settings.production"
# A key of the kind secrets.token_urlsafe(50) makes; fixed, as test ids must be the same in every xdist worker.
RANDOM = "sZ3v8kQ0xW1pL7mN4bR6tY9uI2oP5aS8dF0gH3jK6lZ9xC2vB5nM8qW1eR4tY7uI0o"
BASE_SECURE_CSP = settings.SECURE_CSP  # base.py's; the test settings do not change it


def a_key() -> str:
    return secrets.token_urlsafe(50)


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """This process's environment less anything that configures the app, plus ``values``."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SECURE_"))}
    keep = {k: v for k, v in keep.items() if k not in {"TRUSTED_PROXY_COUNT", "STAFF_TOKEN_TTL_HOURS", "REDIS_URL"}}
    return {**keep, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "LOG_LEVEL": "WARNING", **values}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args, f"--settings={PRODUCTION}"],
        cwd=ROOT,
        env=environment(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def tables(database: Path) -> list[str]:
    if not database.exists():
        return []
    with contextlib.closing(sqlite3.connect(database)) as db:
        return [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


# Each environment is read by importing the settings afresh: base, then production.
READ_SETTINGS = """
import importlib, json, os, sys
names = ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
         "SECURE_REDIRECT_EXEMPT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SESSION_COOKIE_AGE", "SECURE_CSP", "MIDDLEWARE", "SILENCED_SYSTEM_CHECKS", "DEMO_DATA_ALLOWED", "DEBUG"]
answers = []
for variant in json.loads(sys.argv[1]):
    os.environ.update(variant)
    importlib.reload(importlib.import_module("config.settings.base"))
    production = importlib.reload(importlib.import_module("config.settings.production"))
    read = {name: getattr(production, name) for name in names}
    read["STAFF_TOKEN_TTL"] = production.STAFF_TOKEN_TTL.total_seconds()
    answers.append(read)
    for name in variant:
        del os.environ[name]
print(json.dumps(answers))
"""


def production_settings(tmp_path: Path, *variants: dict[str, str]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS, json.dumps(list(variants))],
        cwd=ROOT,
        env=environment(tmp_path, DJANGO_SECRET_KEY=a_key()),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


class TestSecretKey:
    @pytest.mark.parametrize(
        ("key", "check"),
        [
            ("a" * 60, "config.E001"),  # long, but one character
            (RANDOM[:40], "config.E001"),
            ("insecure-development-key-change-me", "config.E002"),  # base.py's development key
            ("django-insecure-" + RANDOM, "config.E002"),  # startproject's
            ("changeme-" + RANDOM, "config.E002"),
            ("ci-only-not-secret-" + RANDOM, "config.E002"),
        ],
        ids=["one-character", "40-characters", "base-default", "django-insecure", "changeme", "not-secret"],
    )
    def test_a_short_or_development_key_is_an_error(self, key, check):
        assert secret_key_problem(key).id == check

    def test_a_generated_key_passes(self):
        assert secret_key_problem(a_key()) is None

    def test_commands_refuse_to_start_with_a_short_key(self, tmp_path):
        """migrate (docker compose runs it before the web process may start), check, runserver: all refuse."""
        done = manage(tmp_path, "migrate", "--noinput", DJANGO_SECRET_KEY="x" * 20 + "short-key-0123")
        assert done.returncode != 0
        assert "config.E001" in done.stderr
        assert tables(tmp_path / "db.sqlite3") == []  # nothing migrated

    def test_settings_refuse_to_load_without_a_key(self, tmp_path):
        done = manage(tmp_path, "check")
        assert done.returncode != 0
        assert "DJANGO_SECRET_KEY must be set in production" in done.stderr


def test_check_deploy_finds_nothing_with_ci_environment(tmp_path):
    """What .ci/run runs: a generated key, one proxy in front (TLS ends there); any warning fails."""
    done = manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=a_key(), TRUSTED_PROXY_COUNT="1"
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


class TestHttps:
    def test_defaults_hsts_for_a_year_with_subdomains_no_preload_secure_cookies(self, tmp_path):
        (read,) = production_settings(tmp_path, {})
        assert read["DEBUG"] is False
        assert read["DEMO_DATA_ALLOWED"] is False
        assert read["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
        assert (read["SECURE_HSTS_INCLUDE_SUBDOMAINS"], read["SECURE_HSTS_PRELOAD"]) == (True, False)
        assert "security.W021" in read["SILENCED_SYSTEM_CHECKS"]  # no preload unless asked for
        assert read["SESSION_COOKIE_SECURE"] is read["CSRF_COOKIE_SECURE"] is True
        assert read["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]

    def test_behind_a_proxy_plain_http_is_redirected_but_the_probes(self, tmp_path):
        direct, proxied, told_not = production_settings(
            tmp_path, {}, {"TRUSTED_PROXY_COUNT": "1"}, {"TRUSTED_PROXY_COUNT": "1", "DJANGO_SSL_REDIRECT": "false"}
        )
        assert (direct["SECURE_SSL_REDIRECT"], proxied["SECURE_SSL_REDIRECT"], told_not["SECURE_SSL_REDIRECT"]) == (
            False,
            True,
            False,
        )
        exempt = [re.compile(pattern) for pattern in proxied["SECURE_REDIRECT_EXEMPT"]]
        for path, exempted in [("healthz", True), ("readyz", True), ("admin/", False), ("api/v1/filings/", False)]:
            assert any(pattern.search(path) for pattern in exempt) is exempted, path

    def test_each_part_is_configurable(self, tmp_path):
        (read,) = production_settings(
            tmp_path,
            {
                "DJANGO_HSTS_SECONDS": "0",
                "DJANGO_HSTS_PRELOAD": "true",
                "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "false",
                "DJANGO_PROXY_SSL_HEADER": "",
                "DJANGO_SECURE_COOKIES": "false",
            },
        )
        assert (read["SECURE_HSTS_SECONDS"], read["SECURE_HSTS_PRELOAD"], read["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (
            0,
            True,
            False,
        )
        assert "security.W021" not in read["SILENCED_SYSTEM_CHECKS"]
        assert read["SECURE_PROXY_SSL_HEADER"] is None
        assert read["SESSION_COOKIE_SECURE"] is read["CSRF_COOKIE_SECURE"] is False


def test_the_csrf_check_silenced_by_name_is_there_under_another(tmp_path):
    """security.W003 is silenced because it looks for CsrfViewMiddleware by its name only."""
    from django.middleware.csrf import CsrfViewMiddleware

    from config.api.middleware import CsrfNotForApi

    (read,) = production_settings(tmp_path, {})
    assert "security.W003" in read["SILENCED_SYSTEM_CHECKS"]
    assert "config.api.middleware.CsrfNotForApi" in read["MIDDLEWARE"]
    assert issubclass(CsrfNotForApi, CsrfViewMiddleware)


class TestSessions:
    def test_an_admin_session_lasts_no_longer_than_a_staff_token(self, tmp_path):
        default, short = production_settings(tmp_path, {}, {"STAFF_TOKEN_TTL_HOURS": "2"})
        assert 0 < default["SESSION_COOKIE_AGE"] <= default["STAFF_TOKEN_TTL"] == 10 * 3600
        assert short["SESSION_COOKIE_AGE"] <= short["STAFF_TOKEN_TTL"] == 2 * 3600

    @pytest.mark.django_db
    def test_an_admin_login_expires_with_the_token_lifetime(self, client):
        from tests.factories import UserFactory

        client.force_login(UserFactory())
        assert client.session.get_expiry_age() <= settings.STAFF_TOKEN_TTL / timedelta(seconds=1)


class TestContentSecurityPolicy:
    def test_production_serves_the_one_policy_on_every_answer(self, tmp_path):
        (read,) = production_settings(tmp_path, {})
        assert read["SECURE_CSP"] == BASE_SECURE_CSP
        assert "config.csp.ContentSecurityPolicyMiddleware" in read["MIDDLEWARE"]

    def test_the_policy_allows_no_inline_script_and_nothing_from_elsewhere(self):
        assert settings.SECURE_CSP["script-src"] == ["'self'"]
        assert settings.SECURE_CSP["default-src"] == ["'self'"]
        assert settings.SECURE_CSP["object-src"] == settings.SECURE_CSP["frame-ancestors"] == ["'none'"]
        sources = {source for values in settings.SECURE_CSP.values() for source in values}
        assert sources <= {"'self'", "'none'", "'unsafe-inline'", "data:"}
        assert settings.SECURE_CSP["style-src"] == ["'self'", "'unsafe-inline'"]  # the only inline allowed

    @pytest.mark.django_db
    @pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/docs/?script", "/api/schema/", "/healthz"])
    def test_pages_carry_the_header(self, path):
        response = Client().get(path)
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == policy_header(settings.SECURE_CSP)

    @pytest.mark.django_db
    @pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/"])
    def test_pages_have_no_inline_script(self, path):
        html = Client().get(path).content.decode()
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
        assert scripts
        for attributes, body in scripts:
            assert "src=" in attributes or 'type="application/json"' in attributes, attributes
            assert not body.strip() or 'type="application/json"' in attributes, body[:200]

    @pytest.mark.django_db
    def test_the_api_docs_script_is_served_as_javascript(self):
        response = Client().get("/api/docs/?script")
        assert response["Content-Type"].startswith("application/javascript")
        assert "SwaggerUIBundle(" in response.content.decode()


class TestDemoData:
    @pytest.mark.django_db
    def test_load_demo_data_is_refused_where_demo_data_is_not_allowed(self, settings):
        settings.DEMO_DATA_ALLOWED = False
        with pytest.raises(CommandError, match="生产环境设置下不加载演示数据"):
            call_command("load_demo_data")
        assert not User.objects.exists()

    def test_load_demo_data_is_refused_under_the_production_settings(self, tmp_path):
        done = manage(tmp_path, "load_demo_data", DJANGO_SECRET_KEY=a_key())
        assert done.returncode != 0
        assert "生产环境设置下不加载演示数据" in done.stderr
