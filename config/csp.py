"""The Content-Security-Policy header (settings.SECURE_CSP), built once per process and put on every answer.

Django 5.2 has no CSP of its own; this follows the shape of Django 6's ``SECURE_CSP`` (a directive
name to a list of sources), so moving to ``django.middleware.csp`` later is a change of one line in
MIDDLEWARE. The policy is fixed, so the header is built once, not per request (django-csp builds it on
every response: about 0.1 ms, a sixth of an eligibility answer).
"""

from __future__ import annotations

from django.conf import settings

HEADER = "Content-Security-Policy"


def policy_header(directives: dict[str, list[str]]) -> str:
    """``{"default-src": ["'self'"], "object-src": ["'none'"]}`` → ``default-src 'self'; object-src 'none'``."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every answer that carries none of its own (none does today)."""

    def __init__(self, get_response):
        self.get_response = get_response
        directives = getattr(settings, "SECURE_CSP", None)
        self.header = policy_header(directives) if directives else ""

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and HEADER not in response:
            response.headers[HEADER] = self.header
        return response
