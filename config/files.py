"""Uploaded documents: checked by content (not by name) and size, named alike, served only through checked views."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _

from config.errors import ValidationFailed

ALLOWED_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def check_upload(upload, *, field: str = "file") -> str:
    """Return the content type of an accepted upload; raise ValidationFailed naming ``field`` otherwise."""
    if upload is None:
        raise ValidationFailed(_("Attach a file."), errors={field: [_("No file was submitted.")]})
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
            errors={field: [_("File too large.")]},
        )
    if upload.size == 0:
        raise ValidationFailed(_("The file is empty."), errors={field: [_("The file is empty.")]})
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationFailed(
            _("Only PDF, JPEG or PNG documents are accepted."),
            code="unsupported_file_type",
            errors={field: [_("Not a PDF, JPEG or PNG file.")]},
        )
    return kind.mime


def document_name(*, reference: str, item: str, content_type: str) -> str:
    """The stored name of a record's document: ``BA20261123000001-referral_recommendation.pdf``."""
    return f"{reference}-{item}.{ALLOWED_TYPES.get(content_type, 'bin')}"


def document_response(document) -> FileResponse:
    """Stream a stored document (``file`` and ``content_type``) as an attachment.

    The caller has already checked that the reader may see the record it belongs to.
    """
    document.file.open("rb")
    response = FileResponse(
        document.file,
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
