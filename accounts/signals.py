"""A staff user's API tokens die with their password.

Whatever changes the password — the admin's password form, ``changepassword``, ``set_password``
in code, ``set_unusable_password`` — changes the stored hash; every staff token of that user is
then deleted, so a token taken with the old password stops working at once. (A hash that Django
upgrades at login, same password, counts too: the user is logging in anyway, and gets a new token.)
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver


def _touches_password(instance, update_fields) -> bool:
    return not instance._state.adding and (update_fields is None or "password" in update_fields)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.note_password_change")
def note_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    if not _touches_password(instance, update_fields):
        instance._password_hash_changed = False
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_hash_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance, created=False, **kwargs) -> None:
    if created or not getattr(instance, "_password_hash_changed", False):
        return
    from accounts.services import staff_tokens_revoke

    staff_tokens_revoke(user=instance)
    instance._password_hash_changed = False
