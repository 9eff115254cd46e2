"""Admin for the registry: regions, institutions, insured persons (through the person services), holidays."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.errors import ValidationFailed
from registry import services
from registry.models import Holiday, Institution, Person, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level", "parent"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "city",
        "level",
        "settles_inpatient",
        "settles_outpatient",
        "settles_chronic_outpatient",
    ]
    list_filter = ["level", "settles_inpatient", "settles_outpatient", "settles_chronic_outpatient", "city__parent"]
    search_fields = ["code", "name", "city__name"]
    list_select_related = ["city"]
    autocomplete_fields = ["city"]


class PersonAdminForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "id_number",
            "name",
            "insurance_type",
            "social_security_card",
            "phone",
            "insured_region",
            "insured_status",
        ]

    def clean(self):
        cleaned = super().clean()
        data = {name: value for name, value in cleaned.items() if name in services.PERSON_INPUT_FIELDS}
        if isinstance(data.get("insured_region"), Region):
            data["insured_region"] = data["insured_region"].code
        try:
            services.person_validate(data, partial=self.instance.pk is not None)
        except ValidationFailed as exc:
            for name, messages in exc.errors.items():
                self.add_error(name if name in self.fields else None, messages)
        return cleaned


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    form = PersonAdminForm
    list_display = ["name", "id_number", "insurance_type", "insured_status", "insured_region", "phone", "updated_at"]
    list_filter = ["insurance_type", "insured_status", "insured_region"]
    search_fields = ["=id_number", "name", "=social_security_card", "=phone"]
    list_select_related = ["insured_region"]
    readonly_fields = ["version", "created_at", "updated_at"]
    autocomplete_fields = ["insured_region"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "id_number"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        """Saves go through the person services, the same rules as the API and imports."""
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if "insured_region" in data:
            data["insured_region"] = data["insured_region"].code
        if change:
            saved = services.person_update(person=obj, data=data, actor=request.user.actor)
        else:
            saved = services.person_create(
                data={
                    **data,
                    "id_number": form.cleaned_data["id_number"],
                    "name": form.cleaned_data["name"],
                    "insurance_type": form.cleaned_data["insurance_type"],
                },
                actor=request.user.actor,
            )
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]
