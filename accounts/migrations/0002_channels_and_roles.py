"""Load the channels of SPEC §2 and create the staff role groups (permissions follow post_migrate)."""

from django.db import migrations

CHANNELS = [
    ("xm_wechat", "厦门医疗保障微信公众号/小程序", "mobile", "服务大厅 → 异地就医备案"),
    ("mzt_app", "闽政通APP", "mobile", "医保服务 → 异地就医备案"),
    ("fj_web", "福建医保服务平台网上服务大厅", "online", "我要办 → 异地就医备案登记"),
    ("nhsa_app", "国家医保服务平台APP", "online", "异地就医 → 备案"),
    ("nhsa_miniprogram", "国家异地就医备案微信小程序", "online", "异地就医备案"),
    ("kiosk", "厦门e政务自助服务终端", "self_service", "医保服务 → 业务办理 → 异地就医备案"),
    ("counter", "医保经办窗口", "counter", "医保经办机构、定点医院医保服务窗口、街道（镇）、村（社区）便民服务中心"),
    ("hospital", "定点医疗机构", "hospital", "就医时确认与转诊医院备案"),
]
ROLES = ["counter", "reviewer", "auditor", "admin"]


def load(apps, schema_editor):
    Channel = apps.get_model("accounts", "Channel")
    Group = apps.get_model("auth", "Group")
    for code, name, group, description in CHANNELS:
        Channel.objects.update_or_create(code=code, defaults={"name": name, "group": group,
                                                              "description": description})
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
