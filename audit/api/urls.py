from django.urls import path

from audit.api import views

urlpatterns = [
    path("events/", views.AuditEventsView.as_view(), name="audit-events"),
    path("events/csv/", views.AuditEventsExportView.as_view(), name="audit-events-csv"),
    path("events/xlsx/", views.AuditEventsXlsxExportView.as_view(), name="audit-events-xlsx"),
    path("access/", views.PersonDataAccessView.as_view(), name="audit-access"),
    path("persons/<str:id_number>/as-of/", views.PersonAsOfView.as_view(), name="audit-person-as-of"),
]
