"""Refuses oversized request bodies early, in the API's error format (HTTP 413)."""

import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """JSON bodies may be at most API_MAX_BODY_BYTES; multipart uploads UPLOAD_MAX_BYTES plus headroom.

    Checking Content-Length here answers before anything is read or parsed, so a large
    body is never buffered and never half-processed.
    """

    MULTIPART_OVERHEAD = 64 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/form-data"):
            limit = settings.UPLOAD_MAX_BYTES + self.MULTIPART_OVERHEAD
        else:
            limit = settings.API_MAX_BODY_BYTES
        if length > limit and request.path.startswith("/api/"):
            body = {
                "code": "request_too_large",
                "message": _("The request body is larger than %(limit)d bytes.") % {"limit": limit},
                "errors": {},
            }
            return HttpResponse(json.dumps(body, ensure_ascii=False), status=413, content_type="application/json")
        return self.get_response(request)
