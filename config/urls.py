"""Top-level URLs: the API under /api/v1/, its schema and docs, the admin, health probes."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views

# Resolved in order: the filings' URLs come first, as eligibility (their first) is asked at every
# admission and settlement; behind the other apps' patterns, failing them cost a tenth of its time.
api_v1 = [
    path("", include("filings.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("registry.api.urls")),
    path("", include("reimbursements.api.urls")),
    path("audit/", include("audit.api.urls")),
    path("stats/", include("stats.api.urls")),
    path("", include("notifications.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its start-up script at /api/docs/?script, not inline: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]

# A database outage met outside a view is a 503, not a 500; errors under /api/ answer JSON.
handler500 = "config.api.middleware.server_error"
