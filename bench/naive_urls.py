"""The eligibility lookup as a user might write it: a DRF generic view, a ModelSerializer, two plain
ORM queries and the same API-key authentication. Benchmark only (``bench.naive_settings``)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.authentication import ChannelKeyAuthentication
from filings.models import Filing
from registry.models import Person


class FilingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Filing
        fields = ["reference", "filing_type", "destination", "start_date", "end_date", "state", "covered_until"]


class NaiveEligibilityView(generics.RetrieveAPIView):
    authentication_classes = [ChannelKeyAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = FilingSerializer

    def retrieve(self, request, *args, **kwargs):
        params = request.query_params
        on = datetime.date.fromisoformat(params["date"]) if params.get("date") else datetime.date.today()
        city = params["city"]
        person = get_object_or_404(Person, id_number=params["id_number"])  # query 1
        filing = (  # query 2
            Filing.objects.filter(person=person, start_date__lte=on, destination_id__in=[city, city[:2] + "0000"])
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
            .filter(Q(state="effective") | Q(covered_until__gte=on))
            .order_by("-effective_at")
            .first()
        )
        data = {"covered": filing is not None, "filing": self.get_serializer(filing).data if filing else None}
        return Response(data)


urlpatterns = [path("api/v1/eligibility/", NaiveEligibilityView.as_view())]
