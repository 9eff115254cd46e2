from django.urls import path
from rest_framework.routers import SimpleRouter

from reimbursements.api import views

router = SimpleRouter()
router.register("claims", views.ClaimViewSet, basename="claim")

urlpatterns = [
    path("requirements/", views.RequirementsView.as_view(), name="requirements"),
    *router.urls,
]
