from django.contrib.admin.apps import AdminConfig


class BureauAdminConfig(AdminConfig):
    """Django's admin with the bureau's site (``config.admin_site.BureauAdminSite``)."""

    default_site = "config.admin_site.BureauAdminSite"
