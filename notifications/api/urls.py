from django.urls import path

from notifications.api import views

urlpatterns = [
    path("notifications/", views.NotificationFeedView.as_view(), name="notifications"),
]
