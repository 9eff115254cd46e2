"""factory-boy factories for every model the tests build."""

import datetime
from decimal import Decimal

import factory
from django.db import models
from django.utils import timezone

from accounts.choices import ChannelGroup, Role
from accounts.models import Channel, ChannelAPIKey, User
from accounts.services import person_session_open, staff_token_issue
from filings.choices import FilingAction, FilingState, FilingType
from filings.models import (
    Filing,
    FilingEvent,
    FilingMaterial,
    FilingMaterialRequirement,
    FilingPolicy,
    InProvinceFilingCity,
)
from registry import services as registry_services
from registry.choices import HolidayKind, InsuranceType, InsuredStatus, PeriodStatus, RegionLevel
from registry.demo import numbered_id_number
from registry.models import ChronicDisease, ChronicQualification, Holiday, Institution, InsuredPeriod, Person, Region
from reimbursements import selectors as claim_selectors
from reimbursements import services as claim_services
from reimbursements.choices import ClaimAction, ClaimState, MaterialStatus
from reimbursements.models import (
    BenefitPolicy,
    BenefitPool,
    Claim,
    ClaimEvent,
    ClaimMaterial,
    ClaimMaterialRequirement,
    ClaimPolicy,
)

# The smallest document check_upload accepts as a PDF (it sniffs the content, not the name).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Policy rows seeded by the data migrations start on this day; factories' rows start later, one day each.
SEEDED_SINCE = datetime.date(2000, 1, 1)


def policy_start(n: int) -> datetime.date:
    """A start date no seeded row and no other factory row of the same table uses (2001-01-01 + n days)."""
    return datetime.date(2001, 1, 1) + datetime.timedelta(days=n)


# The n-th distinct checksum-valid ID number (birth dates from 1950, 1000 per day).
valid_id_number = numbered_id_number


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
        skip_postgeneration_save = True

    id_number = factory.Sequence(valid_id_number)
    name = factory.Sequence(lambda n: f"参保人{n}")
    insurance_type = InsuranceType.EMPLOYEE
    phone = "13906001234"
    insured_status = InsuredStatus.ACTIVE

    @factory.post_generation
    def insured_periods(person, create, extracted, **kwargs):
        """Insured since before the records begin, as ``person_create`` records it; or the periods given.

        ``PersonFactory(insured_periods=[(date(2020, 1, 1), date(2026, 6, 30))])`` records exactly those
        (active) periods instead, and the person's current status follows them.
        """
        if not create:
            return
        if extracted is None:
            registry_services.insured_period_open(person, starts_on=None)
            return
        for starts_on, ends_on in extracted:
            InsuredPeriodFactory(person=person, starts_on=starts_on, ends_on=ends_on)
        registry_services.person_sync_current(person)


class InsuredPeriodFactory(factory.django.DjangoModelFactory):
    """An active insured period of a person (by default open, from an unknown past)."""

    class Meta:
        model = InsuredPeriod

    person = factory.SubFactory(PersonFactory, insured_periods=[])
    starts_on = None
    ends_on = None
    insurance_type = factory.SelfAttribute("person.insurance_type")
    insured_region_id = factory.SelfAttribute("person.insured_region_id")
    status = PeriodStatus.ACTIVE


class ChronicDiseaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChronicDisease
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"test_disease_{n}")
    name = factory.Sequence(lambda n: f"测试病种{n}")
    settled_directly = False


class ChronicQualificationFactory(factory.django.DjangoModelFactory):
    """A person qualified for a directly settled disease (hypertension) from a year ago, open-ended."""

    class Meta:
        model = ChronicQualification

    person = factory.SubFactory(PersonFactory)
    disease_id = "hypertension"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    ends_on = None


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
    _auth_token, token = staff_token_issue(user=user)
    return user, token


def referring_hospital() -> Institution:
    """The tertiary designated hospital of Xiamen (the insured city) that test hospital keys belong to."""
    institution, _created = Institution.objects.get_or_create(
        code="H35020000001", defaults={"name": "厦门测试医院（三级）", "city_id": "350200", "level": 3}
    )
    return institution


def filing_attach_required_documents(filing: Filing) -> None:
    """Upload (as stored files) every document the filing's type requires, as a complete file would have."""
    required = FilingMaterialRequirement.objects.in_force(timezone.localtime(filing.submitted_at).date())
    for requirement in required.filter(filing_type=filing.filing_type, required=True):
        FilingMaterialFactory(filing=filing, item=requirement.item)


def channel_key(code: str = "xm_wechat", *, institution: Institution | None = None) -> str:
    """A new key of the channel (a hospital's may belong to an institution); the plain key."""
    channel = Channel.objects.get(code=code)
    _key, plain = ChannelAPIKey.objects.create_key(name=f"test {code}", channel=channel, institution=institution)
    return plain


def person_token(person: Person, channel_code: str = "xm_wechat") -> str:
    _session, token = person_session_open(
        channel=Channel.objects.get(code=channel_code), id_number=person.id_number, name=person.name
    )
    return token


class FilingFactory(factory.django.DjangoModelFactory):
    """An effective temporary filing for Shanghai from today, unless told otherwise.

    A ``submitted`` one resting on documents comes with the documents its type requires, ready
    for a decision; ``documents=False`` leaves them out.
    """

    class Meta:
        model = Filing
        skip_postgeneration_save = True

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

    @factory.post_generation
    def documents(filing, create, extracted, **kwargs):
        if not create or extracted is False or filing.state != FilingState.SUBMITTED:
            return
        if filing.proof_basis == "documents":
            filing_attach_required_documents(filing)


# The actions that bring a freshly submitted claim to each state, and the role that takes each.
CLAIM_PATHS: dict[str, tuple[str, ...]] = {
    ClaimState.SUBMITTED: (),
    ClaimState.MATERIALS_INCOMPLETE: (ClaimAction.REQUEST_MATERIALS,),
    ClaimState.UNDER_REVIEW: ("accept_all", ClaimAction.START_REVIEW),
    ClaimState.APPROVED: ("accept_all", ClaimAction.START_REVIEW, ClaimAction.APPROVE),
    ClaimState.PAID: ("accept_all", ClaimAction.START_REVIEW, ClaimAction.APPROVE, ClaimAction.PAY),
    ClaimState.REJECTED: (ClaimAction.REJECT,),
    ClaimState.WITHDRAWN: (ClaimAction.WITHDRAW,),
}
CLAIM_STEP_ROLE = {
    "accept_all": Role.COUNTER,
    ClaimAction.REQUEST_MATERIALS: Role.COUNTER,
    ClaimAction.START_REVIEW: Role.REVIEWER,
    ClaimAction.APPROVE: Role.REVIEWER,
    ClaimAction.REJECT: Role.REVIEWER,
    ClaimAction.PAY: Role.ADMIN,
    ClaimAction.WITHDRAW: Role.COUNTER,
}


CLAIM_AMOUNT_FIELDS = {"total_amount", "excluded_amount", "category_b_self_pay"}


def claim_accept_all(claim: Claim, *, user: User | None = None) -> None:
    """Counter staff accept every checklist item of ``claim`` (through the service, with history)."""
    actor = (user or UserFactory(role=Role.COUNTER)).actor
    for item in claim.materials.values_list("item", flat=True):
        claim_services.claim_material_update(claim_id=claim.pk, item=item, actor=actor, status=MaterialStatus.ACCEPTED)


def claim_deliver_all(claim: Claim, *, user: User | None = None) -> None:
    """Counter staff record every required item still missing as received (the person brought it)."""
    actor = (user or UserFactory(role=Role.COUNTER)).actor
    for item in claim_selectors.claim_undelivered_items(claim=claim):
        claim_services.claim_material_update(claim_id=claim.pk, item=item, actor=actor, status=MaterialStatus.RECEIVED)


class ClaimFactory(factory.django.DjangoModelFactory):
    """A submitted inpatient claim (no filing, paid in full in Shanghai), made by ``claim_submit``.

    Going through the service gives it a reference, its event and its checklist, exactly as the
    API would. Pass ``state=`` to walk it on through the state machine (accepting the checklist
    where the path needs it), and ``submitted_by=`` to name the staff user who files it; any
    other keyword is a field of the submission body (``city`` a region code).
    """

    class Meta:
        model = Claim

    person = factory.SubFactory(PersonFactory)
    submitted_by = factory.SubFactory(UserFactory, role=Role.COUNTER)
    state = ClaimState.SUBMITTED
    claim_kind = "inpatient"
    reason = "not_filed"
    institution_name = "某医院"
    institution_level = 3
    city = "310100"
    admission_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=9))
    discharge_date = factory.LazyAttribute(lambda o: o.admission_date + datetime.timedelta(days=6))
    total_amount = Decimal("8000.00")
    excluded_amount = Decimal("500.00")
    # One bill for the whole amount, numbered uniquely, unless ``invoices=`` says otherwise.
    invoices = factory.LazyAttribute(
        lambda o: [
            {
                "code": "31000026",
                "number": f"FP{o.invoice_serial:08d}",
                "amount": o.total_amount,
                "issued_on": o.discharge_date,
            }
        ]
    )

    class Params:
        invoice_serial = factory.Sequence(lambda n: n)

    @classmethod
    def _create(cls, model_class, *args, person, submitted_by, state, **data):
        for name in CLAIM_AMOUNT_FIELDS & set(data):  # the service takes Decimals, as the input serializer gives
            data[name] = Decimal(str(data[name]))
        data["invoices"] = [{**invoice, "amount": Decimal(str(invoice["amount"]))} for invoice in data["invoices"]]
        claim = claim_services.claim_submit(actor=submitted_by.actor, person=person, data=data)
        staff = {Role.COUNTER: submitted_by}  # one user per role walks the claim on
        for step in CLAIM_PATHS[state]:
            role = CLAIM_STEP_ROLE[step]
            if role not in staff:
                staff[role] = UserFactory(role=role)
            user = staff[role]
            if step == "accept_all":
                claim_accept_all(claim, user=user)
                continue
            claim = claim_services.claim_transition(
                claim_id=claim.pk,
                action=step,
                actor=user.actor,
                reason="测试" if step == ClaimAction.REJECT else "",
                payment_reference="PAY-TEST" if step == ClaimAction.PAY else "",
            )
        claim.refresh_from_db()
        return claim

    @classmethod
    def _build(cls, model_class, *args, submitted_by, city, invoices, **kwargs):
        return model_class(*args, city_id=city, **kwargs)


class FilingRequestFactory(factory.DictFactory):
    """The JSON body of ``POST /filings/``: a self-service temporary filing for Shanghai from today, with
    consent. Any field may be given (a date as the client sends it, ISO text; the services take the
    parsed body, so give them ``start_date`` as a date). ``fast_track=True``: a long-term residence
    filing for review, resting on documents."""

    filing_type = "other_temporary"
    destination = "310000"
    start_date = factory.LazyFunction(lambda: timezone.localdate().isoformat())
    contact_name = "张三"
    contact_phone = "13906001234"
    consent = True

    class Params:
        fast_track = factory.Trait(filing_type="long_term_resident", mode="fast_track", proof_basis="documents")


class ClaimRequestFactory(factory.DictFactory):
    """The JSON body of ``POST /claims/``: an inpatient stay in Shanghai at a named institution, ten days
    ago, with one bill for the whole total (numbered afresh). Any field may be given; with
    ``total_amount`` and no ``invoices`` the bill follows the total."""

    claim_kind = "inpatient"
    reason = "settlement_failed"
    institution_name = "某三级医院"
    institution_level = 3
    city = "310100"
    admission_date = factory.LazyFunction(lambda: (timezone.localdate() - datetime.timedelta(days=20)).isoformat())
    discharge_date = factory.LazyFunction(lambda: (timezone.localdate() - datetime.timedelta(days=10)).isoformat())
    total_amount = "10000.00"
    excluded_amount = "0.00"
    invoices = factory.LazyAttribute(
        lambda o: [
            {"code": "31000026", "number": f"PJ{o.serial:08d}", "amount": o.total_amount, "issued_on": o.discharge_date}
        ]
    )

    class Params:
        serial = factory.Sequence(lambda n: n)


class ClaimMaterialFactory(factory.django.DjangoModelFactory):
    """An extra, optional checklist item on a claim (the required ones come with ``ClaimFactory``)."""

    class Meta:
        model = ClaimMaterial

    claim = factory.SubFactory(ClaimFactory)
    item = factory.Sequence(lambda n: f"extra_item_{n}")
    name = factory.Sequence(lambda n: f"补充材料{n}")
    required = False
    original = False
    sort_order = 99
    status = MaterialStatus.MISSING


# --- reference data: regions, channels, holidays ------------------------------------------------------


class RegionFactory(factory.django.DjangoModelFactory):
    """A new city of Shanghai (310000), whose only seeded city is 310100: codes 310200 … 319900.

    Every province and city of GB/T 2260 is loaded by a migration; a test that needs a region of
    its own gets one of these. Pass ``level=RegionLevel.PROVINCE, parent=None`` and a free
    ``code`` for a province.
    """

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"31{n % 98 + 2:02d}00")
    name = factory.Sequence(lambda n: f"测试市{n}")
    level = RegionLevel.CITY
    parent = factory.LazyAttribute(lambda o: Region.objects.get(code=o.code[:2] + "0000"))


class ChannelFactory(factory.django.DjangoModelFactory):
    """A channel besides the eight of SPEC §2 (seeded by a migration): a mobile app unless told otherwise."""

    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test_channel_{n}")
    name = factory.Sequence(lambda n: f"测试渠道{n}")
    group = ChannelGroup.MOBILE
    description = ""
    is_active = True


class HolidayFactory(factory.django.DjangoModelFactory):
    """A public holiday from 2090 on, far from the seeded calendar (2020–2026)."""

    class Meta:
        model = Holiday
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: datetime.date(2090, 1, 1) + datetime.timedelta(days=n))
    kind = HolidayKind.HOLIDAY
    name = "测试假日"


# --- filings: materials and policy ------------------------------------------------------------------------


class FilingMaterialFactory(factory.django.DjangoModelFactory):
    """A small PDF uploaded for a filing awaiting review (stored through the storage API)."""

    class Meta:
        model = FilingMaterial

    # Without the filing's own documents: this one is its item's only (current) file.
    filing = factory.SubFactory(FilingFactory, state=FilingState.SUBMITTED, effective_at=None, documents=False)
    item = "application_form"
    file = factory.django.FileField(data=PDF, filename="doc.pdf")
    content_type = "application/pdf"
    size = len(PDF)
    channel_id = "xm_wechat"


class PolicyRowFactory(factory.django.DjangoModelFactory):
    """A dated policy row that follows its timeline's rows as the admin's "change from a date" would: an earlier
    row still open ends the day before it starts, and it ends the day before a later row starts. The rows in
    force on every day are those the tables' selectors (the latest start wins) picked before, and no two rows
    of one timeline overlap (``EffectivePeriod.clean`` refuses that)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = model_class(*args, **kwargs)
        timeline = model_class._default_manager.filter(**row.key_values())
        start = row.effective_from
        timeline.filter(effective_from__lt=start).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=start)
        ).update(effective_to=start - datetime.timedelta(days=1))
        later = timeline.filter(effective_from__gt=start).order_by("effective_from").first()
        if later is not None and (row.effective_to is None or row.effective_to >= later.effective_from):
            row.effective_to = later.effective_from - datetime.timedelta(days=1)
        row.save()
        return row


class FilingPolicyFactory(PolicyRowFactory):
    """A filing policy row; it is in force from its ``effective_from`` and outranks the seeded one."""

    class Meta:
        model = FilingPolicy

    effective_from = factory.Sequence(policy_start)
    temporary_validity_months = 6
    long_term_min_holding_months = 0
    fast_track_review_working_days = 3
    commitment_due_months = 6
    max_files_per_item = 5
    max_record_upload_kb = 50 * 1024


class FilingMaterialRequirementFactory(PolicyRowFactory):
    """An extra material of a filing type, in force like the seeded ones."""

    class Meta:
        model = FilingMaterialRequirement

    effective_from = SEEDED_SINCE
    filing_type = FilingType.OTHER_TEMPORARY
    item = factory.Sequence(lambda n: f"test_material_{n}")
    name = factory.Sequence(lambda n: f"测试材料{n}")
    required = True
    commitment_may_replace = False
    sort_order = 50


class InProvinceFilingCityFactory(PolicyRowFactory):
    """A Fujian city where in-province treatment needs a filing: 泉州 (350500) unless told otherwise."""

    class Meta:
        model = InProvinceFilingCity

    city_id = "350500"
    effective_from = factory.Sequence(policy_start)
    note = "测试：省内就医仍需备案"


# --- reimbursements: policy -------------------------------------------------------------------------------


class BenefitPoolFactory(factory.django.DjangoModelFactory):
    """An annual pool; the seeded sample pools (``fund``, ``outpatient``) are reused by code."""

    class Meta:
        model = BenefitPool
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"pool-{n}")
    name = factory.LazyAttribute(lambda o: f"测试资金池 {o.code}")
    is_sample = True


class BenefitPolicyFactory(PolicyRowFactory):
    """Benefit values for employees at tertiary institutions; in force from a date after the seeded sample."""

    class Meta:
        model = BenefitPolicy

    effective_from = factory.Sequence(policy_start)
    insurance_type = InsuranceType.EMPLOYEE
    institution_level = 3
    deductible = Decimal("1000.00")
    ratio = Decimal("0.8500")
    annual_cap = Decimal("400000.00")
    # Ordinary outpatient care draws on the "outpatient" pool, anything else on "fund" unless told (the
    # seeded chronic rows draw on "chronic").
    pool = factory.LazyAttribute(
        lambda o: BenefitPoolFactory(code="outpatient" if o.visit_kind == "outpatient" else "fund")
    )
    visit_kind = "inpatient"
    is_sample = True


class ClaimPolicyFactory(PolicyRowFactory):
    class Meta:
        model = ClaimPolicy

    effective_from = factory.Sequence(policy_start)
    submission_deadline_months = 12
    own_share_rate = Decimal("0.10")
    referral_reduction = Decimal("0.05")
    emergency_reduction = Decimal("0.05")
    other_temporary_reduction = Decimal("0.10")
    max_files_per_item = 5
    max_record_upload_kb = 50 * 1024


class ClaimMaterialRequirementFactory(PolicyRowFactory):
    """An extra checklist item of a claim kind, in force like the seeded ones (copied onto new claims)."""

    class Meta:
        model = ClaimMaterialRequirement

    effective_from = SEEDED_SINCE
    claim_kind = "inpatient"
    item = factory.Sequence(lambda n: f"test_claim_material_{n}")
    name = factory.Sequence(lambda n: f"测试报销材料{n}")
    required = True
    original = False
    sort_order = 50


# --- events: rows of a record's history, written directly (append-only) ----------------------------------


class FilingEventFactory(factory.django.DjangoModelFactory):
    """One event of a filing's history written as it stands, for feeds that read events (``at`` now by default).

    The services write events themselves; this writes one with any ``at``, actor label and channel,
    e.g. several sharing one instant.
    """

    class Meta:
        model = FilingEvent

    filing = factory.SubFactory(FilingFactory)
    action = FilingAction.SUBMIT
    from_state = ""
    to_state = FilingState.SUBMITTED
    actor_label = "system"
    channel_id = None
    at = factory.LazyFunction(timezone.now)
    reason = ""
    changes = factory.LazyFunction(dict)


class ClaimEventFactory(factory.django.DjangoModelFactory):
    """One event of a claim's history written as it stands (the claim's own submit event comes with it)."""

    class Meta:
        model = ClaimEvent

    claim = factory.SubFactory(ClaimFactory)
    action = ClaimAction.SUBMIT
    from_state = ""
    to_state = ClaimState.SUBMITTED
    actor_label = "system"
    channel_id = None
    at = factory.LazyFunction(timezone.now)
    reason = ""
    changes = factory.LazyFunction(dict)


class NotificationFactory(factory.django.DjangoModelFactory):
    """A pending notification of a filing, for its person through the filing's channel (xm_wechat by default)."""

    class Meta:
        model = "notifications.Notification"

    filing = factory.SubFactory(FilingFactory)
    record_type = "filing"
    reference = factory.LazyAttribute(lambda o: o.filing.reference)
    person = factory.LazyAttribute(lambda o: o.filing.person)
    channel_id = factory.LazyAttribute(lambda o: o.filing.channel_id)
    kind = "filing_effective"
    key = factory.Sequence(lambda n: f"test:{n}")
    payload = factory.LazyAttribute(lambda o: {"reference": o.reference, "state": o.filing.state})


# --- identifiers as people type them ------------------------------------------------------------------------


def luhn_card_number(prefix: str, length: int = 19) -> str:
    """A bank card number of ``length`` digits starting with ``prefix`` (zero-padded) that passes Luhn."""
    body = prefix.ljust(length - 1, "0")
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char) * (2 if index % 2 == 0 else 1)  # the check digit will sit right of the body
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def full_width(text: str) -> str:
    """``text`` with its ASCII digits (and X) written full-width, as a Chinese input method types them."""
    return text.translate(str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ"))


def grouped(digits: str, size: int = 4, separator: str = " ") -> str:
    """``6222021234567890128`` → ``6222 0212 3456 7890 128``: a number as written on a card or a form."""
    return separator.join(digits[i : i + size] for i in range(0, len(digits), size))
