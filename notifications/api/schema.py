"""What the notifications app adds to the OpenAPI schema (a post-processing hook named in SPECTACULAR_SETTINGS)."""

from config.api.openapi import rename_components
from notifications import signing


def notification_kinds(result, generator, request, public):
    """Each notification variant's ``kind`` is an enum of its one value, named ``<Variant>Kind``.

    The discriminator's mapping tells a client which shape a ``kind`` names; a generator that ignores mappings
    (openapi-python-client) still picks the right variant, because only one accepts the value. drf-spectacular
    names these one-value enums after the field (``Kind…Enum``); they are named after their variant here.
    """
    schemas = result.get("components", {}).get("schemas", {})
    union = schemas.get("Notification", {})
    renamed = {}
    for ref in union.get("discriminator", {}).get("mapping", {}).values():
        variant = ref.rsplit("/", 1)[-1]
        kind = schemas[variant]["properties"]["kind"]
        old = next(item["$ref"] for item in kind.get("allOf", [kind]) if "$ref" in item).rsplit("/", 1)[-1]
        renamed[old] = f"{variant}Kind"
    rename_components(result, renamed)
    result["x-webhooks"] = {"notification": webhook_operation()}
    return result


def webhook_operation() -> dict:
    """What a channel's webhook receives, written as OpenAPI 3.1 writes ``webhooks`` (3.0 has none: ``x-webhooks``)."""
    return {
        "post": {
            "operationId": "receiveNotification",
            "summary": "A notification POSTed to the channel's webhook (retried until a 2xx answers)",
            "parameters": [
                {
                    "in": "header",
                    "name": signing.HEADER,
                    "required": True,
                    "schema": {"type": "string"},
                    "description": 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the channel\'s secret>',
                },
                {
                    "in": "header",
                    "name": "X-Notification-Id",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "The notification's `id`, the same on every retry: deduplicate by it.",
                },
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Notification"}}},
            },
            "responses": {"2XX": {"description": "Received; any other answer is retried later."}},
        }
    }
