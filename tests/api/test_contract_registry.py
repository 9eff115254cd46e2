"""The contract of the registry's and the credentials' endpoints, walked by every kind of caller.

Persons: staff read them all and a person only themself; counter staff and administrators
write. Regions, institutions and the requirements are reference data for anyone
authenticated. Person sessions are opened by a channel backend's own key only; the staff
token endpoint ignores whatever credentials come with the request.
"""

import pytest
from knox.models import AuthToken

from accounts.choices import Role
from accounts.models import PersonSession
from registry.models import Person, Region
from tests.api.mixins import (
    READ_OWN,
    READ_OWN_RECORD,
    CreateObjectContract,
    GetObjectContract,
    ListObjectsContract,
    PinnedQueriesContract,
    QueryContract,
    UpdateObjectContract,
)
from tests.factories import InstitutionFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

# Reference data: anyone authenticated.
ANYONE_AUTHENTICATED = {who: 200 for who in READ_OWN} | {"anonymous": 401}
# Writing persons: counter staff and administrators.
PERSON_WRITERS = {who: 403 for who in READ_OWN} | {"anonymous": 401, "counter": 201, "admin": 201}


class PersonContract:
    url = "/api/v1/persons/"
    lookup_field = "id"
    unknown_key = "999999999"

    def make_record(self, owner):
        return owner


class TestPersonList(PersonContract, ListObjectsContract):
    callers = READ_OWN
    invalid_query = {"insured_status": "dormant"}


class TestPersonDetail(PersonContract, GetObjectContract, PinnedQueriesContract):
    callers = READ_OWN_RECORD
    detail_fields = frozenset({"id_number", "name", "insurance_type", "insured_status", "version"})
    num_queries = {
        # the token with its user; the person with its insured region
        "counter": 2,
        # the session with its channel; the person with its insured region
        "owner": 2,
    }


class TestPersonCreate(PersonContract, CreateObjectContract):
    callers = PERSON_WRITERS
    model = Person
    invalid = {"id_number": "110105194912310021"}  # wrong check digit

    def valid_body(self, who, scene):
        new = PersonFactory.build()
        return {"id_number": new.id_number, "name": new.name, "insurance_type": "employee", "phone": "13906001234"}


class TestPersonUpdate(PersonContract, UpdateObjectContract):
    callers = PERSON_WRITERS | {"counter": 200, "admin": 200}
    body = {"name": "参保人新名"}  # personal numbers (phone, card) are masked in answers to staff
    invalid = {"phone": "call me"}


class TestRegionList(ListObjectsContract):
    url = "/api/v1/regions/"
    lookup_field = "code"
    callers = ANYONE_AUTHENTICATED
    list_query = {"parent": "310000"}
    invalid_query = {"level": "county"}
    hidden_from = frozenset()

    def make_record(self, owner):
        return Region.objects.get(code="310100")


class TestRegionDetail(GetObjectContract):
    url = "/api/v1/regions/"
    lookup_field = "code"
    unknown_key = "999999"
    callers = ANYONE_AUTHENTICATED
    detail_fields = frozenset({"code", "name", "level", "parent"})

    def make_record(self, owner):
        return Region.objects.get(code="350200")


class TestInstitutionList(ListObjectsContract):
    url = "/api/v1/institutions/"
    lookup_field = "code"
    callers = ANYONE_AUTHENTICATED
    list_query = {"city": "310100"}
    invalid_query = {"direct_settlement": "teleconsultation"}
    hidden_from = frozenset()

    def make_record(self, owner):
        return InstitutionFactory()


class TestInstitutionDetail(GetObjectContract):
    url = "/api/v1/institutions/"
    lookup_field = "code"
    unknown_key = "H99999999999"
    callers = ANYONE_AUTHENTICATED
    detail_fields = frozenset({"code", "name", "city", "city_name", "level", "direct_settlement"})

    def make_record(self, owner):
        return InstitutionFactory()


class TestFilingRequirements(QueryContract):
    url = "/api/v1/requirements/"
    callers = ANYONE_AUTHENTICATED
    query = {"filing_type": "referral"}
    invalid_query = {"filing_type": "pilgrimage"}
    answer_fields = frozenset({"filing_type", "items"})


class TestClaimRequirements(QueryContract):
    url = "/api/v1/requirements/"
    callers = ANYONE_AUTHENTICATED
    query = {"claim_kind": "inpatient", "injury": "true"}
    invalid_query = {"claim_kind": "dental"}
    answer_fields = frozenset({"claim_kind", "injury", "items"})


class TestPersonSessionOpen(CreateObjectContract):
    """Only a channel backend's own key opens sessions: not a hospital, not a person, not staff."""

    url = "/api/v1/person-sessions/"
    model = PersonSession
    lookup_field = "token"
    callers = {who: 403 for who in READ_OWN} | {"anonymous": 401, "channel": 201}
    invalid = {"name": ""}

    def valid_body(self, who, scene):
        return {"id_number": scene.owner.id_number, "name": scene.owner.name}


class TestStaffToken(CreateObjectContract):
    """Anyone may exchange a staff password for a token; credentials sent along are ignored."""

    url = "/api/v1/auth/token/"
    model = AuthToken
    lookup_field = "token"
    success = 200
    callers = {who: 200 for who in READ_OWN}
    invalid = {"password": ""}

    def make_record(self, owner):
        return UserFactory(role=Role.REVIEWER)

    def valid_body(self, who, scene):
        return {"username": scene.record.username, "password": "correct horse battery"}
