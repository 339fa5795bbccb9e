import datetime as dt

from django import forms
from django.utils import timezone

from loudong.lib.fields import DateField


class MonthField(forms.CharField):
    """``YYYY-MM`` → the month's first day."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            raise forms.ValidationError("月份格式应为“年-月”，如 2026-11") from None


class PrepareForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=None, empty_label=None)
    month = MonthField(label="月份")

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["month"].initial = f"{timezone.localdate():%Y-%m}"


class ReasonForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300)


class ManualLineForm(forms.Form):
    appointment = forms.ModelChoiceField(label="任职", queryset=None)
    amount = forms.DecimalField(
        label="金额（元，扣回填负数）",
        max_digits=10,
        decimal_places=2,
        min_value=-100000,
        max_value=100000,
    )
    note = forms.CharField(label="说明", max_length=200)

    def __init__(self, *args, appointments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].queryset = appointments
        self.fields["appointment"].label_from_instance = lambda a: (
            f"{a.person.name} · {a.post.title}"
        )


class EditLineForm(forms.Form):
    amount = forms.DecimalField(
        label="金额（元）", max_digits=10, decimal_places=2, min_value=-100000, max_value=100000
    )
    note = forms.CharField(label="修改说明", max_length=200)


class BankAccountForm(forms.Form):
    bank = forms.CharField(label="开户行", max_length=100)
    account = forms.CharField(label="银行账号", max_length=40)


class PolicyForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=None, empty_label=None)
    insurer = forms.CharField(label="保险公司", max_length=100)
    number = forms.CharField(label="保单号", max_length=60)
    start = DateField(label="保险起期")
    end = DateField(label="保险止期")
    premium = forms.DecimalField(label="保费（元）", max_digits=10, decimal_places=2, min_value=0)
    named = forms.TypedChoiceField(
        label="承保方式",
        choices=[("1", "记名（按参保名单）"), ("0", "不记名（在岗人员自动承保）")],
        coerce=lambda v: v == "1",
        initial="1",
    )
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class InsureForm(forms.Form):
    start = DateField(label="参保起始日期")


class ClaimForm(forms.Form):
    person = forms.ModelChoiceField(label="出险人员", queryset=None)
    date = DateField(label="出险日期", past_only=True)
    description = forms.CharField(label="经过", widget=forms.Textarea(attrs={"rows": 3}))
    incident_ref = forms.CharField(label="关联事件编号", max_length=40, required=False)
    amount_claimed = forms.DecimalField(
        label="申请金额（元）", max_digits=10, decimal_places=2, min_value=0, required=False
    )

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons


class ClaimMoveForm(forms.Form):
    to_status = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label="说明", max_length=300, required=False)
    amount_paid = forms.DecimalField(
        label="赔付金额（元）", max_digits=10, decimal_places=2, min_value=0, required=False
    )


class CampaignForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=None, empty_label=None)
    award = forms.ChoiceField(label="评选项目")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    places = forms.IntegerField(label="名额", min_value=1, max_value=50, initial=3)

    def __init__(self, *args, communities, awards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["award"].choices = [(a.code, a.label) for a in awards]
        self.fields["year"].initial = timezone.localdate().year


class NominateForm(forms.Form):
    appointment = forms.ModelChoiceField(label="提名对象", queryset=None)
    reason = forms.CharField(label="推荐理由", max_length=300, required=False)

    def __init__(self, *args, appointments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].queryset = appointments
        self.fields["appointment"].label_from_instance = lambda a: (
            f"{a.person.name} · {a.post.title}"
        )


class SlipsForm(forms.Form):
    compound = forms.ModelChoiceField(label="小区", queryset=None)

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds
