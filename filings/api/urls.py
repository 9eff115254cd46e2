from django.urls import path
from rest_framework.routers import SimpleRouter

from filings.api import views

router = SimpleRouter()
router.register("filings", views.FilingViewSet, basename="filing")

urlpatterns = [
    path("eligibility/", views.EligibilityView.as_view(), name="eligibility"),
    *router.urls,
]
