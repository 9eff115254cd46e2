"""The admin's yes/no/unknown icons with a Chinese text alternative.

Django renders a boolean as ``<img alt="True">`` (``admin_list._boolean_icon``, which its list, its
read-only fields and ``display_for_field`` all import from that module when they run), so a screen
reader says "True" on every page. The same icon is drawn here with 是/否/未知.
"""

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

ICONS = {True: ("yes", _("yes")), False: ("no", _("no")), None: ("unknown", _("unknown"))}


def boolean_icon(value):
    name, text = ICONS[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), text)


def install() -> None:
    admin_list._boolean_icon = boolean_icon
