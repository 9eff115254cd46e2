"""Every picture the desk manuals (docs/desks/*.md) show, once: the name of its file in docs/desks/screenshots/
and what it shows.

The browser tests write them (the ``manual_screenshot`` fixture refuses a name not listed here), and
tests/architecture/test_manual_screenshots.py checks that each name is shown by a manual and taken by a test,
and that a manual shows no other picture. No Django or Playwright import: the check reads this without either.
"""

MANUAL_SCREENSHOTS: dict[str, str] = {
    # Every desk.
    "login": "the login page",
    # The counter (docs/desks/counter.md).
    "counter-index": "the counter's index: 我的待办",
    "counter-person-search": "the persons list after a search by ID number, the numbers masked",
    "counter-person": "a person's page: 为其办理备案 and 为其申请报销, their filings and claims",
    "counter-filing-form": "the filing form filled in",
    "counter-filing-saved": "a filing just saved: its reference, its state, the counter's tasks",
    "counter-filing-refused": "the filing form refused: the person already has a live filing",
    "counter-correct-contact": "the task 更正联系人信息",
    "counter-revoke": "the task 撤销 of a filing",
    "counter-claim-form": "the claim form filled in",
    "counter-claim-saved": "a claim just made: the materials panel atop its page",
    "counter-materials-panel": "the materials panel: items accepted, one refused with a reason",
    "counter-request-materials": "the task 通知补正材料 naming what is missing",
    "counter-resubmit-refused": "补正后重新提交 refused, naming the item still missing",
    "counter-withdraw-claim": "the task 撤回 of a claim",
    "reveal-form": "查看完整信息（留痕）: which numbers, the purpose and the reason",
    # The reviewer (docs/desks/reviewer.md).
    "reviewer-index": "the reviewer's index: each queue's overdue, due today and due later",
    "reviewer-filing-queue": "the fast-track filings' queue, the most urgent first",
    "reviewer-filing-page": "a filing awaiting review: 审核通过 and 不予通过",
    "reviewer-filing-approve": "the task 审核通过 of a filing: proof, documents, what is missing",
    "reviewer-filing-reject": "the task 不予通过 with its reason",
    "reviewer-bulk-confirm": "a batch action's confirmation: what it will do to which records, 确认",
    "reviewer-claim-queue": "the claims' queue with the materials accepted",
    "reviewer-claim-approval": "the task 审核通过 of a claim: the basis and the amount step by step",
    "reviewer-claim-refuse": "the task 不予支付 with its reason",
    # The auditor (docs/desks/auditor.md).
    "auditor-index": "the auditor's index",
    "auditor-decisions": "审核决定报表: approved claims of last week, their totals and the export",
    "auditor-events": "the event browser: every event, actors by name",
    "auditor-history": "a filing's history",
    "auditor-reveal-log": "个人信息查阅记录: who read whose number, why and when",
    "auditor-statistics-filings": "备案统计",
    "auditor-statistics-claims": "报销统计",
    "auditor-statistics-service": "办理时效统计",
    "auditor-statistics-eligibility": "资格核验统计",
    # The administrator (docs/desks/admin.md).
    "admin-index": "the administrator's index",
    "admin-staff-list": "the staff accounts",
    "admin-staff-form": "a new staff account: username, role, password twice",
    "admin-channel": "a channel's page",
    "admin-api-key-form": "a new API key",
    "admin-api-key-issued": "the new key shown once",
    "admin-api-key-revoke": "revoking a key: the warning and 确认",
    "admin-policy-row": "a benefit policy row in force, read only, with 从某日起调整",
    "admin-policy-change": "从某日起调整: the new values and the day they start",
    "admin-policy-new-row": "the new dated row",
    "admin-holidays": "the holidays and make-up workdays",
    "admin-periodic-tasks": "the scheduled jobs",
    "admin-lockouts": "the lockouts (登录尝试)",
    "admin-pay": "the task 支付 with the payment reference",
}

MANUAL_SCREENSHOT_NAMES = frozenset(MANUAL_SCREENSHOTS)
