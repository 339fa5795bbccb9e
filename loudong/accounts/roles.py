"""Roles of PRODUCT.md and what each may do. Variation by role is this table, not ifs."""

from django.db import models


class Role(models.TextChoices):
    SUBDISTRICT_ADMIN = "subdistrict_admin", "街道管理员"
    COMMUNITY_WORKER = "community_worker", "社区工作者"
    GRID_HEAD = "grid_head", "网格长"
    BUILDING_LEADER = "building_leader", "楼栋长"
    UNIT_LEADER = "unit_leader", "单元长"
    CIVIL_AFFAIRS = "civil_affairs", "区民政局"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


class Cap(models.TextChoices):
    """Capabilities. Region-scoped ones apply within the role's region."""

    VIEW = "view", "查看辖区数据"
    EDIT = "edit", "编辑辖区数据"
    REVEAL = "reveal", "查看完整个人信息"
    EXPORT = "export", "导出名单"
    APPROVE = "approve", "审批（街道党工委）"
    POLICY = "policy", "设置政策参数"
    FIELDWORK = "fieldwork", "登记走访与事件"
    MANAGE_USERS = "manage_users", "管理用户"
    MANAGE_SECURITY = "manage_security", "安全设置"
    VIEW_AUDIT = "view_audit", "查看审计日志"


ROLE_CAPS: dict[str, frozenset[str]] = {
    Role.SUBDISTRICT_ADMIN: frozenset(
        {Cap.VIEW, Cap.EDIT, Cap.REVEAL, Cap.EXPORT, Cap.APPROVE, Cap.POLICY, Cap.FIELDWORK}
    ),
    Role.COMMUNITY_WORKER: frozenset({Cap.VIEW, Cap.EDIT, Cap.REVEAL, Cap.EXPORT, Cap.FIELDWORK}),
    Role.GRID_HEAD: frozenset({Cap.VIEW, Cap.FIELDWORK}),
    Role.BUILDING_LEADER: frozenset({Cap.VIEW, Cap.FIELDWORK}),
    Role.UNIT_LEADER: frozenset({Cap.VIEW, Cap.FIELDWORK}),
    # Read-only and masked: receives filing lists.
    Role.CIVIL_AFFAIRS: frozenset({Cap.VIEW, Cap.EXPORT}),
    # 等保 三员分立: none of the three sees business data or does another's job.
    Role.SYSTEM_ADMIN: frozenset({Cap.MANAGE_USERS}),
    Role.SECURITY_ADMIN: frozenset({Cap.MANAGE_SECURITY}),
    Role.AUDIT_ADMIN: frozenset({Cap.VIEW_AUDIT}),
}

# The volunteer leaders: a user whose roles are all among these works on the phone pages
# (field work); their home is the phone page, not the workbench.
LEADER_ROLES = frozenset({Role.BUILDING_LEADER, Role.UNIT_LEADER, Role.GRID_HEAD})

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
GLOBAL_CAPS = frozenset({Cap.MANAGE_USERS, Cap.MANAGE_SECURITY, Cap.VIEW_AUDIT})

# The region level a role is assigned at (None: no region, a system-wide duty).
ROLE_LEVELS = {
    Role.SUBDISTRICT_ADMIN: {"subdistrict"},
    Role.COMMUNITY_WORKER: {"community"},
    Role.GRID_HEAD: {"community", "compound"},
    Role.BUILDING_LEADER: {"community", "compound"},
    Role.UNIT_LEADER: {"community", "compound"},
    Role.CIVIL_AFFAIRS: {"district", "subdistrict"},
    Role.SYSTEM_ADMIN: None,
    Role.SECURITY_ADMIN: None,
    Role.AUDIT_ADMIN: None,
}

ADMIN_SEPARATION = "三员分立：系统、安全、审计管理员账号只担任一个管理员角色，且不担任任何业务角色"


def role_conflict(held, new: str) -> str:
    """Why role ``new`` cannot join the active roles ``held`` on one account; '' when it can.

    等保 三员分立: an admin account holds exactly one admin role and no business role, so no
    one person can, say, manage users *and* read the audit log, or manage users *and* see
    residents. Checked by the form, the action (with the user's row locked) and the model.
    """
    held = set(held)
    labels = "、".join(Role(r).label for r in sorted(held) if r in Role.values)
    if new in ADMIN_ROLES and held:
        if held == {new}:
            return f"该账号已是{Role(new).label}"
        return f"该账号已有角色：{labels}；{ADMIN_SEPARATION}。请为该管理员另建账号"
    admins = held & ADMIN_ROLES
    if admins:
        names = "、".join(Role(r).label for r in sorted(admins))
        return f"该账号是{names}，不能再分配业务角色；{ADMIN_SEPARATION}"
    return ""


class Registry(models.TextChoices):
    """How much of the registry (楼栋、单元、户、居民) a role sees within its region."""

    REGION = "region", "辖区全部"
    # PRODUCT.md: a 楼栋长 sees "the households of the posts held, nothing else of the registry".
    POSTS = "posts", "所任岗位服务的住户"
    # 区民政局: "read-only, masked, aggregates … sees totals, not resident rows".
    NONE = "none", "只看汇总"


ROLE_REGISTRY = {
    Role.SUBDISTRICT_ADMIN: Registry.REGION,
    Role.COMMUNITY_WORKER: Registry.REGION,
    Role.GRID_HEAD: Registry.POSTS,
    Role.BUILDING_LEADER: Registry.POSTS,
    Role.UNIT_LEADER: Registry.POSTS,
    Role.CIVIL_AFFAIRS: Registry.NONE,
    Role.SYSTEM_ADMIN: Registry.NONE,
    Role.SECURITY_ADMIN: Registry.NONE,
    Role.AUDIT_ADMIN: Registry.NONE,
}


class Reports(models.TextChoices):
    """Which dashboards a role reads (the reports app)."""

    FULL = "full", "辖区报表，可下钻到名单"
    # 区民政局: "read-only, masked, aggregates" — small counts hidden, no drill-down.
    AGGREGATES = "aggregates", "只看汇总（小于5的数不显示）"


# Roles not listed read no dashboard: a 楼栋长's home is the field-work phone page, and the
# three administrators see no business data (三员分立).
ROLE_REPORTS = {
    Role.SUBDISTRICT_ADMIN: Reports.FULL,
    Role.COMMUNITY_WORKER: Reports.FULL,
    Role.CIVIL_AFFAIRS: Reports.AGGREGATES,
}
