"""Input and output shapes of the credential endpoints."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.choices import Role
from config.api.inputs import InputSerializer


@extend_schema_serializer(component_name="StaffLogin")
class TokenRequestSerializer(InputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


@extend_schema_serializer(component_name="StaffToken")
class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send as 'Authorization: Token <token>'; shown only now."))
    role = serializers.ChoiceField(choices=Role.choices)
    expires_at = serializers.DateTimeField(help_text=_("When the token stops working (STAFF_TOKEN_TTL)."))


@extend_schema_serializer(component_name="PersonSessionOpen")
class PersonSessionRequestSerializer(InputSerializer):
    id_number = serializers.CharField(max_length=18, help_text=_("National ID number verified by the channel."))
    name = serializers.CharField(max_length=50)


@extend_schema_serializer(component_name="PersonSession")
class PersonSessionResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
