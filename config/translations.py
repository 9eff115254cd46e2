"""Strings of Django's admin and of django-axes that their Simplified Chinese catalogs leave in English.

Listing them here lets ``makemessages`` keep their translations in the project's catalog
(``locale/``), which Django consults before every app's.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_STRINGS = (gettext_noop("Error:"),)
