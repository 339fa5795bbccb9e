"""The demo accounts of PRODUCT.md "Stable interfaces"."""

import base64
import os

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from loudong.accounts.models import RoleAssignment, User
from loudong.accounts.roles import ADMIN_ROLES, Role

DEFAULT_PASSWORD = "Loudong-demo-2026"

# username, full name, role, which region ("subdistrict", "district", "A", "B"),
# 两委 member, member of the community party organisation (does 社区党组织审查).
DEMO_USERS = [
    ("jiedao", "周建国", Role.SUBDISTRICT_ADMIN, "subdistrict", False, False),
    ("shequ_a", "王秀兰", Role.COMMUNITY_WORKER, "A", True, False),
    ("dangwei_a", "赵立军", Role.COMMUNITY_WORKER, "A", True, True),
    ("shequ_b", "李海燕", Role.COMMUNITY_WORKER, "B", True, False),
    ("dangwei_b", "孙桂芳", Role.COMMUNITY_WORKER, "B", True, True),
    ("loudongzhang", "陈德明", Role.BUILDING_LEADER, "A", False, False),
    ("minzheng", "刘志强", Role.CIVIL_AFFAIRS, "district", False, False),
    ("xitong", "系统管理员", Role.SYSTEM_ADMIN, None, False, False),
    ("anquan", "安全管理员", Role.SECURITY_ADMIN, None, False, False),
    ("shenji", "审计管理员", Role.AUDIT_ADMIN, None, False, False),
]
# The 长春 demo's 三长 besides the 楼栋长 (PRODUCT.md "Stable interfaces").
CHANGCHUN_USERS = [
    ("wanggezhang", "网格长", Role.GRID_HEAD, "A", True, False),
    ("danyuanzhang", "单元长", Role.UNIT_LEADER, "A", False, False),
]


def demo_users(profile: str) -> list[tuple]:
    return DEMO_USERS + (CHANGCHUN_USERS if profile == "changchun" else [])


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


@transaction.atomic
def create_demo_users(regions: dict, profile: str = "chiyang") -> list[User]:
    """``regions`` maps "district", "subdistrict", "A", "B" to Region rows.

    The leaders' accounts get the name of the roster person they are linked to later
    (``demo.roster``), so the account and its person agree.
    """
    password = demo_password()
    users = []
    for username, full_name, role, where, committee, party_org in demo_users(profile):
        user, _ = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        user.set_password(password)
        user.save()
        RoleAssignment.objects.get_or_create(
            user=user,
            role=role,
            region=regions.get(where) if where else None,
            defaults={"is_committee": committee, "is_party_org": party_org},
        )
        if role in ADMIN_ROLES:
            TOTPDevice.objects.get_or_create(
                user=user, defaults={"name": "演示验证器", "confirmed": True}
            )
        users.append(user)
    return users


def describe_demo_users() -> list[str]:
    lines = []
    for username, _full_name, role, *_ in DEMO_USERS + CHANGCHUN_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        line = f"  {username:<14} {Role(role).label}（{user.full_name or username}）"
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            secret = base64.b32encode(device.bin_key).decode()
            line += f"  TOTP 密钥 {secret}"
        lines.append(line)
    return lines
