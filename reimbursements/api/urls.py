"""Claim endpoints (arrive with the claims issue)."""

urlpatterns: list = []
