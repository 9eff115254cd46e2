"""The accounts' part of the demo data: one staff account per role and a key per channel, printed once."""

from __future__ import annotations

import secrets

from accounts.choices import Role
from accounts.models import Channel, ChannelAPIKey, User
from accounts.services import channel_key_issue, staff_create
from registry.demo import DemoSection


def create_staff_accounts() -> list[tuple[str, str, str]]:
    """One demo account per role, created only when missing; returns (role, username, password) once."""
    created = []
    for role in Role.values:
        username = f"demo_{role}"
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        staff_create(username=username, role=role, password=password)
        created.append((role, username, password))
    return created


# The demo hospital key belongs to a sample Shanghai hospital (it asks at admission there).
DEMO_HOSPITAL_INSTITUTION = "H31010000001"


def issue_channel_keys() -> list[tuple[str, str]]:
    """A key for every channel that has none yet; returns (channel, key) once."""
    issued = []
    for channel in Channel.objects.filter(is_active=True).order_by("code"):
        if ChannelAPIKey.objects.filter(channel=channel).exists():
            continue
        institution = DEMO_HOSPITAL_INSTITUTION if channel.is_hospital else None
        _key, plain = channel_key_issue(
            channel_code=channel.code, name=f"demo {channel.code}", institution_code=institution
        )
        issued.append((channel.code, plain))
    return issued


def load() -> list[DemoSection]:
    staff = create_staff_accounts()
    keys = issue_channel_keys()
    sections = []
    if staff:
        lines = [f"{role:<9} {username:<14} {password}" for role, username, password in staff]
        sections.append(DemoSection("Demo staff accounts (shown only now):", lines, secret=True))
    if keys:
        lines = [f"{code:<17} {key}" for code, key in keys]
        title = "Channel API keys (shown only now; send as 'Authorization: Api-Key <key>'):"
        sections.append(DemoSection(title, lines, secret=True))
    if not staff and not keys:
        sections.append(
            DemoSection("Demo accounts and keys exist already; create new ones with create_staff / issue_key.", [])
        )
    return sections
