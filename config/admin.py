"""Admin pieces shared by the apps."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.files import file_response


class DocumentDownloadMixin:
    """Serves a record's uploaded documents to staff who may view the record, never from a public URL.

    ``document_model`` is the model holding the file, ``document_parent`` its foreign key to
    the admin's model. Inlines show ``document_link`` instead of the bare file field.
    """

    document_model = None
    document_parent = ""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/document/<int:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name=f"{opts.app_label}_{opts.model_name}_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, object_id, document_id):
        parent = self.get_object(request, object_id)
        if parent is None:
            raise Http404
        if not self.has_view_permission(request, parent):
            raise PermissionDenied
        document = self.document_model.objects.filter(pk=document_id, **{self.document_parent: parent}).first()
        if document is None or not document.file:
            raise Http404
        return file_response(
            document.file, content_type=document.content_type, filename=document.file.name.rsplit("/", 1)[-1]
        )

    @classmethod
    def document_link(cls, document, admin_model):
        if not document.file:
            return "-"
        opts = admin_model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_document",
            args=[getattr(document, f"{cls.document_parent}_id"), document.pk],
        )
        return format_html('<a href="{}">{}</a>', url, _("download"))
