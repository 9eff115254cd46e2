from django.urls import path

from stats.api.views import statistics_view
from stats.selectors import SUBJECTS

urlpatterns = [path(f"{subject}/", statistics_view(subject).as_view(), name=f"stats-{subject}") for subject in SUBJECTS]
