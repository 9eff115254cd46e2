"""The table of environment variables in docs/operations/configuration.md is generated from the code that reads them.

``make docs-config`` (``python -m docs_tools.settings_doc``) writes it; these tests fail while the page is not what the
command would write, and while a variable read by the settings is missing from the table, so that a new
variable cannot go undocumented.
"""

import re

import pytest

from docs_tools import settings_doc

# Every mention of the environment in a source, and those that read a variable named by a literal.
MENTION = re.compile(r"\b(environ|getenv|env_bool)\b")
LITERAL_READ = re.compile(
    r"\b(?:environ(?:\.get|\.setdefault)?\s*[\[(]|getenv\s*\(|env_bool\s*\()\s*[\"']([A-Z][A-Z0-9_]*)[\"']"
)
# Mentions that read nothing by themselves: the helper's definition, its own read of the name it is given, imports,
# and a copy of the whole environment handed to a child process (``{**os.environ}``).
NOT_READS = re.compile(r"def env_bool\(|os\.environ\.get\(name\b|^from \S+ import .*env_bool|\{\*\*os\.environ\}", re.M)


def test_the_page_is_what_the_command_writes():
    current = settings_doc.PAGE.read_text(encoding="utf-8")
    assert settings_doc.page(current) == current, (
        "docs/operations/configuration.md is not what the settings say: run `make docs-config` and commit it"
    )


@pytest.mark.parametrize("source", list(settings_doc.SOURCES))
def test_every_variable_the_code_reads_is_in_the_table(source):
    """Read from the text, apart from the generator's parser: a read it could not see fails here too."""
    text = (settings_doc.ROOT / source).read_text(encoding="utf-8")
    page = settings_doc.PAGE.read_text(encoding="utf-8")
    names = LITERAL_READ.findall(text)
    missing = sorted({name for name in names if f"| `{name}` |" not in page})
    assert missing == [], f"{source} reads {missing}, which the table leaves out: explain them in MEANINGS"
    unparsed = len(MENTION.findall(text)) - len(NOT_READS.findall(text)) - len(names)
    assert unparsed == 0, f"{source}: {unparsed} environment read(s) of a name that is not a literal string"
    assert set(names) <= set(settings_doc.reads())


def test_a_variable_without_a_meaning_fails_the_generator(tmp_path, monkeypatch):
    for source in [*settings_doc.SOURCES, "Makefile"]:
        (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / source).write_text((settings_doc.ROOT / source).read_text(encoding="utf-8"), encoding="utf-8")
    base = tmp_path / "config/settings/base.py"
    base.write_text(base.read_text(encoding="utf-8") + 'NEW = os.environ.get("BRAND_NEW_SETTING", "1")\n')
    with pytest.raises(ValueError, match="BRAND_NEW_SETTING"):
        settings_doc.table(tmp_path)
    base.write_text(base.read_text(encoding="utf-8") + "OTHER = os.environ.get(NAME)\n")
    monkeypatch.setattr(settings_doc, "ROOT", tmp_path)
    with pytest.raises(ValueError, match="not a literal"):
        settings_doc.reads(tmp_path)


def test_defaults_come_from_the_code():
    reads = settings_doc.reads()
    assert reads["API_EXACT_COUNT_LIMIT"].defaults == {"base": "10000"}
    assert reads["DJANGO_DEBUG"].defaults == {"base": "false", "dev": "true"}
    assert reads["DJANGO_SETTINGS_MODULE"].defaults["manage.py"] == "`config.settings.dev`"
    assert reads["PORT"].defaults == {"Makefile": "8000"}
