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

``restrict_strings`` (a post-processing hook) writes into the schema what the edge refuses in
text: no control characters in query, path and header values (``ControlCharacterMiddleware``)
and none but tab, line feed and carriage return in the strings of a JSON body
(``config.api.parsers``).
"""

from __future__ import annotations

import json

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance, is_basic_serializer
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.permissions import AllowAny

from config.api.exceptions import ErrorSerializer

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


# Any JSON value whose strings and keys hold no control character (a free JSON field, where one is declared).
CLEAN_VALUE = "CleanJSONValue"


def clean_value_schema() -> dict:
    ref = {"$ref": f"#/components/schemas/{CLEAN_VALUE}"}
    return {
        "description": "Any JSON value without control characters in its strings and keys.",
        "nullable": True,
        "anyOf": [
            {"type": "string", "pattern": BODY_TEXT},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": ref},
            {"type": "object", "propertyNames": {"pattern": BODY_TEXT}, "additionalProperties": ref},
        ],
    }


def restrict_strings(result, generator, request, public):
    """Post-processing hook: the text the edge refuses, written into the schema as patterns."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    seen: set[str] = {CLEAN_VALUE}

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
    if f"#/components/schemas/{CLEAN_VALUE}" in json.dumps(result, default=str):  # a free JSON value still
        components[CLEAN_VALUE] = clean_value_schema()
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
