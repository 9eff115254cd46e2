from rest_framework.routers import SimpleRouter

from registry.api import views

router = SimpleRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("persons", views.PersonViewSet, basename="person")

urlpatterns = router.urls
