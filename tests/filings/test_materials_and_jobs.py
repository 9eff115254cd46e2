"""Filing materials (uploads) and the system transitions run as commands."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from filings.models import Filing, FilingEvent, FilingMaterial
from tests.factories import FilingFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/filings/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(client, ref, item, content=PDF, name="doc.pdf"):
    return client.post(f"{URL}{ref}/materials/{item}/", {"file": SimpleUploadedFile(name, content)}, format="multipart")


@pytest.fixture
def person():
    return PersonFactory(retired=True)


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


@pytest.fixture
def pending(me):
    response = me.post(
        URL,
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
    return response.json()["reference"]


class TestMaterials:
    def test_person_uploads_a_pdf_and_the_checklist_shows_it(self, me, pending):
        response = upload(me, pending, "residence_proof")
        assert response.status_code == 201, response.content
        assert response.json()["content_type"] == "application/pdf"
        checklist = {i["item"]: i for i in me.get(f"{URL}{pending}/").json()["checklist"]}
        assert checklist["residence_proof"]["present"] is True
        assert checklist["registration_form"]["present"] is False
        assert FilingMaterial.objects.get().file.read() == PDF

    def test_png_is_accepted_by_content_even_with_a_misleading_name(self, counter, pending):
        response = upload(counter, pending, "registration_form", PNG, name="scan.pdf")
        assert response.status_code == 201
        assert response.json()["content_type"] == "image/png"

    @pytest.mark.parametrize("content", [b"GIF89a" + b"\x00" * 32, b"just text, named like a pdf", b""])
    def test_other_types_are_refused_naming_file(self, me, pending, content):
        response = upload(me, pending, "residence_proof", content)
        assert response.status_code == 400
        assert "file" in response.json()["errors"]
        assert FilingMaterial.objects.count() == 0

    def test_files_over_10_mb_are_refused(self, me, pending, settings):
        settings.UPLOAD_MAX_BYTES = 1024
        response = upload(me, pending, "residence_proof", PDF + b"0" * 2048)
        assert response.status_code in (400, 413)
        assert FilingMaterial.objects.count() == 0

    def test_unknown_item_is_404_and_missing_file_400(self, me, pending):
        assert upload(me, pending, "passport").status_code == 404
        response = me.post(f"{URL}{pending}/materials/residence_proof/", {}, format="multipart")
        assert response.status_code == 400 and "file" in response.json()["errors"]

    def test_another_persons_filing_is_404_and_reviewers_do_not_upload(self, client_for, pending):
        stranger = client_for(person=PersonFactory())
        assert upload(stranger, pending, "residence_proof").status_code == 404
        assert upload(client_for(role="reviewer"), pending, "residence_proof").status_code == 403

    def test_decided_filing_takes_no_documents(self, me, reviewer, pending):
        for item in ("registration_form", "residence_proof"):
            assert upload(me, pending, item).status_code == 201
        assert reviewer.post(f"{URL}{pending}/approve/").status_code == 200
        assert upload(me, pending, "residence_proof").status_code == 409

    def test_commitment_is_fulfilled_when_the_promised_documents_arrive(self, me):
        ref = me.post(
            URL,
            {
                "filing_type": "retiree_resettled",
                "destination": "310000",
                "start_date": timezone.localdate().isoformat(),
                "contact_name": "张三",
                "contact_phone": "13906001234",
                "consent": True,
            },
        ).json()["reference"]
        assert upload(me, ref, "registration_form").status_code == 409  # not the promised document
        assert upload(me, ref, "household_proof").status_code == 201
        assert Filing.objects.get(reference=ref).commitment_fulfilled_at is not None


class TestSystemJobs:
    def test_expire_filings_is_idempotent(self, capsys):
        today = timezone.localdate()
        past = FilingFactory(start_date=today - datetime.timedelta(days=200), end_date=today - datetime.timedelta(1))
        current = FilingFactory()
        open_ended = FilingFactory(
            filing_type="retiree_resettled", end_date=None, start_date=today - datetime.timedelta(days=900)
        )
        call_command("expire_filings")
        assert f"expired {past.reference}" in capsys.readouterr().out
        past.refresh_from_db()
        assert (past.state, past.covered_until) == ("expired", past.end_date)
        assert FilingEvent.objects.get(filing=past).actor_label == "system"
        assert Filing.objects.get(pk=current.pk).state == "effective"
        assert Filing.objects.get(pk=open_ended.pk).state == "effective"
        call_command("expire_filings")
        assert "0 filing(s) expired" in capsys.readouterr().out
        assert FilingEvent.objects.count() == 1

    def test_overdue_commitments_are_revoked_with_a_reason(self, capsys):
        today = timezone.localdate()
        overdue = FilingFactory(
            filing_type="retiree_resettled",
            end_date=None,
            proof_basis="commitment",
            commitment_due_date=today - datetime.timedelta(days=1),
        )
        fulfilled = FilingFactory(
            filing_type="retiree_resettled",
            end_date=None,
            proof_basis="commitment",
            commitment_due_date=today - datetime.timedelta(days=1),
            commitment_fulfilled_at=timezone.now(),
        )
        not_due = FilingFactory(
            filing_type="retiree_resettled", end_date=None, proof_basis="commitment", commitment_due_date=today
        )
        call_command("revoke_overdue_commitments")
        assert f"revoked {overdue.reference}" in capsys.readouterr().out
        overdue.refresh_from_db()
        assert overdue.state == "revoked" and "承诺" in overdue.end_reason
        assert {Filing.objects.get(pk=f.pk).state for f in (fulfilled, not_due)} == {"effective"}
        call_command("revoke_overdue_commitments")
        assert "0 filing(s) revoked" in capsys.readouterr().out

    def test_filings_of_uninsured_persons_are_revoked(self, capsys):
        gone = FilingFactory(person=PersonFactory(insured_status="terminated"))
        kept = FilingFactory()
        call_command("revoke_uninsured")
        assert f"revoked {gone.reference}" in capsys.readouterr().out
        assert Filing.objects.get(pk=gone.pk).state == "revoked"
        assert Filing.objects.get(pk=kept.pk).state == "effective"
        event = FilingEvent.objects.get(filing=gone)
        assert (event.action, event.from_state, event.to_state, event.actor_label) == (
            "revoke",
            "effective",
            "revoked",
            "system",
        )


class TestDownloads:
    def test_owner_and_staff_download_and_nobody_else(self, me, client_for, pending, auditor):
        upload(me, pending, "residence_proof")
        url = f"{URL}{pending}/materials/residence_proof/"
        for client in (me, auditor):
            response = client.get(url)
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Type"] == "application/pdf"
            assert response["Content-Disposition"].startswith("attachment")
        assert client_for(person=PersonFactory()).get(url).status_code == 404
        assert client_for(channel="xm_wechat").get(url).status_code == 403
        assert me.get(f"{URL}{pending}/materials/registration_form/").status_code == 404

    def test_admin_serves_documents_to_staff_who_may_view_the_filing(self, me, pending, client):
        from tests.factories import UserFactory

        upload(me, pending, "residence_proof")
        material = FilingMaterial.objects.get()
        url = f"/admin/filings/filing/{material.filing_id}/document/{material.pk}/"
        client.force_login(UserFactory(role="auditor"))
        page = client.get(f"/admin/filings/filing/{material.filing_id}/change/").content.decode()
        assert url in page
        assert b"".join(client.get(url).streaming_content) == PDF
        assert client.get(f"/admin/filings/filing/{material.filing_id}/document/999/").status_code == 404
        client.logout()
        assert client.get(url).status_code == 302  # to the login page
