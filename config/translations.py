"""Strings of Django's own admin templates that its Simplified Chinese catalog leaves in English.

Listing them here lets ``makemessages`` keep their translations in the project's catalog
(``locale/``), which Django consults before its own.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_STRINGS = (gettext_noop("Error:"),)
