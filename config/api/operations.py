"""The API's operations as a client names them: an operation id that reads as a verb, and a one-line summary.

drf-spectacular derives ids from URL and view (``v1_filings_revoke_create``); generated clients turn them into
method names, so the contract names them here, in one place, and ``name_operations`` (a post-processing hook)
writes them into the schema. An operation missing from this table is reported as a schema warning (and fails
``tests/api/test_schema_names.py``), never shipped with a generated name.
"""

from __future__ import annotations

# drf-spectacular's id -> (operationId, summary)
OPERATIONS: dict[str, tuple[str, str]] = {
    # credentials
    "v1_auth_token_create": ("createStaffToken", "Log in as staff: a token for the Token scheme"),
    "v1_auth_logout_create": ("revokeStaffToken", "Log out: revoke the staff token sent"),
    "v1_person_sessions_create": ("createPersonSession", "Open a session for a person the channel has verified"),
    "v1_person_sessions_current_logout_create": ("endPersonSession", "End the person session sent"),
    # reference data
    "v1_regions_list": ("listRegions", "List provinces and cities"),
    "v1_regions_retrieve": ("getRegion", "Get a province or city"),
    "v1_institutions_list": ("listInstitutions", "List medical institutions"),
    "v1_institutions_retrieve": ("getInstitution", "Get a medical institution"),
    "v1_requirements_retrieve": ("getRequirements", "The material checklist of a filing type or claim kind"),
    # persons
    "v1_persons_list": ("listPersons", "List insured persons"),
    "v1_persons_create": ("createPerson", "Register an insured person"),
    "v1_persons_retrieve": ("getPerson", "Get an insured person (a purpose reveals the full numbers)"),
    "v1_persons_partial_update": ("updatePerson", "Correct an insured person's contact details"),
    # filings
    "v1_filings_list": ("listFilings", "List filings"),
    "v1_filings_create": ("createFiling", "Submit a filing"),
    "v1_filings_retrieve": ("getFiling", "Get a filing with its checklist and history"),
    "v1_filings_approve_create": ("approveFiling", "Approve a submitted filing"),
    "v1_filings_reject_create": ("rejectFiling", "Reject a submitted filing"),
    "v1_filings_withdraw_create": ("withdrawFiling", "Withdraw a filing before it is decided"),
    "v1_filings_revoke_create": ("revokeFiling", "Revoke an effective filing"),
    "v1_filings_change_create": ("changeFiling", "Change a filing: a new filing replaces it"),
    "v1_filings_contact_create": ("correctFilingContact", "Correct a filing's contact name or phone"),
    "v1_filings_events_list": ("listFilingEvents", "A filing's history, oldest first"),
    "v1_filings_materials_retrieve": ("downloadFilingMaterial", "Download the current document of an item"),
    "v1_filings_materials_create": ("uploadFilingMaterial", "Upload a document for an item"),
    "v1_eligibility_retrieve": ("checkEligibility", "Is this person covered here today for this visit, and why"),
    # claims
    "v1_claims_list": ("listClaims", "List claims"),
    "v1_claims_create": ("createClaim", "Submit a manual reimbursement claim"),
    "v1_claims_retrieve": ("getClaim", "Get a claim with its checklist, estimate or frozen breakdown"),
    "v1_claims_submit_create": ("resubmitClaim", "Resubmit a claim after 补正"),
    "v1_claims_request_materials_create": ("requestClaimMaterials", "Ask for missing materials (补正)"),
    "v1_claims_start_review_create": ("startClaimReview", "Start reviewing a claim"),
    "v1_claims_approve_create": ("approveClaim", "Approve a claim: the amount is computed and frozen"),
    "v1_claims_reject_create": ("rejectClaim", "Reject a claim"),
    "v1_claims_pay_create": ("payClaim", "Record a claim's payment"),
    "v1_claims_withdraw_create": ("withdrawClaim", "Withdraw a claim before it is decided"),
    "v1_claims_events_list": ("listClaimEvents", "A claim's history, oldest first"),
    "v1_claims_materials_retrieve": ("downloadClaimMaterial", "Download the file of a checklist item"),
    "v1_claims_materials_create": ("uploadClaimMaterial", "Upload a file for a checklist item"),
    "v1_claims_materials_status_create": ("setClaimMaterialStatus", "Set a checklist item's status (counter)"),
    # notifications and audit
    "v1_notifications_retrieve": ("listNotifications", "Notifications, oldest first, after a cursor"),
    "v1_audit_events_retrieve": ("listAuditEvents", "Every state event of filings and claims, a page at a time"),
    "v1_audit_events_csv_retrieve": ("exportAuditEvents", "Every state event the filters select, as one CSV"),
    "v1_audit_events_xlsx_retrieve": (
        "exportAuditEventsXlsx",
        "Every state event the filters select, as one Excel workbook",
    ),
    "v1_audit_access_list": ("listPersonDataAccess", "The log of personal data revealed, and to whom"),
    # statistics
    "v1_stats_filings_retrieve": ("getFilingStatistics", "Filings in a period and a year before, by group"),
    "v1_stats_claims_retrieve": ("getClaimStatistics", "Claims and their money in a period and a year before"),
    "v1_stats_service_retrieve": ("getServiceStatistics", "Time to decision against the deadline, by desk or reviewer"),
    "v1_stats_eligibility_retrieve": ("getEligibilityStatistics", "Eligibility answers: covered share and reasons"),
    "v1_audit_persons_as_of_retrieve": ("getPersonAsOf", "A person's filings and eligibility as of a past instant"),
}
