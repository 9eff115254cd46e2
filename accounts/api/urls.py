from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/token/", views.StaffTokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.StaffLogoutView.as_view(), name="auth-logout"),
    path("person-sessions/", views.PersonSessionView.as_view(), name="person-sessions"),
    path(
        "person-sessions/current/logout/",
        views.PersonSessionLogoutView.as_view(),
        name="person-session-logout",
    ),
]
