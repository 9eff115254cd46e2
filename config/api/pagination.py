"""Page-number pagination shared by every list endpoint."""

from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination

from config.errors import ValidationFailed


class StandardPagination(PageNumberPagination):
    """``page`` (a page past the end is a 404) and ``page_size`` (a whole number from 1; above 200 gives 200)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            message = _("A whole number from 1 to %(n)d.") % {"n": self.max_page_size}
            raise ValidationFailed(message, errors={self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)

    def get_paginated_response_schema(self, schema):
        """``next`` and ``previous`` are always there (null at the ends): required, like ``count`` and ``results``."""
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["count", "next", "previous", "results"]
        return answer

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
                parameter["description"] = (
                    f"Rows per page: {self.page_size} unless given, at most {self.max_page_size} (more gives that)."
                )
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters
