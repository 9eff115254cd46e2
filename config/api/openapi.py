"""The OpenAPI schema tells the truth: every error an operation can answer, and what the edge refuses.

``AutoSchema`` (``DEFAULT_SCHEMA_CLASS``) adds to each operation the error answers it can give
besides the ones its view declares, all in the one error format (``ErrorSerializer``):

- 400 everywhere: a control character in the address is refused at the edge (and bodies, filters
  and parameters are validated);
- 401 and 429 where the view authenticates: a bad credential is a 401, and past the guessing
  limits (accounts/throttles.py) a 429 with ``Retry-After``;
- 403 where a permission may refuse; 404 where the path names a record, and on paginated lists
  (a page past the end);
- 409 where the operation takes an ``Idempotency-Key`` (reused with another body, or still
  running); 412 where it takes ``If-Match``;
- 413 and 415 where it reads a body (too large; a media type it does not parse);
- 503 everywhere, with ``Retry-After``: the database does not answer.

It also declares the ``ETag`` and ``Idempotent-Replayed`` response headers, marks every field an answer
always carries as required, and lists in each operation only the credential schemes whose callers its
permissions admit (``admitted_capacities``; the schemes are ``accounts.authentication.CallerScheme``).

Post-processing hooks (``SPECTACULAR_SETTINGS``), so that a generated client builds on the schema as is:

- ``restrict_strings`` writes what the edge refuses in text: no control characters in query, path and
  header values (``ControlCharacterMiddleware``) and none but tab, line feed and carriage return in the
  strings of a JSON body (``config.api.parsers``); a JSON body declares exactly its fields;
- ``references_in_one_shape`` keeps the shape the same in every language;
- ``named_enums`` makes every parameter's enum a named component, one per set of values;
- ``name_operations`` writes the operation ids and summaries of ``config.api.operations``;
- ``path_enum`` serves the apps' own hooks (a checklist ``{item}`` is the enum of the policy's codes).
"""

from __future__ import annotations

import inspect
import json

from django.db import DatabaseError
from django.db.models import Choices
from drf_spectacular.drainage import warn
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import deep_import_string, force_instance, get_lib_doc_excludes, is_basic_serializer
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny

from config.api.exceptions import ErrorSerializer
from config.api.fast import FastOutput
from config.api.inputs import InputSerializer, QueryInputSerializer
from config.api.operations import OPERATIONS

# What a query, path or header value may hold (ControlCharacterMiddleware refuses the rest).
PARAMETER_TEXT = r"^[^\x00-\x1F\x7F]*$"
# What a string in a JSON body may hold: tab, line feed and carriage return pass (config.api.parsers).
BODY_TEXT = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `invalid` with messages per field, or `control_characters`, `body_too_deep`.",
    "401": "No credential, or one that is unknown, expired or revoked.",
    "403": "The credential may not do this (`permission_denied`).",
    "404": "No such record, or one the caller may not see; on a list, a page past the end.",
    "409": "The record's state forbids it, or the `Idempotency-Key` was reused with another body "
    "(`idempotency_key_reused`) or its first request is still running (`idempotency_request_in_progress`).",
    "412": "`If-Match` names a version the record no longer has (`stale_version`).",
    "413": "The body is larger than the limit (`request_too_large`).",
    "415": "A media type this operation does not read (`unsupported_media_type`).",
    "429": "Too many failed attempts (`throttled`); `Retry-After` says when to come back.",
    "503": "The database does not answer (`service_unavailable`); retry after `Retry-After` seconds.",
}

ETAG_HEADER = {
    "schema": {"type": "string"},
    "description": 'The record\'s version, quoted (`"7"`): send it back as `If-Match` to act on this version only.',
}
REPLAYED_HEADER = {
    "schema": {"type": "string"},
    "description": "`true` on an answer replayed for a repeated `Idempotency-Key` (the first answer, unchanged); "
    "absent otherwise.",
}

RETRY_AFTER_HEADER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."},
}


def error_response(code: int) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[str(code)])


def upload_refusals(conflicts: str) -> dict[int, OpenApiResponse]:
    """The 409 and 429 of an upload endpoint: its own ``conflicts``, then the upload quotas (config.files)."""
    return {
        409: OpenApiResponse(
            ErrorSerializer,
            description=(
                f"{conflicts} `too_many_files`: the item already holds the policy's most files (replaced "
                "ones are kept and count; sample 5). `record_size_exceeded`: the record's current files "
                "would pass the policy's total (sample 50 MB; a replaced file no longer counts). Both name "
                "`file`; nothing is stored. Also `idempotency_key_reused`, `idempotency_request_in_progress`."
            ),
        ),
        429: OpenApiResponse(
            ErrorSerializer,
            description=(
                "`upload_rate_exceeded`: this caller (person, channel key or staff user) stored more files than "
                "`UPLOAD_RATE` allows (sample 60/hour); or `throttled`, too many failed credentials. "
                "`Retry-After` says when to come back."
            ),
        ),
    }


def lib_doc_excludes() -> list:
    """Classes whose docstrings are about our machinery, not about a shape (``GET_LIB_DOC_EXCLUDES``): a request
    component inherits no description from ``InputSerializer``, an answer none from ``FastOutput``."""
    return [*get_lib_doc_excludes(), InputSerializer, QueryInputSerializer, FastOutput]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with every error answer the operation can give (see the module doc)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes(responses):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(error_response(code), str(code), direction=direction)
        for code, response in responses.items():
            if code in ("429", "503"):
                response.setdefault("headers", {}).update(
                    {name: header for name, header in RETRY_AFTER_HEADER.items() if name not in response["headers"]}
                )
            if code >= "400" and not response.get("description") and code in ERROR_DESCRIPTIONS:
                response["description"] = ERROR_DESCRIPTIONS[code]
            if code >= "400" and "application/json" in response.get("content", {}):
                # Errors are answered in the one JSON format whatever was asked (a CSV export's included).
                response["content"] = {"application/json": response["content"]["application/json"]}
        return dict(sorted(responses.items()))

    def _get_filter_parameters(self):
        """django-filter skips an empty value (``?state=`` means no filter): the schema allows it."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and parameter.get("schema", {}).get("type") != "array":
                parameter["allowEmptyValue"] = True
        return parameters

    def _process_override_parameters(self, direction="request"):
        """A query parameter read through a serializer: DRF takes an empty optional one as absent."""
        result = super()._process_override_parameters(direction)
        from_serializers = {
            name
            for parameter in self.get_override_parameters()
            if is_basic_serializer(parameter)
            for name in force_instance(parameter).fields
        }
        for (name, location), parameter in result.items():
            if (
                parameter
                and location == OpenApiParameter.QUERY
                and name in from_serializers
                and not parameter.get("required")
                and parameter.get("schema", {}).get("type") != "array"
            ):
                parameter["allowEmptyValue"] = True
        return result

    def _map_basic_serializer(self, serializer, direction):
        """In an answer every field is required, so generated clients type them as always there.

        DRF writes every field of a serializer, null where the value is, except one it may skip: a writable field
        declared ``required=False``, without a default and not nullable, when the data lacks it (parts of a
        breakdown frozen before they existed). Those stay optional; request bodies keep DRF's own required list.
        """
        result = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and result.get("properties"):
            declared = getattr(serializer, "_declared_fields", {})
            skippable = {
                name
                for name, field in serializer.fields.items()
                if name in declared
                and not (field.required or field.read_only or field.allow_null)
                and field.default is empty
            }
            result["required"] = sorted(set(result["properties"]) - skippable)
        return result

    def admitted_capacities(self) -> frozenset | None:
        """Who the view's permissions admit for this operation (None: anyone its credentials authenticate).

        A permission class that knows offers ``admitted(view)``; the credential schemes then list only the
        ones that can carry an admitted caller (``accounts.authentication.CallerScheme``).
        """
        admitted = None
        for permission in self.view.get_permissions():
            admits = getattr(permission, "admitted", None)
            if admits is not None:
                capacities = frozenset(admits(self.view))
                admitted = capacities if admitted is None else admitted & capacities
        return admitted

    def _get_response_headers_for_code(self, status_code, direction="response"):
        """``ETag`` on a record's answers (its version, for ``If-Match``); ``Idempotent-Replayed`` where a key is
        taken."""
        headers = super()._get_response_headers_for_code(status_code, direction)
        if not str(status_code).startswith("2"):
            return headers
        parameters = {p.name for p in self.get_override_parameters() if isinstance(p, OpenApiParameter)}
        if getattr(self.view, "answers_etag", False) and self._answers_record():
            headers.setdefault("ETag", ETAG_HEADER)
        if "Idempotency-Key" in parameters:
            headers.setdefault("Idempotent-Replayed", REPLAYED_HEADER)
        return headers

    def _answers_record(self) -> bool:
        """A record's detail or a transition on it (not its list, history or documents)."""
        action = getattr(self.view, "action", None)
        return action in ("retrieve", "create", "partial_update") or action in getattr(
            self.view, "transition_actions", {}
        )

    def error_codes(self, responses: dict) -> list[int]:
        codes = [400, 503]
        authenticates = bool(getattr(self.view, "authentication_classes", None))
        if authenticates:
            codes += [401, 429]
        permissions = getattr(self.view, "permission_classes", None) or []
        if any(permission is not AllowAny for permission in permissions):
            codes.append(403)
        if "{" in self.path or (self._is_list_view() and self._get_paginator() is not None):
            codes.append(404)
        parameters = {p.name for p in self.get_override_parameters() if isinstance(p, OpenApiParameter)}
        if "Idempotency-Key" in parameters:
            codes.append(409)
        if "If-Match" in parameters:
            codes.append(412)
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            codes += [413, 415]
        return codes


def restrict_strings(result, generator, request, public):
    """Post-processing hook: the text the edge refuses, written into the schema as patterns."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    seen: set[str] = set()

    def restrict(schema: dict, pattern: str) -> None:
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen and name in components:
                seen.add(name)
                restrict(components[name], pattern)
            return
        if schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema):
            schema["pattern"] = pattern
        if pattern == BODY_TEXT and schema.get("type") == "object" and "properties" in schema:
            # A JSON body declares exactly its fields: an unknown key is a 400 naming it
            # (config.api.inputs.InputSerializer.strict).
            schema["additionalProperties"] = False
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                restrict(schema[key], pattern)
        for child in (schema.get("properties") or {}).values():
            restrict(child, pattern)
        for key in ("allOf", "anyOf", "oneOf"):
            for child in schema.get(key) or []:
                restrict(child, pattern)

    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                restrict(parameter.get("schema", {}), PARAMETER_TEXT)
                items = parameter.get("schema", {}).get("items")
                if isinstance(items, dict):
                    restrict(items, PARAMETER_TEXT)
            for media_type, content in (operation.get("requestBody") or {}).get("content", {}).items():
                if media_type == "application/json":
                    restrict(content.get("schema", {}), BODY_TEXT)
    return result


def references_in_one_shape(result, generator, request, public):
    """Post-processing hook: a property that names a component is written ``allOf: [{$ref}]`` always.

    drf-spectacular wraps the reference only when it adds a title or description beside it, and the title
    is the field's translated label, which differs from the field's name in Chinese and not in English: the
    schema's shape then changed with ``Accept-Language``, and so did the clients generated from it.
    """
    for component in result.get("components", {}).get("schemas", {}).values():
        for name, schema in (component.get("properties") or {}).items():
            if isinstance(schema, dict) and set(schema) == {"$ref"}:
                component["properties"][name] = {"allOf": [{"$ref": schema["$ref"]}]}
    return result


def rename_components(result, renamed: dict[str, str]) -> None:
    """Rename schema components and every reference to them, in place (two old names may become one).

    References sit anywhere (properties, parameters, unions, mappings): the document is rewritten as text.
    """
    if not renamed:
        return
    text = json.dumps(result)
    for old, new in renamed.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    rewritten = json.loads(text)
    result.clear()
    result.update(rewritten)
    schemas = result["components"]["schemas"]
    for old, new in renamed.items():
        schemas.setdefault(new, schemas.pop(old))
    result["components"]["schemas"] = dict(sorted(schemas.items()))


def name_operations(result, generator, request, public):
    """Post-processing hook: each operation's id and summary from ``config.api.operations.OPERATIONS``."""
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            named = OPERATIONS.get(operation["operationId"])
            if named is None:
                warn(f"{method.upper()} {path} ({operation['operationId']}) has no name in config.api.operations")
                continue
            operation["operationId"], summary = named
            operation.setdefault("summary", summary)
    return result


def _override_values() -> dict[str, list]:
    """``ENUM_NAME_OVERRIDES`` as name -> values (its choices classes, lists and import paths)."""
    named = {}
    for name, choices in spectacular_settings.ENUM_NAME_OVERRIDES.items():
        if isinstance(choices, str):
            choices = deep_import_string(choices)
        if inspect.isclass(choices) and issubclass(choices, Choices):
            choices = choices.choices
        named[name] = [c if c is None or isinstance(c, (str, int)) else c[0] for c in choices]
    return named


def named_enums(result, generator, request, public):
    """Post-processing hook: every enum is a named component, one per set of values.

    drf-spectacular names the enums of body and answer fields after ``ENUM_NAME_OVERRIDES`` only when values
    and labels both match, else after the field: such a component takes the override's name when its values
    match. It writes a parameter's enum in place, where generators name it after the parameter's translated
    title: here it refers to the component with the same values, made from ``ENUM_NAME_OVERRIDES`` when no
    field uses it, and parameters' titles are dropped. An enum no name covers is reported as a schema warning.
    """
    overrides = _override_values()
    named = {frozenset(values) - {None, ""}: name for name, values in overrides.items()}
    # A field's enum whose values a named set holds takes that name, whatever its labels (drf-spectacular
    # matches overrides by values and labels, and named it after the field otherwise).
    renamed = {
        name: named[frozenset(schema["enum"])]
        for name, schema in result.get("components", {}).get("schemas", {}).items()
        if "enum" in schema and name not in overrides and named.get(frozenset(schema["enum"]), name) != name
    }
    rename_components(result, renamed)
    components = result.setdefault("components", {}).setdefault("schemas", {})
    by_values = {frozenset(schema["enum"]): name for name, schema in components.items() if "enum" in schema}
    for values, name in named.items():
        by_values.setdefault(values, name)

    def refer(schema: dict, where: str) -> dict:
        if "enum" not in schema:
            return schema
        name = by_values.get(frozenset(schema["enum"]))
        if name is None:
            warn(f"the enum of {where} {schema['enum']} has no name in ENUM_NAME_OVERRIDES")
            return schema
        if name not in components:
            values = overrides[name]
            components[name] = {"enum": values, "type": "integer" if isinstance(values[0], int) else "string"}
        return {"$ref": f"#/components/schemas/{name}"}

    for path, methods in result.get("paths", {}).items():
        for operation in methods.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                schema.pop("title", None)
                where = f"{parameter['name']} of {path}"
                if isinstance(schema.get("items"), dict):
                    schema["items"] = refer(schema["items"], where)
                else:
                    parameter["schema"] = refer(schema, where)
    result["components"]["schemas"] = dict(sorted(components.items()))
    return result


def path_enum(result, *, prefix: str, parameter: str, name: str, values, description: str, answers: tuple = ()) -> dict:
    """Make the path ``parameter`` of every path under ``prefix`` the enum component ``name`` of ``values``,
    and the ``answers`` fields that hold such a value (``(component, property)``; a list's items) too.

    ``values`` is a callable reading policy data: when the database cannot answer (a schema generated before
    migrating, ``check --deploy``) the parameter keeps its pattern.
    """
    try:
        values = sorted(values())
    except DatabaseError:
        return result
    if not values:
        return result
    components = result["components"]["schemas"]
    components[name] = {"type": "string", "enum": values, "description": description}
    ref = {"$ref": f"#/components/schemas/{name}"}
    for component, field in answers:
        schema = components[component]["properties"][field]
        if schema.get("type") == "array":
            schema["items"] = ref
        else:
            components[component]["properties"][field] = {"allOf": [ref], "readOnly": True}
    for path, methods in result.get("paths", {}).items():
        if not path.startswith(prefix) or f"{{{parameter}}}" not in path:
            continue
        for operation in methods.values():
            for entry in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if entry["in"] == "path" and entry["name"] == parameter:
                    entry["schema"] = {"$ref": f"#/components/schemas/{name}"}
    result["components"]["schemas"] = dict(sorted(result["components"]["schemas"].items()))
    return result
