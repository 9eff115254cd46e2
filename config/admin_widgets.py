"""Admin widgets that read what a posted or linked form gives them before they query with it."""

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


class ReadableChoicesOnly:
    """An autocomplete shows the chosen records by querying their keys; Django passes the submitted values
    as they came, and a key its field cannot read (``person=abc``) fails that query with a 500 while the
    form is shown again with its errors. Here such a value is left out of the query: the form's own
    validation still names the field."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        readable = []
        for item in value:
            try:
                target.run_validators(target.to_python(item))
            except (ValidationError, ValueError, TypeError, OverflowError):
                continue
            readable.append(item)
        return super().optgroups(name, readable, attr)


class CheckedAutocompleteSelect(ReadableChoicesOnly, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(ReadableChoicesOnly, AutocompleteSelectMultiple):
    pass
