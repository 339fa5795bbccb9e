from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from loudong.accounts import actions
from loudong.accounts.access import require_cap
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.forms import (
    AuditFilterForm,
    LoginForm,
    PasswordResetByAdminForm,
    RoleAssignmentForm,
    TokenForm,
    UserCreateForm,
)
from loudong.accounts.models import AuditEvent, RoleAssignment, User
from loudong.accounts.roles import Cap
from loudong.lib import xlsx


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # Straight to the page that answers 200 (PRODUCT.md): a leader's home is the phone page.
        roles = self.request.user.active_roles()
        if roles and all(a.role in LEADER_ROLES for a in roles):
            return reverse("fieldwork:phone_home")
        return super().get_default_redirect_url()


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            actor=self.request.user,
            action=AuditAction.PASSWORD_CHANGE,
            target=self.request.user,
            request=self.request,
        )
        messages.success(self.request, "密码已修改。")
        return response


def _safe_next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
def two_factor(request):
    """Set up TOTP (first time) or verify it (each login) — for the admin roles."""
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    device = confirmed or TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="手机验证器", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record(
                    actor=request.user,
                    action=AuditAction.SECURITY_2FA_ENROLLED,
                    target=request.user,
                    request=request,
                )
            otp_login(request, device)
            record(
                actor=request.user,
                action=AuditAction.TWO_FACTOR_VERIFIED,
                target=request.user,
                request=request,
            )
            return redirect(_safe_next(request))
        record(
            actor=request.user,
            action=AuditAction.TWO_FACTOR_FAILED,
            target=request.user,
            request=request,
        )
        form.add_error("token", "验证码不正确或已过期，请重新输入手机验证器上的 6 位数字。")
    context = {"form": form, "setting_up": not device.confirmed, "next": _safe_next(request)}
    if not device.confirmed:
        import segno

        qr = segno.make(device.config_url, error="m")
        context["qr_data_uri"] = qr.svg_data_uri(scale=4)
        context["secret"] = _base32(device)
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)


def _base32(device) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode()


@login_required
def home(request):
    roles = request.user.active_roles()
    # 楼栋长、单元长、网格长 only: their home is the phone page of field work.
    if roles and all(a.role in LEADER_ROLES for a in roles):
        return redirect("fieldwork:phone_home")
    return render(request, "home.html", {"roles": roles})


LEADER_ROLES = ("building_leader", "unit_leader", "grid_head")


# System administrator: users and roles.


@login_required
def user_list(request):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    users = User.objects.prefetch_related("role_assignments__region").order_by("username")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(username__icontains=query) | users.filter(full_name__icontains=query)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": query})


@login_required
def user_create(request):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = actions.create_user(acting_user=request.user, request=request, **form.cleaned_data)
        messages.success(request, f"已创建用户 {user.username}，请为其分配角色。")
        return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request, "accounts/user_create.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def user_detail(request, pk):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    user = get_object_or_404(User, pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "assignments": user.role_assignments.select_related("region").order_by(
                "-active", "role"
            ),
            "role_form": RoleAssignmentForm(),
            "password_form": PasswordResetByAdminForm(user=user),
        },
    )


@require_POST
@login_required
def user_assign_role(request, pk):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    user = get_object_or_404(User, pk=pk)
    form = RoleAssignmentForm(request.POST, instance=RoleAssignment(user=user))
    if not form.is_valid():
        return render(
            request,
            "accounts/user_detail.html",
            {
                "subject": user,
                "assignments": user.role_assignments.all(),
                "role_form": form,
                "password_form": PasswordResetByAdminForm(user=user),
            },
            status=400,
        )
    actions.assign_role(user=user, acting_user=request.user, request=request, **form.cleaned_data)
    messages.success(request, "角色已分配。")
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@login_required
def user_end_role(request, pk, assignment_pk):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_pk, user_id=pk, active=True)
    actions.end_role(assignment=assignment, acting_user=request.user, request=request)
    messages.success(request, f"已撤销角色：{assignment}。")
    return redirect("accounts:user_detail", pk=pk)


@require_POST
@login_required
def user_set_active(request, pk):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    if user == request.user and not active:
        messages.error(request, "不能停用自己的账号。")
    else:
        actions.set_user_active(user=user, active=active, acting_user=request.user, request=request)
        messages.success(request, "账号已启用。" if active else "账号已停用。")
    return redirect("accounts:user_detail", pk=pk)


@require_POST
@login_required
def user_reset_password(request, pk):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    user = get_object_or_404(User, pk=pk)
    form = PasswordResetByAdminForm(request.POST, user=user)
    if not form.is_valid():
        return render(
            request,
            "accounts/user_detail.html",
            {
                "subject": user,
                "assignments": user.role_assignments.all(),
                "role_form": RoleAssignmentForm(),
                "password_form": form,
            },
            status=400,
        )
    actions.reset_password(
        user=user, password=form.cleaned_data["password"], acting_user=request.user, request=request
    )
    messages.success(request, "密码已重置，请通知本人登录后修改。")
    return redirect("accounts:user_detail", pk=pk)


# Security administrator: lock-outs and second factors.


@login_required
def security(request):
    require_cap(request.user, Cap.MANAGE_SECURITY, request)
    from axes.models import AccessAttempt
    from django.conf import settings

    admins = [
        u
        for u in User.objects.filter(is_active=True).prefetch_related("role_assignments")
        if u.needs_two_factor()
    ]
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    return render(
        request,
        "accounts/security.html",
        {
            "attempts": AccessAttempt.objects.order_by("-attempt_time")[:200],
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "admins": [(u, u.pk in enrolled) for u in admins],
            "users": User.objects.filter(is_active=True).order_by("username"),
            "policy": {
                "密码最短长度": "8 位",
                "密码字符类别": "大写、小写、数字、符号中至少三类",
                "登录失败锁定": f"连续 {settings.AXES_FAILURE_LIMIT} 次失败锁定 "
                f"{int(settings.AXES_COOLOFF_TIME * 60)} 分钟",
                "会话空闲超时": f"{settings.SESSION_IDLE_MINUTES} 分钟",
                "双因素认证": "系统、安全、审计管理员必须启用",
            },
        },
    )


@require_POST
@login_required
def security_unlock(request):
    require_cap(request.user, Cap.MANAGE_SECURITY, request)
    username = request.POST.get("username", "")[:150]
    count = actions.unlock_user(username=username, acting_user=request.user, request=request)
    messages.success(request, f"已解除 {username} 的锁定（清除 {count} 条失败记录）。")
    return redirect("accounts:security")


@require_POST
@login_required
def security_reset_2fa(request, pk):
    require_cap(request.user, Cap.MANAGE_SECURITY, request)
    user = get_object_or_404(User, pk=pk)
    actions.reset_two_factor(user=user, acting_user=request.user, request=request)
    messages.success(request, f"已重置 {user} 的双因素认证，下次登录时重新绑定。")
    return redirect("accounts:security")


# Audit administrator: the log.


def _filtered_audit(request):
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["actor"]:
            events = events.filter(actor_username__icontains=data["actor"])
        if data["target"]:
            events = events.filter(target_repr__icontains=data["target"])
        if data["since"]:
            events = events.filter(created__date__gte=data["since"])
        if data["until"]:
            events = events.filter(created__date__lte=data["until"])
    return form, events


@login_required
def audit_list(request):
    require_cap(request.user, Cap.VIEW_AUDIT, request)
    form, events = _filtered_audit(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def audit_export(request):
    require_cap(request.user, Cap.VIEW_AUDIT, request)
    _form, events = _filtered_audit(request)
    headers = [
        "序号",
        "时间",
        "操作人",
        "操作",
        "操作代码",
        "对象类型",
        "对象编号",
        "对象",
        "区域",
        "原值",
        "新值",
        "事由",
        "IP",
        "哈希",
    ]
    rows = (
        [
            e.seq,
            e.created,
            e.actor_username,
            e.action_label,
            e.action,
            e.target_type,
            e.target_id,
            e.target_repr,
            e.region_id or "",
            e.old,
            e.new,
            e.reason,
            e.ip or "",
            e.hash,
        ]
        for e in events.order_by("seq").iterator(chunk_size=2000)
    )
    record(
        actor=request.user,
        action=AuditAction.AUDIT_EXPORT,
        request=request,
        new={"filters": request.GET.dict()},
    )
    return xlsx.response("审计日志", headers, rows, filename="审计日志.xlsx")
