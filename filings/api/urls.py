from django.urls import path
from rest_framework.routers import SimpleRouter

from filings.api import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("persons", views.PersonViewSet, basename="person")
router.register("filings", views.FilingViewSet, basename="filing")

urlpatterns = [
    path("eligibility/", views.EligibilityView.as_view(), name="eligibility"),
    *router.urls,
]
