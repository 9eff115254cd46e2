"""What each staff role may do in the Django admin, as data.

The API checks roles directly (accounts.permissions); the admin relies on Django's model
permissions, which this module grants to each role's group after every migration.
"""

from __future__ import annotations

from accounts.choices import Role

# Every other model of the domain apps (policy tables, channels, holidays) only administrators
# change; the other roles may view it.
# Models counter staff add and change (besides viewing everything of the domain).
COUNTER_WRITES = {
    "registry.person",
    "registry.insuredperiod",
    "registry.chronicqualification",
    "filings.filing",
    "reimbursements.claim",
    "reimbursements.claimmaterial",
}
# Models reviewers change (their decisions are admin actions on these).
REVIEWER_WRITES = {
    "filings.filing",
    "filings.filingreviewqueue",
    "reimbursements.claim",
    "reimbursements.claimreviewqueue",
}
DOMAIN_APPS = {"accounts", "registry", "filings", "reimbursements", "notifications"}
# The schedule of the system's jobs: administrators edit it, nobody else sees it.
ADMIN_ONLY_APPS = {"auth", "knox", "axes", "django_celery_beat"}


def permissions_for(role: str, all_perms: list[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """Pick (app_label, codename) pairs for a role from (app_label, model, codename) triples."""
    chosen: set[tuple[str, str]] = set()
    for app_label, model, codename in all_perms:
        label = f"{app_label}.{model}"
        action = codename.split("_", 1)[0]
        if role == Role.ADMIN:
            if app_label in DOMAIN_APPS or app_label in ADMIN_ONLY_APPS:
                chosen.add((app_label, codename))
        elif app_label not in DOMAIN_APPS or label in {
            "accounts.user",
            "accounts.personsession",
            "accounts.channelapikey",
            "accounts.stafftoken",
        }:
            continue
        elif action == "view":
            chosen.add((app_label, codename))
        elif role == Role.COUNTER and label in COUNTER_WRITES and action in {"add", "change"}:
            chosen.add((app_label, codename))
        elif role == Role.REVIEWER and label in REVIEWER_WRITES and action == "change":
            chosen.add((app_label, codename))
    return chosen


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Ensure every role's group exists and holds exactly its permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    perms = list(Permission.objects.select_related("content_type"))
    triples = [(p.content_type.app_label, p.content_type.model, p.codename) for p in perms]
    by_key = {(p.content_type.app_label, p.codename): p for p in perms}
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = {by_key[key] for key in permissions_for(role, triples)}
        if set(group.permissions.all()) != wanted:
            group.permissions.set(wanted)
