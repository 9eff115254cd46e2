"""Names for the history pages of Django and django-simple-history: staff as 姓名（角色）, never a username."""

from django import template

from config.actors import staff_name_and_role

register = template.Library()


@register.filter
def staff_label(user) -> str:
    """``{{ record.history_user|staff_label }}`` → 王敏（窗口经办）; no user → ""."""
    return staff_name_and_role(user) if user is not None else ""
