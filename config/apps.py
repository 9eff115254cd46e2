from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class BureauAdminConfig(AdminConfig):
    """Django's admin with the bureau's site (``config.admin_site.BureauAdminSite``).

    On ready, the admin's yes/no icons say 是/否 to a screen reader (Django writes True/False there).
    """

    default_site = "config.admin_site.BureauAdminSite"

    def ready(self):
        super().ready()
        from django.db.backends.signals import connection_created

        from config import admin_icons, db_loaders

        admin_icons.install()
        connection_created.connect(db_loaders.register, dispatch_uid="config.db_loaders")


class LockoutsConfig(AxesAppConfig):
    """django-axes under a name the index shows in Chinese (its own is "Axes")."""

    verbose_name = _("login lockouts")
