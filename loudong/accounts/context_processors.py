from loudong.accounts.access import has_cap
from loudong.accounts.roles import Cap

# (label, url, capability needed or None for every signed-in user)
NAVIGATION = [
    ("首页", "/", None),
    ("辖区台账", "/territory/", Cap.VIEW),
    ("网格划分", "/grids/", Cap.VIEW),
    ("楼栋长队伍", "/roster/", Cap.VIEW),
    ("文书与公示", "/documents/", Cap.VIEW),
    ("日常工作", "/fieldwork/", Cap.FIELDWORK),
    ("三长机制", "/community/", Cap.FIELDWORK),
    ("轮值与保障", "/community/rotations/", Cap.EDIT),
    ("年度评议", "/evaluation/", Cap.VIEW),
    ("补贴与保险", "/payroll/", Cap.VIEW),
    ("统计报表", "/reports/", "reports"),
    ("政策参数", "/policy/", Cap.POLICY),
    ("用户管理", "/accounts/users/", Cap.MANAGE_USERS),
    ("安全设置", "/accounts/security/", Cap.MANAGE_SECURITY),
    ("审计日志", "/accounts/audit/", Cap.VIEW_AUDIT),
]


def navigation(request):
    from django.conf import settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"site_name": settings.SITE_NAME, "nav_items": []}
    items = [
        {"label": label, "url": url, "active": _is_active(request.path, url)}
        for label, url, cap in NAVIGATION
        if cap is None or (reads_reports(user) if cap == "reports" else has_cap(user, cap))
    ]
    return {"site_name": settings.SITE_NAME, "nav_items": items}


def reads_reports(user) -> bool:
    from loudong.accounts.roles import ROLE_REPORTS

    return any(a.role in ROLE_REPORTS and a.region_id for a in user.active_roles())


def _is_active(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
