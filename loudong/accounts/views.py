from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from loudong.accounts import actions
from loudong.accounts.access import require_cap
from loudong.accounts.audit import AuditAction, client_ip, record
from loudong.accounts.forms import (
    AuditFilterForm,
    LoginForm,
    RoleAssignmentForm,
    SetPasswordByLinkForm,
    TokenForm,
    UserCreateForm,
)
from loudong.accounts.models import AuditEvent, PasswordLink, RoleAssignment, User
from loudong.accounts.roles import LEADER_ROLES, Cap
from loudong.lib import xlsx


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    # Django's LoginView sets site_name to the host name; the page says the system's name.
    extra_context = {"site_name": settings.SITE_NAME}

    def post(self, request, *args, **kwargs):
        """A per-address throttle on top of axes' (username, address) lock-out."""
        from django.conf import settings

        from loudong.lib import throttle

        key = f"login-failures-ip:{client_ip(request) or 'unknown'}"
        limit, window = settings.LOUDONG_LOGIN_IP_FAILURES, settings.LOUDONG_LOGIN_IP_WINDOW_S
        if throttle.over(key, limit, window):
            record(
                actor=None,
                action=AuditAction.LOCKED_OUT,
                actor_username=str(request.POST.get("username", ""))[:150],
                target_repr=f"网络地址 {client_ip(request)}",
                reason="同一网络地址登录失败过多",
                request=request,
            )
            form = self.authentication_form(request)  # unbound: no authentication attempt
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    address_wait=f"该网络地址登录失败次数过多，请 {window // 60} 分钟后再试。",
                ),
                status=429,
            )
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back: a failed attempt
            throttle.hit(key, limit, window)
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        # What happened to the account since (a password set through a link, …): shown once.
        for text in actions.take_notices(self.request.user):
            messages.warning(self.request, text)
        return response

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
        # A GET writes nothing: the secret is made by the "开始绑定" POST (issue 9 item 10).
        if request.method == "POST" and "start" in request.POST:
            TOTPDevice.objects.create(user=request.user, name="手机验证器", confirmed=False)
            return redirect(f"{reverse('accounts:two_factor')}?next={_safe_next(request)}")
        return render(
            request, "accounts/two_factor.html", {"start": True, "next": _safe_next(request)}
        )
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
        messages.success(
            request,
            f"已创建用户 {user.username}，请为其分配角色。初始密码由本人通过一次性链接设置："
            "请本人联系安全管理员核实身份后领取链接。",
        )
        return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request, "accounts/user_create.html", {"form": form}, status=400 if form.errors else 200
    )


def _user_detail(request, user, *, role_form=None, status=200):
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "is_self": user.pk == request.user.pk,
            "assignments": user.role_assignments.select_related("region").order_by(
                "-active", "role"
            ),
            "role_form": role_form or RoleAssignmentForm(instance=RoleAssignment(user=user)),
            "links": user.password_links.select_related("requested_by", "issued_by")[:5],
        },
        status=status,
    )


@login_required
def user_detail(request, pk):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    return _user_detail(request, get_object_or_404(User, pk=pk))


@require_POST
@login_required
def user_assign_role(request, pk):
    require_cap(request.user, Cap.MANAGE_USERS, request)
    user = get_object_or_404(User, pk=pk)
    if user.pk == request.user.pk:
        raise PermissionDenied(f"{actions.SELF_REFUSAL}：分配角色")
    form = RoleAssignmentForm(request.POST, instance=RoleAssignment(user=user))
    if form.is_valid():
        try:
            actions.assign_role(
                user=user, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, "角色已分配。")
            return redirect("accounts:user_detail", pk=user.pk)
        except actions.RoleRefused as exc:
            form.add_error("role", exc.message)
    elif form.has_error("role", "separation"):
        record(
            actor=request.user,
            action=AuditAction.ROLE_REFUSED,
            target=user,
            new={"role": form.cleaned_data.get("role") or request.POST.get("role", "")[:32]},
            reason=form.errors["role"][0][:200],
            request=request,
        )
    return _user_detail(request, user, role_form=form, status=400)


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
    actions.set_user_active(user=user, active=active, acting_user=request.user, request=request)
    messages.success(request, "账号已启用。" if active else "账号已停用。")
    return redirect("accounts:user_detail", pk=pk)


@require_POST
@login_required
def user_reset_password(request, pk):
    """Ask for a reset: the 安全管理员 issues the link; this admin never sees it nor a password."""
    require_cap(request.user, Cap.MANAGE_USERS, request)
    user = get_object_or_404(User, pk=pk)
    actions.request_password_reset(user=user, acting_user=request.user, request=request)
    messages.success(
        request,
        "已发起密码重置。请本人联系安全管理员核实身份后领取一次性链接，由本人设置新密码。",
    )
    return redirect("accounts:user_detail", pk=pk)


# Everyone: their own API tokens.


@login_required
def my_tokens(request):
    from loudong.accounts.models import ApiToken

    tokens = ApiToken.objects.filter(user=request.user).order_by("-created")
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": tokens, "now": timezone.now(), "own": True},
    )


@require_POST
@login_required
def my_token_revoke(request, pk):
    from loudong.accounts.models import ApiToken

    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked=False)
    actions.revoke_api_token(token=token, acting_user=request.user, request=request)
    messages.success(request, f"令牌 {token} 已吊销，使用它的脚本将无法再访问接口。")
    return redirect("accounts:tokens")


# Security administrator: lock-outs and second factors.


@login_required
def security(request):
    require_cap(request.user, Cap.MANAGE_SECURITY, request)
    from axes.models import AccessAttempt
    from django.conf import settings

    from loudong.accounts.models import ApiToken

    admins = [
        u
        for u in User.objects.filter(is_active=True).prefetch_related("role_assignments")
        if u.needs_two_factor()
    ]
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    pending = (
        PasswordLink.objects.filter(used_at__isnull=True, closed_at__isnull=True)
        .select_related("user", "requested_by", "issued_by")
        .order_by("requested_at")[:200]
    )
    return render(
        request,
        "accounts/security.html",
        {
            "pending_links": pending,
            "tokens": ApiToken.objects.filter(revoked=False, expires__gt=timezone.now())
            .select_related("user")
            .order_by("-created")[:200],
            "now": timezone.now(),
            "attempts": AccessAttempt.objects.order_by("-attempt_time")[:200],
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "admins": [(u, u.pk in enrolled) for u in admins],
            "users": User.objects.filter(is_active=True).order_by("username"),
            "policy": {
                "密码最短长度": "8 位",
                "密码字符类别": "大写、小写、数字、符号中至少三类",
                "登录失败锁定": f"同一账号在同一网络地址连续 {settings.AXES_FAILURE_LIMIT} 次失败，"
                f"该账号在此地址锁定 {int(settings.AXES_COOLOFF_TIME * 60)} 分钟（其他地址不受影响）",
                "网络地址限流": f"同一网络地址 {settings.LOUDONG_LOGIN_IP_WINDOW_S // 60} 分钟内"
                f"登录失败 {settings.LOUDONG_LOGIN_IP_FAILURES} 次（不论账号），须等待后再试",
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


@require_POST
@login_required
def security_token_revoke(request, pk):
    from loudong.accounts.models import ApiToken

    require_cap(request.user, Cap.MANAGE_SECURITY, request)
    token = get_object_or_404(ApiToken, pk=pk, revoked=False)
    actions.revoke_api_token(token=token, acting_user=request.user, request=request)
    messages.success(request, f"已吊销 {token.user.username} 的令牌 {token}。")
    return redirect("accounts:security")


@require_POST
@login_required
def security_issue_link(request, pk):
    """Issue a one-time password link; shown once to this 安全管理员, to hand to the person."""
    require_cap(request.user, Cap.MANAGE_SECURITY, request)
    link = get_object_or_404(PasswordLink, pk=pk, used_at__isnull=True, closed_at__isnull=True)
    key = actions.issue_password_link(link=link, acting_user=request.user, request=request)
    url = request.build_absolute_uri(reverse("accounts:password_link", args=[key]))
    import segno

    response = render(
        request,
        "accounts/password_link_issued.html",
        {
            "link": link,
            "url": url,
            "qr": segno.make(url, error="m").svg_data_uri(scale=4),
            "hours": actions.link_hours(),
            "needs_identity": bool(actions.identity_digits(link.user)),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def password_link(request, key):
    """No login: the user sets their own password through the link (once, before it expires)."""
    from loudong.lib.throttle import resident_throttled

    link = actions.password_link(key)
    if link is None:
        return render(
            request,
            "accounts/password_link.html",
            {"error": "链接无效、已使用或已过期，请联系系统管理员重新办理。"},
            status=410,
        )
    needs_identity = bool(actions.identity_digits(link.user))
    form = SetPasswordByLinkForm(link.user, request.POST or None, needs_identity=needs_identity)
    status = 200
    if request.method == "POST":
        status = 400
        if resident_throttled(request, f"password-link:{link.pk}"):
            form.add_error(None, "提交过于频繁，请稍后再试。")
            status = 429
        elif form.is_valid():
            try:
                actions.use_password_link(
                    key=key,
                    password=form.cleaned_data["new_password1"],
                    identity=form.cleaned_data.get("identity", ""),
                    request=request,
                )
                messages.success(request, "新密码已设置，请用新密码登录。")
                return redirect("accounts:login")
            except actions.LinkRefused as exc:
                form.add_error(None, exc.message)
    response = render(
        request,
        "accounts/password_link.html",
        {"form": form, "link": link, "subject": link.user},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


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
    from loudong.accounts.audit_report import page_status

    return render(
        request,
        "accounts/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "chain": page_status()},
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
