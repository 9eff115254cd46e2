"""Uploaded documents: checked by content (not by name) and size, within the upload quotas, named alike, served
only through checked views.

The quotas are one rule for every upload path (the API and the admin call the services, which call
``check_upload_quota`` and ``upload_rate``): at most the policy's files per checklist item (replaced
files are kept as evidence and count), at most the policy's total size of a record's current files
(a replaced file no longer counts), and at most ``UPLOAD_RATE`` files stored per caller.
"""

from __future__ import annotations

import filetype
from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _

from config.errors import Conflict, TooManyRequests, ValidationFailed
from config.limits import FailureLimit, caller_ident, keyed

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


def check_upload_quota(
    *,
    policy,
    size: int,
    item_files: int,
    record_bytes: int,
    replaced_bytes: int = 0,
    field: str = "file",
) -> None:
    """Refuse (409) an upload of ``size`` bytes over the quotas of ``policy`` (a filing or claim policy row).

    ``item_files`` is how many files the item already holds, replaced ones included; ``record_bytes``
    the size of the record's current files, of which ``replaced_bytes`` (the item's current file) will
    no longer count once this one replaces it.
    """
    if item_files >= policy.max_files_per_item:
        raise Conflict(
            _("This item already holds %(n)d files, the most allowed: replaced files are kept as evidence.")
            % {"n": item_files},
            code="too_many_files",
            errors={field: [_("At most %(n)d files per item.") % {"n": policy.max_files_per_item}]},
        )
    limit = policy.max_record_upload_kb * 1024
    total = record_bytes - replaced_bytes + size
    if total > limit:
        raise Conflict(
            _("The record's files would take %(total)s KB, more than the %(limit)s KB allowed; upload a smaller file.")
            % {"total": (total + 1023) // 1024, "limit": policy.max_record_upload_kb},
            code="record_size_exceeded",
            errors={
                field: [
                    _("At most %(free)s KB more fit in this record.")
                    % {"free": max(limit - record_bytes + replaced_bytes, 0) // 1024}
                ]
            },
        )


class UploadRate(FailureLimit):
    """Files stored by one caller (a person, a channel key, a staff user) per window (scope ``uploads``).

    Unlike the guessing limits, every stored file counts: ``check()`` before storing refuses (429,
    ``Retry-After``) a caller already at the limit, ``record()`` counts the file once stored.
    A refused upload stores nothing and is not counted.
    """

    def __init__(self, actor, **kwargs):
        super().__init__("uploads", keyed(caller_ident(actor)), **kwargs)

    def check(self, *, field: str = "file") -> None:
        wait = self.wait()
        if wait is not None:
            raise TooManyRequests(
                _("Too many files uploaded; try again in %(minutes)d minutes.") % {"minutes": max(round(wait / 60), 1)},
                code="upload_rate_exceeded",
                wait=wait,
                errors={field: [_("Upload limit reached for now.")]},
            )


def upload_rate(actor) -> UploadRate:
    """The caller's upload rate (``UPLOAD_RATE``), counted in the shared cache."""
    return UploadRate(actor)


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
