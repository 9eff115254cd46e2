"""What the audit app hears from the apps below it."""

from __future__ import annotations

from audit.services import eligibility_question_record


def record_eligibility_answer(sender, *, actor, key_prefix, id_number, city_code, on, visit, answer, **kwargs) -> None:
    """Connected to ``filings.api.views.eligibility_answered``: one row per answer, before it is returned."""
    eligibility_question_record(
        actor=actor,
        key_prefix=key_prefix,
        id_number=id_number,
        city_code=city_code,
        on=on,
        visit=visit,
        covered=answer.covered,
        reason_code=answer.reason_code,
    )
