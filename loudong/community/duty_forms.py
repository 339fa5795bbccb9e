"""Forms of the rotating 单元长, training, supplies and outsider registration."""

import datetime as dt

from django import forms

from loudong.community.models import RotationMember, RotationTurn, SupplyItem


class NoNulMixin:
    """Text a database accepts: PostgreSQL refuses NUL characters."""

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str) and "\x00" in value:
                self.add_error(name, "不能包含空字符")
        return data


class MonthField(forms.DateField):
    """A month typed as 2026-11 (a ``<input type=month>``), stored as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class StartRotationForm(forms.Form):
    unit = forms.ModelChoiceField(label="单元", queryset=None)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class MemberForm(NoNulMixin, forms.Form):
    household = forms.ModelChoiceField(label="户（房号）", queryset=None)
    duty_name = forms.CharField(label="轮值人（该户担任轮值的居民）", max_length=50)
    note = forms.CharField(label="筛选说明", max_length=200, required=False)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: (
            f"{h.room}室" + ("" if h.occupied else "（空置）")
        )


class MemberStatusForm(NoNulMixin, forms.Form):
    status = forms.ChoiceField(label="状态", choices=RotationMember.Status.choices)
    away_from = MonthField(label="外出起始月", required=False)
    away_until = MonthField(label="外出截止月", required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class PlanForm(forms.Form):
    months = forms.IntegerField(label="排定月数", min_value=1, max_value=24, initial=3)


class SwapForm(NoNulMixin, forms.Form):
    first = forms.ModelChoiceField(label="月份一", queryset=None)
    second = forms.ModelChoiceField(label="月份二", queryset=None)
    reason = forms.CharField(label="调换原因", max_length=150)

    def __init__(self, *args, turns, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = turns
            self.fields[name].label_from_instance = lambda t: f"{t.month:%Y年%m月} {t.label}"


class HandoverForm(NoNulMixin, forms.Form):
    text = forms.CharField(
        label="本月工作情况",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="本月走访、反映的问题和处理情况，以及需要下任跟进的事项",
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)


class ConfirmForm(NoNulMixin, forms.Form):
    note = forms.CharField(label="确认意见（可不填）", max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)


def turn_choices(rotation):
    return RotationTurn.objects.filter(rotation=rotation).select_related("household")


# -- training -------------------------------------------------------------------------------------


class TrainingForm(NoNulMixin, forms.Form):
    date = forms.DateField(label="培训日期", widget=DateInput())
    topic = forms.CharField(label="培训主题", max_length=100)
    trainer = forms.CharField(label="主讲人", max_length=50)
    place = forms.CharField(label="地点", max_length=100, required=False)
    notes = forms.CharField(
        label="内容摘要", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    invitees = forms.ModelMultipleChoiceField(
        label="培训对象", queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitees"].queryset = people

    def clean_date(self):
        date = self.cleaned_data["date"]
        if not dt.date(2000, 1, 1) <= date <= dt.date(2100, 12, 31):
            raise forms.ValidationError("日期不在合理范围内")
        return date


class AttendanceForm(forms.Form):
    attended = forms.ModelMultipleChoiceField(
        label="出席人员", queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, invitees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = invitees
        self.fields["attended"].label_from_instance = lambda i: i.person.name


class MaterialForm(forms.Form):
    file = forms.FileField(label="培训材料（PDF、Word、PPT、Excel 或图片）")


# -- supplies -------------------------------------------------------------------------------------


class ReceiptForm(NoNulMixin, forms.Form):
    name = forms.CharField(label="物资名称", max_length=50, help_text="如 医用口罩、消毒液")
    unit_label = forms.CharField(label="单位", max_length=10, initial="个")
    quantity = forms.IntegerField(label="入库数量", min_value=1, max_value=1_000_000)
    date = forms.DateField(label="日期", widget=DateInput())
    note = forms.CharField(label="来源或备注", max_length=200, required=False)


class IssueForm(NoNulMixin, forms.Form):
    item = forms.ModelChoiceField(label="物资", queryset=None)
    person = forms.ModelChoiceField(label="领取人（在岗“三长”）", queryset=None)
    quantity = forms.IntegerField(label="数量", min_value=1, max_value=1_000_000)
    date = forms.DateField(label="日期", widget=DateInput())
    signed = forms.BooleanField(label="本人已签收", required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, items, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda i: (
            f"{i.name}（库存 {i.stock} {i.unit_label}）"
        )
        self.fields["person"].queryset = people


def supply_items(community):
    return SupplyItem.objects.filter(community=community).order_by("name")


# -- outsiders ------------------------------------------------------------------------------------


class RegistrationForm(NoNulMixin, forms.Form):
    reason = forms.CharField(label="启动原因", max_length=200, help_text="如 疫情防控应急响应")


class OutsiderForm(NoNulMixin, forms.Form):
    household = forms.ModelChoiceField(label="暂住户", queryset=None)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    origin = forms.CharField(label="来自何处", max_length=60)
    arrived_on = forms.DateField(label="抵达日期", widget=DateInput())
    left_on = forms.DateField(label="离开日期", widget=DateInput(), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        self.fields["household"].label_from_instance = lambda h: (
            f"{h.building.number}{h.unit.number}{h.room}室"
        )


class LeftForm(forms.Form):
    left_on = forms.DateField(label="离开日期", widget=DateInput())
