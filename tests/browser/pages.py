"""The admin pages as the browser tests use them: every URL, selector and visible label in one place.

When the admin's pages change, this is the file to adjust. Elements are found by what a person
sees (a link's Chinese name, a button's label) or by Django's stable ids; never by layout.

``Desk`` wraps a Playwright page and counts what a person does on it: clicks (opening a list and
choosing from it are two), fields typed, and page loads (navigations of the main frame), so a
test can report the cost of a counter task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

# UserFactory gives every account this password (tests/factories.py).
PASSWORD = "correct horse battery"

# Admin URLs.
LOGIN = "/admin/login/?next=/admin/"
INDEX = "/admin/"
PERSONS = "/admin/registry/person/"
FILINGS = "/admin/filings/filing/"
FILING_ADD = "/admin/filings/filing/add/"
FILING_QUEUE = "/admin/filings/filingreviewqueue/"
CLAIMS = "/admin/reimbursements/claim/"
CLAIM_ADD = "/admin/reimbursements/claim/add/"
CLAIM_QUEUE = "/admin/reimbursements/claimreviewqueue/"
AUDIT_EVENTS = "/admin/audit/auditevent/"


def filing_url(pk: int) -> str:
    return f"{FILINGS}{pk}/change/"


def filing_history_url(pk: int) -> str:
    return f"{FILINGS}{pk}/history/"


def claim_url(pk: int) -> str:
    return f"{CLAIMS}{pk}/change/"


# Labels the pages show (zh-hans), as the tests look for them.
class Label:
    USERNAME = "用户名"
    PASSWORD = "密码"
    LOG_IN = "登录"
    LOG_OUT = "注销"
    SITE = "异地就医备案与手工报销"
    PERSONS = "参保人"
    FILINGS = "备案"
    FILING_QUEUE = "审核队列（快速备案）"
    DECISIONS = "审核决定报表（备案与报销）"
    CLAIMS = "手工报销申请"
    CLAIM_QUEUE = "待审核队列（报销申请）"
    ADD = "增加"
    SEARCH = "搜索"
    GO = "执行"
    CONFIRM = "确认"
    SAVE = "保存"
    TODAY = "今天"
    HISTORY = "历史"
    # Transitions, as the state machines name them.
    APPROVE = "审核通过"
    REJECT = "不予通过"  # a filing
    REFUSE_PAYMENT = "不予支付"  # a claim
    START_REVIEW = "开始审核"
    PAY = "支付"
    REQUEST_MATERIALS = "通知补正材料"
    WITHDRAW = "撤回"
    REVOKE = "撤销"
    CHANGE = "变更"
    CORRECT_CONTACT = "更正联系人信息"
    APPROVE_FILINGS = "审核通过所选备案"
    REJECT_FILINGS = "不予通过所选备案"
    ACCEPTED = "已受理"
    RECEIVED = "已收取"
    REJECTED = "不予受理"
    # The steps of the materials panel.
    STEP_RECEIVE = "收取"
    STEP_ACCEPT = "受理"
    STEP_REJECT = "不予受理"
    RESUBMIT = "补正后重新提交"


# Every transition label a record page may offer; a role sees a subset.
TRANSITION_LABELS = {
    Label.APPROVE,
    Label.REJECT,
    Label.REFUSE_PAYMENT,
    Label.START_REVIEW,
    Label.PAY,
    Label.REQUEST_MATERIALS,
    Label.WITHDRAW,
    Label.REVOKE,
    Label.CHANGE,
    Label.CORRECT_CONTACT,
}


@dataclass
class Tally:
    clicks: int = 0
    typed: int = 0
    loads: int = 0

    def __str__(self) -> str:
        return f"{self.clicks} clicks, {self.typed} fields typed, {self.loads} page loads"


class Desk:
    """A page plus what a person did on it since ``start``."""

    def __init__(self, page: Page):
        self.page = page
        self.tally = Tally()
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.tally.loads += 1

    def start(self) -> Tally:
        self.tally = Tally()
        return self.tally

    # --- what a person does (counted) ---------------------------------------------------------------

    def click(self, target: Locator) -> None:
        target.click()
        self.tally.clicks += 1

    def follow(self, target: Locator) -> None:
        """Click a link or button that loads another page, and wait until it has loaded."""
        with self.page.expect_navigation():
            target.click()
        self.tally.clicks += 1

    def type(self, target: Locator, text: str) -> None:
        target.fill(text)
        self.tally.typed += 1

    def choose(self, select: Locator, label: str) -> None:
        """Pick an entry of a plain <select> by its visible label: open the list, click the entry
        (nothing to do, and nothing counted, when it already shows that entry)."""
        if select.evaluate("s => s.selectedIndex >= 0 ? s.options[s.selectedIndex].text.trim() : ''") == label:
            return
        select.select_option(label=label)
        self.tally.clicks += 2

    def autocomplete(self, field_id: str, query: str, choice: str) -> None:
        """An admin autocomplete (select2): open it, type, pick the entry showing ``choice``."""
        self.click(self.page.locator(f".select2-selection[aria-labelledby='select2-{field_id}-container']"))
        self.type(self.page.locator(".select2-container--open .select2-search__field"), query)
        self.click(self.page.locator(".select2-results__option", has_text=choice).first)

    # --- navigation not counted (setting the scene) -------------------------------------------------

    def goto(self, url: str) -> None:
        self.page.goto(url)

    # --- reading the page ---------------------------------------------------------------------------

    def text(self) -> str:
        return self.page.locator("body").inner_text()

    def success_message(self) -> str:
        """The page's success message (after a save or an action); fails showing the errors otherwise."""
        message = self.page.locator("ul.messagelist li.success").first
        if not message.count():
            raise AssertionError(f"no success message on {self.page.url}; errors: {self.error_messages()}")
        return message.inner_text()

    def error_messages(self) -> list[str]:
        return self.page.locator("ul.messagelist li.error, .errornote, ul.errorlist li").all_inner_texts()

    def action_labels(self) -> list[str]:
        """The entries of a change list's action dropdown (none when it has no dropdown)."""
        select = self.page.locator("select[name=action]")
        if not select.count():
            return []
        return [label.strip() for label in select.locator("option").all_inner_texts() if label.strip("- ")]

    def record_tasks(self) -> list[str]:
        """The tasks a record's page offers (links in its object tools)."""
        return [label.strip() for label in self.page.locator("a.record-task").all_inner_texts()]

    def offered_transitions(self) -> set[str]:
        return set(self.record_tasks()) & TRANSITION_LABELS

    def save_buttons(self) -> int:
        return self.page.locator(".submit-row input[type=submit]").count()


# --- pages ----------------------------------------------------------------------------------------------


def log_in(desk: Desk, username: str, password: str = PASSWORD) -> None:
    """Through the admin's login form, as a person would; lands on the admin index."""
    page = desk.page
    desk.goto(LOGIN)
    expect(page.locator("label[for=id_username]")).to_contain_text(Label.USERNAME)
    expect(page.locator("label[for=id_password]")).to_contain_text(Label.PASSWORD)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name=Label.LOG_IN).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_contain_text(Label.SITE)


def index_link(desk: Desk, name: str) -> Locator:
    """A model's link on the admin index (its name, exactly)."""
    return desk.page.locator("#content-main th[scope=row]").get_by_role("link", name=name, exact=True)


def file_for_person(desk: Desk) -> None:
    """From a person's page to the filing form: its "file for this person" link where the page has
    one, else the 增加 beside 备案 in the navigation sidebar."""
    link = desk.page.locator("#content a.file-for-person")
    desk.follow(link if link.count() else desk.page.locator(f"#main a[href^='{FILING_ADD}']").first)


def claim_for_person(desk: Desk) -> None:
    """From a person's page to the counter's claim form ("claim for this person")."""
    desk.follow(desk.page.locator("#content a.claim-for-person"))


def search(desk: Desk, text: str) -> None:
    desk.type(desk.page.locator("#searchbar"), text)
    desk.follow(desk.page.locator("#changelist-search").get_by_role("button", name=Label.SEARCH))


def result_rows(desk: Desk) -> Locator:
    return desk.page.locator("#result_list tbody tr")


def result_link(desk: Desk, text: str) -> Locator:
    """The link of a change list's row (its first column) showing ``text``."""
    return desk.page.locator("#result_list tbody").get_by_role("link", name=text)


def run_action(desk: Desk, row_text: str, action_label: str) -> None:
    """Tick the row showing ``row_text``, choose the action, press 执行, read what it will do, press 确认."""
    row = result_rows(desk).filter(has_text=row_text)
    desk.click(row.locator("input.action-select"))
    desk.choose(desk.page.locator("select[name=action]"), action_label)
    desk.follow(desk.page.get_by_role("button", name=Label.GO))
    listed = desk.page.locator("#content li").all_inner_texts()
    assert any(row_text in item for item in listed), f"the confirmation does not list {row_text}: {listed}"
    desk.follow(desk.page.get_by_role("button", name=Label.CONFIRM))


def open_task(desk: Desk, label: str) -> None:
    desk.follow(desk.page.locator("a.record-task", has_text=label))


def confirm_task(desk: Desk, label: str) -> None:
    """Press the task page's button (it bears the task's label)."""
    desk.follow(desk.page.locator(f"#task-form input[type=submit][value='{label}']"))


def task_confirmation(desk: Desk) -> dict[str, str]:
    """The facts a task page shows before its button (label → value)."""
    rows = desk.page.locator("#task-confirm tr")
    return {
        rows.nth(i).locator("th").inner_text().strip(): rows.nth(i).locator("td").inner_text().strip()
        for i in range(rows.count())
    }


# --- the counter's filing form --------------------------------------------------------------------------


def filing_form_fill(
    desk: Desk,
    *,
    person_query: str,
    person_choice: str,
    filing_type: str,
    destination: str,
    contact_name: str,
    contact_phone: str | None,
) -> None:
    """``contact_phone=None``: the person's number on record (the form offers it, masked)."""
    page = desk.page
    if not page.locator("#id_person").input_value():  # not chosen already by the link that led here
        desk.autocomplete("id_person", person_query, person_choice)
    desk.choose(page.locator("#id_filing_type"), filing_type)
    desk.autocomplete("id_destination", destination, destination)
    if not page.locator("#id_start_date").input_value():  # the form may start from today already
        desk.click(page.locator(".field-start_date").get_by_role("link", name=Label.TODAY))
    for field, value in (("#id_contact_name", contact_name), ("#id_contact_phone", contact_phone)):
        if value is not None and page.locator(field).input_value() != value:  # the contact may be the person
            desk.type(page.locator(field), value)
    desk.click(page.locator("#id_consent"))


def save(desk: Desk) -> None:
    desk.follow(desk.page.locator(".submit-row input[name=_save]"))


# --- a claim's checklist (the materials panel atop its page) -------------------------------------------


def checklist_row(desk: Desk, item_name: str) -> Locator:
    """The panel's row of the item named ``item_name``."""
    return desk.page.locator("#materials-panel tr.material-row").filter(
        has=desk.page.locator(".material-label", has_text=item_name)
    )


def checklist_names(desk: Desk) -> list[str]:
    return [n.strip() for n in desk.page.locator("#materials-panel .material-label").all_inner_texts()]


def checklist_status_text(desk: Desk, item_name: str) -> str:
    return checklist_row(desk, item_name).locator(".material-status").inner_text().strip()


def checklist_step(desk: Desk, item_name: str, label: str) -> None:
    """Press a step (收取, 受理, 不予受理) on the item's row; the page comes back with the item changed."""
    desk.follow(checklist_row(desk, item_name).get_by_role("button", name=label, exact=True))


def checklist_attach(desk: Desk, item_name: str, path) -> None:
    """Choose the scan for the item's row (one click in the file dialog) and attach it (one more)."""
    row = checklist_row(desk, item_name)
    row.locator("input[type=file]").set_input_files(path)
    desk.tally.clicks += 1
    desk.follow(row.locator("button.material-upload"))


def checklist_summary(desk: Desk) -> str:
    return desk.page.locator("#materials-panel .materials-summary").inner_text()


# --- the counter's claim form ---------------------------------------------------------------------------


def claim_form_fill(
    desk: Desk,
    *,
    person_query: str,
    person_choice: str,
    claim_kind: str,
    reason: str,
    institution_name: str,
    institution_level: str,
    city: str,
    admission: str,
    discharge: str,
    total: str,
    invoice_number: str,
) -> None:
    """The fields a counter types for an inpatient claim with one invoice (dates as YYYY-MM-DD)."""
    page = desk.page
    if not page.locator("#id_person").input_value():
        desk.autocomplete("id_person", person_query, person_choice)
    desk.choose(page.locator("#id_claim_kind"), claim_kind)
    desk.choose(page.locator("#id_reason"), reason)
    desk.type(page.locator("#id_institution_name"), institution_name)
    desk.choose(page.locator("#id_institution_level"), institution_level)
    desk.autocomplete("id_city", city, city)
    desk.type(page.locator("#id_admission_date"), admission)
    desk.type(page.locator("#id_discharge_date"), discharge)
    desk.type(page.locator("#id_total_amount"), total)
    row = page.locator("#invoices tr.invoice-row").first
    desk.type(row.locator("input[name$='-code']"), "31000026")
    desk.type(row.locator("input[name$='-number']"), invoice_number)
    desk.type(row.locator("input[name$='-amount']"), total)
    desk.type(row.locator("input[name$='-issued_on']"), discharge)


def make_claim(desk: Desk) -> None:
    desk.follow(desk.page.locator("#claim_form .submit-row input[type=submit]"))


# --- the administrator's pages ---------------------------------------------------------------------------

STAFF = "/admin/accounts/user/"
STAFF_ADD = "/admin/accounts/user/add/"
API_KEYS = "/admin/accounts/channelapikey/"
LOCKOUTS = "/admin/axes/accessattempt/"
PERIODIC_TASKS = "/admin/django_celery_beat/periodictask/"


def staff_form_fill(desk: Desk, *, username: str, role: str, password: str) -> None:
    """The staff form as an administrator fills it: a username, a role, the password twice."""
    page = desk.page
    desk.type(page.locator("#id_username"), username)
    desk.choose(page.locator("#id_role"), role)
    desk.type(page.locator("#id_password1"), password)
    desk.type(page.locator("#id_password2"), password)
