"""No log line carries a full ID number or mobile number: Django's own logs and gunicorn's access log."""

import datetime
import io
import logging
import logging.config
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from config.gunicorn_logging import MaskingLogger, mask_value
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ROOT = Path(__file__).resolve().parents[2]
PHONE = "13906001234"


def leaks(lines: list[str]) -> list[str]:
    return [line for line in lines if ID_NUMBER.search(line) or MOBILE.search(line)]


def test_django_request_logs_mask_id_numbers_and_phones(caplog, hospital, counter):
    person = PersonFactory()
    caplog.set_level(logging.DEBUG)
    # Production logs django.request from ERROR up; here every 4xx is logged too, to be read.
    caplog.set_level(logging.DEBUG, logger="django.request")
    query = {"id_number": person.id_number, "city": "310100", "visit": "inpatient", "phone": PHONE}
    hospital.get("/api/v1/eligibility/", query)
    hospital.get("/api/v1/eligibility/", {**query, "date": "9999-12-31"})  # a 400
    counter.get(f"/api/v1/nothing/{person.id_number}/", {"phone": PHONE})  # a 404 naming both in its path
    counter.get(f"/api/v1/audit/persons/{person.id_number}/as-of/", {"day": "x"})
    lines = [record.getMessage() for record in caplog.records]
    assert any("Not Found" in line or "Bad Request" in line for line in lines)  # the requests were logged
    assert leaks(lines) == []
    assert any("350203" in line and "********" in line for line in lines)  # masked, not dropped


def fake_access(environ_overrides: dict) -> tuple:
    environ = {
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "curl/8",
        **environ_overrides,
    }
    headers = [("HOST", "127.0.0.1:8000"), ("X-PHONE", PHONE)]
    request = SimpleNamespace(headers=headers)
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("Content-Type", "application/json")])
    return response, request, environ, datetime.timedelta(milliseconds=12)


def access_lines(logger_format: str, environ: dict, logger_class=MaskingLogger) -> list[str]:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", logger_format)
    logger = logger_class(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    # The logger class alone: without the filter Django's LOGGING puts on "gunicorn.access" too.
    filters, logger.access_log.filters = logger.access_log.filters, []
    logger.access_log.addHandler(handler)
    try:
        logger.access(*fake_access(environ))
    finally:
        logger.access_log.removeHandler(handler)
        logger.access_log.filters = filters
    return stream.getvalue().splitlines()


def configured_access_format() -> str:
    settings: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), settings)  # noqa: S102 - our own config file
    assert settings["logger_class"] == "config.gunicorn_logging.MaskingLogger"
    return settings["access_log_format"]


@pytest.mark.parametrize("encode", [False, True], ids=["plain", "percent-encoded"])
def test_gunicorn_access_log_masks_the_query_string(encode):
    id_number = PersonFactory.build().id_number
    value = "".join(f"%{ord(c):02X}" for c in id_number) if encode else id_number
    query = f"id_number={value}&city=310100&visit=inpatient&phone={PHONE}"
    path = f"/api/v1/audit/persons/{id_number}/as-of/"
    environ = {
        "RAW_URI": f"{path}?{query}",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_REFERER": f"https://example.test/?id_number={quote(id_number)}",
    }
    everything = '%(h)s "%(r)s" %(U)s %(q)s %(f)s %({x-phone}i)s %({query_string}e)s'
    lines = access_lines(configured_access_format(), environ) + access_lines(everything, environ)
    assert len(lines) == 2
    assert leaks(lines) == []
    assert "350203" in lines[1] and "139****1234" in lines[1]
    # gunicorn's own logger would have written them: the check above can fail.
    assert leaks(access_lines(everything, environ, logger_class=Logger))


def test_mask_value_keeps_other_text():
    assert mask_value("/api/v1/filings/?page=2&destination=310000") == "/api/v1/filings/?page=2&destination=310000"
    assert mask_value("id_number=35020319560312031X") == "id_number=350203********031X"


def test_a_worker_keeps_its_access_log_after_django_configures_logging(settings):
    """Django's LOGGING strips the handlers of the loggers it names; the post_worker_init hook restores them."""
    conf: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), conf)  # noqa: S102 - our own config file
    config = Config()
    config.set("accesslog", "-")
    logger = MaskingLogger(config)
    assert logger.access_log.handlers
    root_handlers = logging.getLogger().handlers[:]
    try:
        logging.config.dictConfig(settings.LOGGING)
    finally:
        logging.getLogger().handlers[:] = root_handlers  # pytest's own capture handlers
    assert not logger.access_log.handlers  # what a worker would be left with
    conf["post_worker_init"](SimpleNamespace(log=logger, cfg=config))
    assert logger.access_log.handlers
    assert any(type(f).__name__ == "MaskPersonalData" for f in logger.access_log.filters)


CARD = "6216610000001234560"  # passes Luhn


@pytest.mark.parametrize(
    "written",
    [
        "id_number=3502 0319 5603 1203 12",  # grouped by spaces
        "id_number=3502-0319-5603-1203-12",  # grouped by dashes
        "id_number=3502+0319+5603+1203+12",  # form-encoded spaces
        "id_number=%33%35%30%32%30%33%31%39%35%36%30%33%31%32%30%33%31%32",  # percent-encoded
        "id_number=３５０２０３１９５６０３１２０３１２",  # full-width
        "id_number=ID350203195603120312",  # glued to a prefix
        "id_number=350203195603120313",  # a guess with a wrong check digit is personal too
        "phone=%2B8613906001234",  # with the country code
        "phone=0086-139-0600-1234",
        f"bank_account={CARD}",
        "bank_account=6216 6100 0000 1234 560",
    ],
)
def test_log_lines_mask_numbers_however_they_are_written(written):
    line = mask_value(f"GET /api/v1/persons/?{written} HTTP/1.1")
    digits = re.sub(r"[^0-9]", "", line.replace("1.1", ""))
    assert "350203195603120" not in digits and "13906001234" not in digits and CARD not in digits, line
    assert "****" in line


def test_log_lines_keep_references_dates_amounts_and_addresses():
    line = '127.0.0.1 "GET /api/v1/claims/CL20261203000123/?amount=12345678.90&since=2026-12-03 HTTP/1.1" 200 5120'
    assert mask_value(line) == line
