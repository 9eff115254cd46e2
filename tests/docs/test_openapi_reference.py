"""The guide's API reference renders docs/api/openapi.yaml: that file must be what the code generates now.

``make docs-schema`` writes it; a test here runs the Makefile's own line into a temporary file and compares, so a
change to the API that is not followed by the command fails here, naming it.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

from docs_tools import schema_doc

ROOT = Path(settings.BASE_DIR)
SCHEMA = ROOT / "docs" / "api" / "openapi.yaml"
PAGE = ROOT / "docs" / "api" / "reference.md"


def docs_schema_command() -> tuple[dict[str, str], list[str]]:
    """The ``make docs-schema`` recipe: its environment and its command line."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    recipe = re.search(r"^docs-schema:.*\n\t(.+)$", makefile, re.M)
    assert recipe, "the Makefile has no docs-schema target"
    words = shlex.split(recipe[1])
    env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=.*", word))
    return env, words[len(env) :]


def test_the_make_target_generates_in_the_default_language_on_an_empty_database():
    env, command = docs_schema_command()
    assert env == {"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": "sqlite:///:memory:"}
    assert command[:3] == ["$(BIN)/python", "manage.py", "spectacular"]
    assert command[command.index("--lang") + 1] == settings.LANGUAGE_CODE
    assert Path(command[command.index("--file") + 1]) == SCHEMA.relative_to(ROOT)


def test_the_committed_schema_is_what_the_code_generates(tmp_path):
    """The recipe run as it stands (a process of its own: its settings, its empty database), into a temporary file."""
    env, command = docs_schema_command()
    command = [sys.executable, *command[1:]]
    command[command.index("--file") + 1] = str(tmp_path / "openapi.yaml")
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    generated = (tmp_path / "openapi.yaml").read_text(encoding="utf-8")
    assert SCHEMA.read_text(encoding="utf-8") == generated, (
        "docs/api/openapi.yaml differs from the schema the code generates: run `make docs-schema` and commit it"
    )


def test_every_operation_and_component_has_its_anchor_and_every_link_lands():
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    page = schema_doc.render(schema)
    anchors = set(re.findall(r"\{#([^}]+)\}", page)) | set(re.findall(r'<span id="([^"]+)"></span>', page))
    operations = [op["operationId"] for item in schema["paths"].values() for op in item.values() if "operationId" in op]
    assert {schema_doc.operation_anchor({"operationId": op}) for op in operations} <= anchors
    assert {schema_doc.schema_anchor(name) for name in schema["components"]["schemas"]} <= anchors
    assert set(re.findall(r"\]\(#([^)]+)\)", page)) <= anchors


def test_angle_brackets_in_prose_are_text_and_code_spans_stay_code():
    assert schema_doc._prose("send `Token <token>` as <key> & more") == "send `Token <token>` as &lt;key&gt; &amp; more"
    assert schema_doc._cell("a | b\n\n`x|y`") == "a \\| b<br>`x|y`"


def test_the_reference_page_renders_the_committed_file():
    assert "<!-- openapi: openapi.yaml -->" in PAGE.read_text(encoding="utf-8")
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- docs_tools/schema_doc.py" in mkdocs
    assert "API reference (OpenAPI): api/reference.md" in mkdocs
