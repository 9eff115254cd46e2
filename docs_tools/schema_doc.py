"""The OpenAPI schema as a page of the guide: plain Markdown, rendered when the site is built.

``docs/api/reference.md`` holds a marker, ``<!-- openapi: openapi.yaml -->``; this module is an MkDocs hook
(``hooks:`` in mkdocs.yml) that replaces it with the schema the marker names (``docs/api/openapi.yaml``,
written by ``make docs-schema`` and checked against the code by tests/docs/test_openapi_reference.py).
Nothing runs in the reader's browser and nothing is fetched from anywhere: every operation becomes a
section with its parameters, body, answers and credentials, every component a table of its fields, linked
to one another by anchors (``#createFiling``, ``#schema-Filing``) that ``mkdocs build --strict`` checks.

No Django import: MkDocs loads this file by its path, without the project's settings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

MARKER = re.compile(r"<!-- openapi: (?P<path>\S+) -->")
METHODS = ("get", "put", "post", "patch", "delete")
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
# drf-spectacular appends an enum's values to a field's description ("* `value` - label" lines); the linked
# enum component lists them once, so a field's row leaves them out.
ENUM_LINES = re.compile(r"(?:\n\n)?(?:^\* `[^`]*` - .*(?:\n|$))+\Z", re.M)


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs hook: the marker becomes the schema it names (a path relative to the page)."""

    def rendered(match: re.Match) -> str:
        source = Path(config["docs_dir"]) / Path(page.file.src_path).parent / match["path"]
        return render(yaml.safe_load(source.read_text(encoding="utf-8")))

    return MARKER.sub(rendered, markdown)


def render(schema: dict) -> str:
    """The whole reference: the credentials, the operations by tag, the components."""
    out = [_info(schema), _security(schema)]
    for tag, operations in _by_tag(schema).items():
        out.append(f"## {_text(tag)}\n")
        out.extend(_operation(path, method, operation) for path, method, operation in operations)
    out.append("## Schemas\n")
    out.extend(_component(name, component) for name, component in schema["components"]["schemas"].items())
    return "\n".join(out)


def operation_anchor(operation: dict) -> str:
    return operation["operationId"]


def schema_anchor(name: str) -> str:
    return f"schema-{name}"


def _info(schema: dict) -> str:
    info = schema["info"]
    return f"**{_text(info['title'])}**, version {info['version']}.\n\n{_prose(info.get('description', ''))}\n"


def _security(schema: dict) -> str:
    rows = ["## Credentials\n", "| name | sent as | how |", "|---|---|---|"]
    for name, scheme in schema["components"].get("securitySchemes", {}).items():
        if scheme["type"] == "http":
            sent = f"`Authorization: {scheme['scheme'].title()} …`"
        else:
            sent = f"{scheme['in']} `{scheme['name']}`"
        how = _cell(scheme.get("description", ""))
        rows.append(f'| <span id="security-{name}"></span>`{name}` | {sent} | {how} |')
    return "\n".join(rows) + "\n"


def _by_tag(schema: dict) -> dict[str, list[tuple[str, str, dict]]]:
    tags: dict[str, list[tuple[str, str, dict]]] = {}
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tags.setdefault((operation.get("tags") or ["other"])[0], []).append((path, method, operation))
    return dict(sorted(tags.items()))


def _operation(path: str, method: str, operation: dict) -> str:
    out = [f"### `{method.upper()} {path}` {{#{operation_anchor(operation)}}}\n"]
    if operation.get("summary"):
        out.append(f"**{_text(operation['summary'])}** · `{operation['operationId']}`\n")
    if operation.get("description") and operation.get("description") != operation.get("summary"):
        out.append(_prose(operation["description"]) + "\n")
    out.append(f"Credentials: {_credentials(operation.get('security'))}.\n")
    parameters = operation.get("parameters", [])
    if parameters:
        out += ["| parameter | in | type | required | constraints | description |", "|---|---|---|---|---|---|"]
        for parameter in parameters:
            schema = parameter.get("schema", {})
            out.append(
                f"| `{parameter['name']}` | {parameter['in']} | {_type(schema)} | "
                f"{'yes' if parameter.get('required') else 'no'} | {_constraints(schema)} | "
                f"{_cell(_field_description(parameter.get('description', ''), schema))} |"
            )
        out.append("")
    body = operation.get("requestBody")
    if body:
        kinds = "; ".join(_media(body["content"]))
        out.append(f"Body ({'required' if body.get('required') else 'optional'}): {kinds}.\n")
    out += ["| answer | meaning | body |", "|---|---|---|"]
    for status, answer in operation.get("responses", {}).items():
        content = answer.get("content", {})
        kinds = "<br>".join(_media(content))
        meaning = [_cell(answer.get("description", ""))] + [
            f"Header `{header}` ({_type(spec.get('schema', {}))}): {_cell(spec.get('description', ''))}"
            for header, spec in answer.get("headers", {}).items()
        ]
        out.append(f"| {status} | {'<br>'.join(line for line in meaning if line)} | {kinds or '—'} |")
    return "\n".join(out) + "\n"


def _media(content: dict) -> list[str]:
    return [f"`{media}`: {_type(media_type.get('schema', {}))}" for media, media_type in content.items()]


def _credentials(security: list[dict] | None) -> str:
    if security is None:
        return "any of the API's"
    names = [f"[`{name}`](#security-{name})" for requirement in security for name in requirement]
    if any(not requirement for requirement in security):
        names.append("none")
    return " or ".join(names) if names else "none"


def _component(name: str, component: dict) -> str:
    out = [f"### {name} {{#{schema_anchor(name)}}}\n"]
    if component.get("description"):
        out.append(_prose(component["description"]) + "\n")
    if "enum" in component:
        values = ", ".join(f"`{json.dumps(value, ensure_ascii=False)}`" for value in component["enum"])
        out.append(f"A {component.get('type', 'value')}, one of: {values}.\n")
    for key, word in (("oneOf", "One of"), ("anyOf", "Any of"), ("allOf", "All of")):
        if key in component:
            out.append(f"{word}: " + ", ".join(_type(part) for part in component[key]) + ".\n")
    discriminator = component.get("discriminator")
    if discriminator:
        pairs = ", ".join(
            f"`{value}`: {_type({'$ref': ref})}" for value, ref in discriminator.get("mapping", {}).items()
        )
        out.append(f"Told apart by `{discriminator['propertyName']}`: {pairs}.\n")
    properties = component.get("properties", {})
    if properties:
        required = set(component.get("required", []))
        out += ["| field | type | required | constraints | description |", "|---|---|---|---|---|"]
        for field, schema in properties.items():
            out.append(
                f"| `{field}` | {_type(schema)} | {'yes' if field in required else 'no'} | {_constraints(schema)} | "
                f"{_cell(_field_description(schema.get('description', ''), schema))} |"
            )
    elif component.get("type") == "object" and "additionalProperties" in component:
        out.append(f"An object whose values are {_type(component)}.")
    return "\n".join(out) + "\n"


def _type(schema: dict | bool) -> str:
    """A schema in a few words; components linked."""
    if not isinstance(schema, dict) or not schema:
        return "any"
    nullable = " or null" if schema.get("nullable") else ""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{schema_anchor(name)}){nullable}"
    for key, word in (("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")):
        if key in schema:
            return word.join(_type(part) for part in schema[key]) + nullable
    kind = schema.get("type", "any")
    if kind == "array":
        kind = f"array of {_type(schema.get('items', {}))}"
    elif kind == "object" and "additionalProperties" in schema and not schema.get("properties"):
        kind = f"object of {_type(schema['additionalProperties'])}"
    elif kind == "object" and schema.get("properties"):
        kind = "object {" + ", ".join(f"`{name}`" for name in schema["properties"]) + "}"
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if "enum" in schema:
        kind += ": " + ", ".join(f"`{json.dumps(value, ensure_ascii=False)}`" for value in schema["enum"])
    return kind + nullable


def _constraints(schema: dict) -> str:
    if not isinstance(schema, dict):
        return ""
    notes = []
    if schema.get("readOnly"):
        notes.append("read-only")
    if schema.get("writeOnly"):
        notes.append("write-only")
    for low, high, unit in (("minLength", "maxLength", "characters"), ("minItems", "maxItems", "items")):
        if low in schema or high in schema:
            notes.append(f"{schema.get(low, 0)}–{schema[high]} {unit}" if high in schema else f"≥ {schema[low]} {unit}")
    if "minimum" in schema:
        notes.append(f"≥ {schema['minimum']}")
    if "maximum" in schema:
        notes.append(f"≤ {schema['maximum']}")
    if "pattern" in schema:
        notes.append(_code(schema["pattern"]))
    if "default" in schema:
        notes.append("default " + _code(json.dumps(schema["default"], ensure_ascii=False)))
    return ", ".join(notes)


def _field_description(description: str, schema: dict) -> str:
    """A field's description without the enum values its linked enum lists."""
    refers = "$ref" in schema or any("$ref" in part for key in ("allOf", "oneOf") for part in schema.get(key, []))
    return ENUM_LINES.sub("", description).rstrip() if refers else description


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _prose(text: str) -> str:
    """Markdown as the schema writes it, with a literal ``<`` outside code spans (``Token <token>``)."""
    out, last = [], 0
    for match in CODE_SPAN.finditer(text):
        out.append(_text(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_text(text[last:]))
    return "".join(out)


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: str) -> str:
    """Prose inside a table row: one line, pipes escaped outside code spans."""
    out, last = [], 0
    for match in CODE_SPAN.finditer(text):
        out.append(_text(text[last : match.start()]).replace("|", "\\|"))
        out.append(match.group(0).replace("\n", " "))
        last = match.end()
    out.append(_text(text[last:]).replace("|", "\\|"))
    return "<br>".join(line for line in "".join(out).strip().split("\n") if line.strip())
