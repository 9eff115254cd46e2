"""Strings of Django's admin and of the packages we use that their Simplified Chinese catalogs leave in English.

Listing them here lets ``makemessages`` keep their translations in the project's catalog
(``locale/``), which Django consults before every app's. Where a package's string is not marked
for translation at all, its admin is registered again with our labels instead
(``accounts.package_admin``); tests/desks/test_no_english.py finds any that remain.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_STRINGS = (
    gettext_noop("Error:"),
    # The index's and the app pages' table heads (read by screen readers).
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # The page that adds a user.
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
)

SIMPLE_HISTORY_STRINGS = (
    gettext_noop("Changes"),
    gettext_noop("Deleted %(type_name)s"),
)

# django-axes: the lockouts' pages (models, fields, filters, action).
AXES_STRINGS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
)

# django-celery-beat: the schedules' pages.
CELERY_BEAT_STRINGS = (
    gettext_noop("Arguments"),
    gettext_noop("Schedule"),
    gettext_noop("Periodic Tasks Using This Schedule"),
)

# djangorestframework-api-key: the fields of a channel's key.
API_KEY_STRINGS = (
    gettext_noop("Expires"),
    gettext_noop("Once API key expires, clients cannot use it anymore."),
    gettext_noop("The API key has been revoked, which cannot be undone."),
)
