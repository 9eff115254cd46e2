from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications and review deadlines")

    def ready(self) -> None:
        from config.transitions import state_changed
        from notifications.receivers import notify_on_state_change

        # Every state change of a filing or a claim passes here, inside its own transaction.
        state_changed.connect(notify_on_state_change, dispatch_uid="notifications.notify_on_state_change")
