"""factory-boy factories for every model the tests build."""

import datetime

import factory
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.choices import Role
from accounts.models import Channel, ChannelAPIKey, User
from accounts.services import person_session_open
from filings.choices import FilingState, FilingType
from filings.models import Filing
from registry.choices import InsuranceType, InsuredStatus
from registry.demo import demo_id_number
from registry.models import Institution, Person


def valid_id_number(n: int) -> str:
    """The n-th distinct checksum-valid ID number (birth dates from 1950, 1000 per day)."""
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
    return demo_id_number(birth.strftime("%Y%m%d"), f"{n % 1000:03d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.COUNTER
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(valid_id_number)
    name = factory.Sequence(lambda n: f"参保人{n}")
    insurance_type = InsuranceType.EMPLOYEE
    phone = "13906001234"
    insured_status = InsuredStatus.ACTIVE


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    code = factory.Sequence(lambda n: f"H310100{n:05d}")
    name = factory.Sequence(lambda n: f"测试医院{n}")
    city_id = "310100"
    level = 3
    settles_inpatient = True
    settles_outpatient = True
    settles_chronic_outpatient = False


def staff_token(role: str = Role.COUNTER, **kwargs) -> tuple[User, str]:
    user = UserFactory(role=role, **kwargs)
    return user, Token.objects.create(user=user).key


def channel_key(code: str = "xm_wechat") -> str:
    _key, plain = ChannelAPIKey.objects.create_key(name=f"test {code}", channel=Channel.objects.get(code=code))
    return plain


def person_token(person: Person, channel_code: str = "xm_wechat") -> str:
    _session, token = person_session_open(
        channel=Channel.objects.get(code=channel_code), id_number=person.id_number, name=person.name
    )
    return token


class FilingFactory(factory.django.DjangoModelFactory):
    """An effective temporary filing for Shanghai from today, unless told otherwise."""

    class Meta:
        model = Filing

    reference = factory.Sequence(lambda n: f"BA20260101{n:06d}")
    person = factory.SubFactory(PersonFactory)
    filing_type = FilingType.OTHER_TEMPORARY
    destination_id = "310000"
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=200))
    contact_name = "联系人"
    contact_phone = "13906001234"
    consent = True
    consent_at = factory.LazyFunction(timezone.now)
    channel_id = "xm_wechat"
    state = FilingState.EFFECTIVE
    effective_at = factory.LazyFunction(timezone.now)
