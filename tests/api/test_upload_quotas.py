"""Upload quotas: files per checklist item, the size of a record's current files, files per caller.

The per-item and per-record numbers are policy data (``FilingPolicy`` and ``ClaimPolicy``, set small
here through their factories); the rate is the ``uploads`` throttle scope (``UPLOAD_RATE``). Each
refusal stores nothing: no row, no file in storage. The admin's upload obeys the same rules, because
the services check them.
"""

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from filings.models import Filing, FilingMaterial
from reimbursements.models import ClaimMaterial
from tests.factories import PDF, ClaimFactory, ClaimPolicyFactory, FilingPolicyFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

FILINGS = "/api/v1/filings/"
CLAIMS = "/api/v1/claims/"


def pdf(size: int = len(PDF)) -> bytes:
    """A PDF of ``size`` bytes (check_upload reads the head)."""
    return PDF + b"0" * (size - len(PDF))


def stored_files(path: str = "") -> set[str]:
    """Every file name in the default storage (in memory under the test settings)."""
    directories, files = default_storage.listdir(path)
    names = {f"{path}/{name}".lstrip("/") for name in files}
    for directory in directories:
        names |= stored_files(f"{path}/{directory}".lstrip("/"))
    return names


def upload(client, url: str, content: bytes = PDF):
    return client.post(url, {"file": SimpleUploadedFile("scan.pdf", content)}, format="multipart")


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def upload_rate(settings):
    def set_rate(rate: str) -> None:
        current = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {
            **current,
            "DEFAULT_THROTTLE_RATES": {**current["DEFAULT_THROTTLE_RATES"], "uploads": rate},
        }

    return set_rate


@pytest.fixture
def person():
    return PersonFactory()


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


def pending_filing(client) -> str:
    """A fast-track long-term filing awaiting review: it takes ``registration_form`` and ``residence_proof``."""
    response = client.post(
        FILINGS,
        {
            "filing_type": "long_term_resident",
            "destination": "310000",
            "start_date": timezone.localdate().isoformat(),
            "contact_name": "张三",
            "contact_phone": "13906001234",
            "consent": True,
            "mode": "fast_track",
            "proof_basis": "documents",
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["reference"]


@pytest.fixture
def filing_ref(me):
    return pending_filing(me)


@pytest.fixture
def claim(person):
    return ClaimFactory(person=person)


def filing_item(ref: str, item: str = "residence_proof") -> str:
    return f"{FILINGS}{ref}/materials/{item}/"


def claim_item(claim, item: str = "discharge_summary") -> str:
    return f"{CLAIMS}{claim.reference}/materials/{item}/"


def admin_upload_url(reference: str) -> str:
    return f"/admin/filings/filing/{Filing.objects.get(reference=reference).pk}/do/upload/"


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert body["errors"]["file"], body


class TestFilesPerItem:
    def test_a_filing_item_past_its_files_is_refused_with_409(self, me, filing_ref):
        FilingPolicyFactory(max_files_per_item=3)
        for _n in range(3):
            assert upload(me, filing_item(filing_ref)).status_code == 201
        before = stored_files()
        assert_refused(upload(me, filing_item(filing_ref)), 409, "too_many_files")
        assert FilingMaterial.objects.filter(item="residence_proof").count() == 3
        assert stored_files() == before
        # Another item of the same filing has its own count.
        assert upload(me, filing_item(filing_ref, "registration_form")).status_code == 201

    def test_a_claim_item_past_its_files_is_refused_with_409(self, me, claim):
        ClaimPolicyFactory(max_files_per_item=3)
        for _n in range(3):
            assert upload(me, claim_item(claim)).status_code == 200
        material = ClaimMaterial.objects.get(claim=claim, item="discharge_summary")
        before = (stored_files(), material.file.name, material.history.count())
        assert_refused(upload(me, claim_item(claim)), 409, "too_many_files")
        material.refresh_from_db()
        assert material.files_uploaded == 3
        assert (stored_files(), material.file.name, material.history.count()) == before

    def test_setting_a_status_is_no_upload_and_is_not_counted(self, counter, me, claim):
        ClaimPolicyFactory(max_files_per_item=1)
        assert upload(me, claim_item(claim)).status_code == 200
        for status in ("received", "accepted"):
            assert counter.post(claim_item(claim) + "status/", {"status": status}, format="json").status_code == 200
        assert ClaimMaterial.objects.get(claim=claim, item="discharge_summary").files_uploaded == 1


class TestRecordSize:
    def test_a_filing_past_its_total_is_refused_with_409(self, me, filing_ref):
        FilingPolicyFactory(max_record_upload_kb=1)
        assert upload(me, filing_item(filing_ref, "registration_form"), pdf(600)).status_code == 201
        before = stored_files()
        response = upload(me, filing_item(filing_ref, "residence_proof"), pdf(600))
        assert_refused(response, 409, "record_size_exceeded")
        assert not FilingMaterial.objects.filter(item="residence_proof").exists()
        assert stored_files() == before
        assert upload(me, filing_item(filing_ref, "residence_proof"), pdf(400)).status_code == 201

    def test_a_claim_past_its_total_is_refused_with_409(self, me, claim):
        ClaimPolicyFactory(max_record_upload_kb=1)
        assert upload(me, claim_item(claim, "hospital_invoice"), pdf(600)).status_code == 200
        before = stored_files()
        assert_refused(upload(me, claim_item(claim, "expense_list"), pdf(600)), 409, "record_size_exceeded")
        material = ClaimMaterial.objects.get(claim=claim, item="expense_list")
        assert (material.status, bool(material.file), material.files_uploaded) == ("missing", False, 0)
        assert stored_files() == before

    def test_one_file_larger_than_the_total_is_refused(self, me, filing_ref, claim):
        FilingPolicyFactory(max_record_upload_kb=1)
        ClaimPolicyFactory(max_record_upload_kb=1)
        assert_refused(upload(me, filing_item(filing_ref), pdf(1025)), 409, "record_size_exceeded")
        assert_refused(upload(me, claim_item(claim), pdf(1025)), 409, "record_size_exceeded")
        assert upload(me, filing_item(filing_ref), pdf(1024)).status_code == 201


class TestReplacement:
    def test_a_filing_upload_replaces_the_item_and_only_current_files_count(self, me, filing_ref):
        FilingPolicyFactory(max_files_per_item=3, max_record_upload_kb=1)
        first = pdf(600)
        second = pdf(700)
        assert upload(me, filing_item(filing_ref), first).status_code == 201
        # 600 + 700 would pass 1 KB; the replaced file no longer counts, so this fits.
        assert upload(me, filing_item(filing_ref), second).status_code == 201
        rows = list(FilingMaterial.objects.filter(item="residence_proof").order_by("id"))
        assert [row.superseded_at is None for row in rows] == [False, True]
        assert rows[0].file.name in stored_files()  # kept as evidence
        response = me.get(filing_item(filing_ref))
        assert b"".join(response.streaming_content) == second
        # The record's total is what is current: 700 bytes, so 400 more do not fit.
        assert_refused(upload(me, filing_item(filing_ref, "registration_form"), pdf(400)), 409, "record_size_exceeded")
        checklist = {i["item"]: i for i in me.get(f"{FILINGS}{filing_ref}/").json()["checklist"]}
        assert checklist["residence_proof"]["present"] is True
        assert [m["superseded_at"] is None for m in checklist["residence_proof"]["materials"]] == [False, True]

    def test_replacing_again_and_again_stays_bounded(self, me, filing_ref, claim):
        FilingPolicyFactory(max_files_per_item=3, max_record_upload_kb=1)
        ClaimPolicyFactory(max_files_per_item=3, max_record_upload_kb=1)
        for url, created in ((filing_item(filing_ref), 201), (claim_item(claim), 200)):
            for _n in range(3):
                assert upload(me, url, pdf(900)).status_code == created
            assert_refused(upload(me, url, pdf(900)), 409, "too_many_files")
        current = FilingMaterial.objects.filter(superseded_at__isnull=True)
        assert sum(current.values_list("size", flat=True)) == 900
        assert FilingMaterial.objects.count() == 3
        material = ClaimMaterial.objects.get(claim=claim, item="discharge_summary")
        assert (material.size, material.files_uploaded) == (900, 3)

    def test_a_claim_upload_replaces_the_file_and_keeps_the_old_one(self, me, claim):
        ClaimPolicyFactory(max_record_upload_kb=1)
        assert upload(me, claim_item(claim), pdf(600)).status_code == 200
        old = ClaimMaterial.objects.get(claim=claim, item="discharge_summary").file.name
        assert upload(me, claim_item(claim), pdf(700)).status_code == 200
        material = ClaimMaterial.objects.get(claim=claim, item="discharge_summary")
        assert material.file.name != old and old in stored_files()
        assert old in set(material.history.values_list("file", flat=True))
        assert (material.size, material.files_uploaded) == (700, 2)
        assert b"".join(me.get(claim_item(claim)).streaming_content) == pdf(700)


class TestRatePerCaller:
    def test_a_person_past_the_rate_gets_429_and_another_person_does_not(
        self, client_for, me, person, filing_ref, claim, upload_rate
    ):
        upload_rate("3/hour")
        assert upload(me, filing_item(filing_ref)).status_code == 201
        assert upload(me, filing_item(filing_ref, "registration_form")).status_code == 201
        assert upload(me, claim_item(claim)).status_code == 200  # one budget across filings and claims
        before = (stored_files(), FilingMaterial.objects.count(), ClaimMaterial.objects.exclude(file="").count())
        for url in (filing_item(filing_ref), claim_item(claim, "id_copy")):
            response = upload(me, url)
            assert_refused(response, 429, "upload_rate_exceeded")
            assert 1 <= int(response["Retry-After"]) <= 3600
        # The same person through another channel is the same caller.
        assert_refused(
            upload(client_for(person=person, channel="mzt_app"), filing_item(filing_ref)), 429, "upload_rate_exceeded"
        )
        assert (
            stored_files(),
            FilingMaterial.objects.count(),
            ClaimMaterial.objects.exclude(file="").count(),
        ) == before

        other = client_for(person=PersonFactory())
        other_ref = pending_filing(other)
        assert upload(other, filing_item(other_ref)).status_code == 201

    def test_refused_uploads_do_not_use_up_the_rate(self, me, filing_ref, upload_rate):
        upload_rate("2/hour")
        FilingPolicyFactory(max_record_upload_kb=1)
        for _n in range(3):
            assert_refused(upload(me, filing_item(filing_ref), pdf(2000)), 409, "record_size_exceeded")
        assert upload(me, filing_item(filing_ref)).status_code == 201
        assert upload(me, filing_item(filing_ref)).status_code == 201
        assert_refused(upload(me, filing_item(filing_ref)), 429, "upload_rate_exceeded")

    def test_staff_users_count_apart(self, client_for, filing_ref, upload_rate):
        upload_rate("1/hour")
        first, second = client_for(role=Role.COUNTER), client_for(role=Role.COUNTER)
        assert upload(first, filing_item(filing_ref)).status_code == 201
        assert_refused(upload(first, filing_item(filing_ref)), 429, "upload_rate_exceeded")
        assert upload(second, filing_item(filing_ref)).status_code == 201


class TestAdminPath:
    @pytest.fixture
    def desk(self):
        client = Client()
        client.force_login(UserFactory(role=Role.COUNTER))
        return client

    def post(self, desk, url, item, content=PDF, **extra):
        return desk.post(
            url, {"item": item, "file": SimpleUploadedFile("scan.pdf", content, "application/pdf"), **extra}
        )

    def test_the_admin_refuses_a_filing_upload_past_the_quotas(self, desk, filing_ref):
        FilingPolicyFactory(max_files_per_item=1, max_record_upload_kb=1)
        url = admin_upload_url(filing_ref)
        assert self.post(desk, url, "residence_proof", pdf(600)).status_code == 302
        before = stored_files()
        for item, content in (("residence_proof", PDF), ("registration_form", pdf(600))):
            refused = self.post(desk, url, item, content)
            assert refused.status_code == 200
            assert refused.context["form"].errors["file"]
        assert FilingMaterial.objects.count() == 1
        assert stored_files() == before

    def test_the_admin_refuses_a_claim_upload_past_the_quotas(self, desk, claim):
        ClaimPolicyFactory(max_files_per_item=1)
        url = f"/admin/reimbursements/claim/{claim.pk}/do/upload/"
        assert self.post(desk, url, "discharge_summary", status="received").status_code == 302
        before = stored_files()
        refused = self.post(desk, url, "discharge_summary", status="accepted")
        assert refused.status_code == 200 and refused.context["form"].errors["file"]
        material = ClaimMaterial.objects.get(claim=claim, item="discharge_summary")
        assert (material.status, material.files_uploaded) == ("received", 1)
        assert stored_files() == before

    def test_the_admin_counts_against_the_staff_users_rate(self, desk, filing_ref, claim, upload_rate):
        upload_rate("1/hour")
        filing_url = admin_upload_url(filing_ref)
        assert self.post(desk, filing_url, "residence_proof").status_code == 302
        before = stored_files()
        refused = self.post(desk, f"/admin/reimbursements/claim/{claim.pk}/do/upload/", "id_copy", status="received")
        assert refused.status_code == 200 and refused.context["form"].errors["file"]
        assert stored_files() == before
        assert not ClaimMaterial.objects.get(claim=claim, item="id_copy").file
