"""Admin pieces shared by the apps."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.actors import Actor
from config.errors import ApplicationError
from config.files import document_response


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
        return document_response(document)

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


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows and changes none (history, uploaded documents)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def transition_action(*, name: str, label, perform, form_class=None):
    """An admin action that runs ``perform(obj, actor, **form data)`` for each selected record.

    With a ``form_class`` it first shows a page asking for the input (a reason, a date, a
    payment reference). Refusals by the domain services are shown per record; nothing else
    is written for those.
    """

    def run(modeladmin, request, queryset):
        if form_class is not None and "apply" not in request.POST:
            return TemplateResponse(
                request,
                "admin/action_form.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": label,
                    "queryset": queryset,
                    "form": form_class(),
                    "action": name,
                    "opts": modeladmin.model._meta,
                },
            )
        form = form_class(request.POST) if form_class is not None else None
        if form is not None and not form.is_valid():
            modeladmin.message_user(request, gettext("The form is invalid."), messages.ERROR)
            return None
        actor = Actor.staff(request.user)
        done = 0
        for obj in queryset:
            try:
                perform(obj, actor, **(form.cleaned_data if form else {}))
                done += 1
            except ApplicationError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, gettext("%(n)d done: %(label)s.") % {"n": done, "label": label}, messages.SUCCESS
            )
        return None

    run.__name__ = name
    run.short_description = label
    run.allowed_permissions = ("change",)
    return run
