"""The three administrators' to-dos: links to issue, accounts without a role, the audit chain."""

from django.urls import reverse
from django.utils import timezone

from loudong.accounts.access import has_cap
from loudong.accounts.models import PasswordLink, User
from loudong.accounts.roles import Cap
from loudong.workbench.registry import Row, todo


def _link_row(link, today) -> Row:
    return Row(
        title=f"{link.user.username}（{link.user.full_name or '未填姓名'}）",
        url=reverse("accounts:security"),
        detail=f"{link.get_kind_display()}，{link.requested_at:%m-%d %H:%M} 发起，请核实身份后发放",
        due=link.requested_at,
    )


@todo(
    key="password-links",
    label="待发放的密码链接",
    section="accounts",
    row=_link_row,
    order=10,
    hint="系统管理员新建账号或重置密码后，由您核实本人身份再发放一次性链接",
)
def password_links(user, today):
    if not has_cap(user, Cap.MANAGE_SECURITY):
        return PasswordLink.objects.none()
    return (
        PasswordLink.objects.filter(
            used_at__isnull=True, closed_at__isnull=True, issued_at__isnull=True
        )
        .select_related("user")
        .order_by("requested_at")
    )


def _roleless_row(u, today) -> Row:
    return Row(
        title=f"{u.username}（{u.full_name or '未填姓名'}）",
        url=reverse("accounts:user_detail", args=[u.pk]),
        detail=f"{timezone.localtime(u.date_joined):%Y-%m-%d} 建立，尚无角色",
    )


@todo(
    key="users-without-role",
    label="尚未分配角色的账号",
    section="accounts",
    row=_roleless_row,
    order=20,
)
def users_without_role(user, today):
    if not has_cap(user, Cap.MANAGE_USERS):
        return User.objects.none()
    return (
        User.objects.filter(is_active=True)
        .exclude(role_assignments__active=True)
        .order_by("-date_joined", "pk")
    )


def _chain_row(status, today) -> Row:
    return Row(
        title="审计链需要核对",
        url=reverse("accounts:audit_list"),
        detail=status,
        overdue=True,
    )


@todo(
    key="audit-chain",
    label="审计链核对",
    section="accounts",
    row=_chain_row,
    order=5,
    hint="锚点缺失、链头落后于锚点，或最近一次核对未通过/已过期",
)
def audit_chain(user, today):
    if not has_cap(user, Cap.VIEW_AUDIT):
        return []
    from loudong.accounts.audit_report import page_status

    status = page_status()
    if status["anchor_problem"]:
        return [f"锚点：{status['anchor_problem']}"]
    if status["anchor_ahead_of_chain"]:
        return ["链头落后于锚点：可能有记录被删除"]
    last = status["last"]
    if last and not last.get("ok", True):
        return [f"最近一次核对未通过：{last.get('problem') or '见审计日志页'}"]
    if not last or last["stale"]:
        return ["最近 15 分钟没有核对记录：请确认后台任务（loudong worker）在运行"]
    return []
