from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from loudong.accounts.audit_actions import AuditAction
from loudong.accounts.models import RoleAssignment, User
from loudong.accounts.roles import ROLE_LEVELS, Role, role_conflict
from loudong.lib.widgets import DateInput


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。在同一网络地址连续输错 5 次，该账号在此地址将被锁定 30 分钟。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label="验证码",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="事由",
        min_length=2,
        max_length=200,
        help_text="查看完整信息须写明事由，将记入审计日志。",
    )


class UserCreateForm(forms.ModelForm):
    """No password here: the user sets it through a one-time link (三员分立)."""

    class Meta:
        model = User
        fields = ["username", "full_name"]
        labels = {"username": "用户名"}


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["role", "region", "is_committee", "is_party_org"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        region.queryset = region.queryset.exclude(level="compound")
        region.required = False
        self._level_labels = dict(region.queryset.model.Level.choices)

    def clean(self):
        cleaned = super().clean()
        role, region = cleaned.get("role"), cleaned.get("region")
        if role in ROLE_LEVELS:
            levels = ROLE_LEVELS[Role(role)]
            if levels is None and region:
                self.add_error("region", "系统、安全、审计管理员不按区域分配，请留空。")
            elif levels is not None and (region is None or region.level not in levels):
                names = "、".join(self._level_labels.get(lv, lv) for lv in sorted(levels))
                self.add_error("region", f"该角色须分配到{names}。")
            if self.instance.user_id:
                problem = role_conflict(self.instance._other_roles(), role)
                if problem:
                    self.add_error("role", forms.ValidationError(problem, code="separation"))
        return cleaned

    def _post_clean(self):
        # The model's own checks (三员分立) run through the action, with the user's row locked.
        pass


class SetPasswordByLinkForm(SetPasswordForm):
    """The user's new password, and the identity question when the account has one."""

    identity = forms.CharField(
        label="身份证号后 6 位",
        max_length=6,
        min_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
        help_text="本人身份证号码的最后 6 位（末位为 X 的请输入 X）。",
    )

    def __init__(self, user, *args, needs_identity=False, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "再次输入新密码"
        if needs_identity:
            self.fields["identity"].required = True
        else:
            del self.fields["identity"]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label="操作", required=False, choices=[("", "全部"), *AuditAction.choices]
    )
    actor = forms.CharField(label="操作人", required=False)
    target = forms.CharField(label="对象", required=False)
    since = forms.DateField(label="起", required=False, widget=DateInput())
    until = forms.DateField(label="止", required=False, widget=DateInput())
