"""Staff users, channels with their API keys, and the short sessions channels open for persons."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken
from rest_framework_api_key.models import AbstractAPIKey

from accounts.choices import ChannelGroup, Role
from accounts.webhooks import validate_webhook_url
from config.actors import Actor


class StaffUserManager(UserManager):
    """Django's user manager, except that a password it is given must pass ``AUTH_PASSWORD_VALIDATORS``.

    ``createsuperuser`` ends here in both its modes: asked on a terminal, where Django would offer to
    skip the validators, and with ``--noinput`` and ``DJANGO_SUPERUSER_PASSWORD``, where it checks
    nothing. A refused password is a ``ValidationError``, which the command reports (in Chinese).
    """

    def _create_user_object(self, username, email, password, **extra_fields):
        user = super()._create_user_object(username, email, password, **extra_fields)
        if password is not None:
            password_validation.validate_password(password, user=user)
        return user


class User(AbstractUser):
    """A member of the bureau's staff (经办、审核、稽核、管理员).

    ``role`` is the source of truth; the matching auth group mirrors it so that the
    Django admin's model permissions follow the role.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)

    objects = StaffUserManager()

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_role = self.role

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding or self.role != self._saved_role:
            self._sync_role_group()
            self._saved_role = self.role

    def _sync_role_group(self) -> None:
        self.groups.remove(*Group.objects.filter(name__in=Role.values))
        if self.role:
            self.groups.add(Group.objects.get_or_create(name=self.role)[0])

    @property
    def actor(self) -> Actor:
        """How this account acts in services: in its role, at the counter's channel."""
        return Actor.staff(self)


class Channel(models.Model):
    """A way in (办理渠道): a mobile app, a web hall, a kiosk, the counter, or hospitals."""

    code = models.SlugField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    group = models.CharField(_("group"), max_length=16, choices=ChannelGroup.choices)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Where the persons' notifications are POSTed (signed with the secret); empty: the channel pulls them.
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        validators=[validate_webhook_url],
        help_text=_("Notifications are POSTed here, signed; empty: the channel reads GET /api/v1/notifications/."),
    )
    webhook_secret = models.CharField(_("webhook signing secret"), max_length=128, blank=True, editable=False)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name  # names are what people read; the code is a column of its own where machines need it

    @property
    def is_hospital(self) -> bool:
        """The one definition of a hospital: a channel of the hospital group (its keys act as hospitals)."""
        return self.group == ChannelGroup.HOSPITAL


class ChannelAPIKey(AbstractAPIKey):
    """A credential of a channel backend or a hospital; only its hash is stored."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="api_keys", verbose_name=_("channel"))
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("institution"),
        help_text=_("A hospital's key belongs to its institution: referrals and questions are made as it."),
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("channel API key")
        verbose_name_plural = _("channel API keys")


class PersonSession(models.Model):
    """A short-lived token a channel obtains for a person whose identity it has verified."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="sessions", verbose_name=_("person")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="person_sessions", verbose_name=_("channel")
    )
    # The key that opened the session: revoking it (or its expiry) ends the session with it.
    api_key = models.ForeignKey(
        "accounts.ChannelAPIKey",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="person_sessions",
        verbose_name=_("API key"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("person session")
        verbose_name_plural = _("person sessions")

    def __str__(self) -> str:
        return _("%(person)s at %(channel)s, until %(time)s") % {
            "person": self.person_id,
            "channel": self.channel_id,
            "time": f"{timezone.localtime(self.expires_at):%Y-%m-%d %H:%M}",
        }


class StateEvent(models.Model):
    """Base of the append-only event of a state change: who acted, through which channel, when and why.

    Each aggregate's event adds its foreign key and its own ``action``, ``from_state`` and
    ``to_state`` choices. Rows are never updated nor deleted: Python refuses here, and the
    database refuses too (a pgtrigger on PostgreSQL, triggers on SQLite).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff actor"),
    )
    actor_label = models.CharField(
        _("actor"), max_length=80, help_text=_("Who acted: staff:<username>, person:<id>, channel:<code>, system.")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("channel")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    changes = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("What changed: {field: [old, new]}.")
    )

    class Meta:
        abstract = True
        ordering = ["at", "id"]
        # The auditors' feed pages every event table by (at, id); time-range filters use it too.
        indexes = [models.Index(fields=["at", "id"], name="%(app_label)s_%(class)s_feed")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.get_from_state_display() or '∅'} → {self.get_to_state_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only.")

    @classmethod
    def record(
        cls,
        *,
        actor,
        action: str,
        from_state: str | None,
        to_state: str,
        reason: str = "",
        changes: dict | None = None,
        **subject,
    ):
        """Append the event of one state change; ``actor`` is an ``accounts.actors.Actor``."""
        return cls.objects.create(
            action=action,
            from_state=from_state or "",
            to_state=to_state,
            actor=actor.user,
            actor_label=actor.label,
            channel_id=actor.channel_code,
            at=timezone.now(),
            reason=reason,
            changes=changes or {},
            **subject,
        )


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key``, so that a retry gets it again.

    One row per caller and key (``config.api.idempotency`` reads and writes them): created before
    the work starts, locked while it runs, and filled with the answer in the work's own
    transaction. The key itself is not stored, only its hash, and the answer is encrypted with a
    key derived from it: the table holds no readable personal data nor session tokens.
    """

    caller = models.CharField(_("caller"), max_length=100, help_text=_("staff:<id>, channel:<code>, person:<id>."))
    key_hash = models.CharField(_("key hash"), max_length=64)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response = models.BinaryField(_("answer (encrypted)"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["caller", "key_hash"], name="accounts_idempotency_one_per_caller_key")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key_hash[:12]}…"


class StaffToken(AuthToken):
    """A staff API token (django-rest-knox's table) as the admin lists it: whose, since, until; never its secret."""

    class Meta:
        proxy = True
        verbose_name = _("staff API token")
        verbose_name_plural = _("staff API tokens")

    def __str__(self) -> str:
        return f"{self.user} {timezone.localtime(self.created):%Y-%m-%d %H:%M}"
