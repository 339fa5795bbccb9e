from django import forms

from loudong.lib.fields import BIRTH_EARLIEST, DateField
from loudong.lib.idnumber import IDNumberError, birth_date, sex_of, validate_id_number
from loudong.lib.phones import PhoneError, normalize_phone
from loudong.roster.models import Person, Post, Selection


class PersonForm(forms.ModelForm):
    """Plain-text 身份证号 and phone are validated here and sealed by the model field."""

    id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    address = forms.CharField(label="家庭住址", max_length=100, required=False)
    health_note = forms.CharField(
        label="健康状况", max_length=100, required=False, help_text="仅在需要时填写，加密保存"
    )

    class Meta:
        model = Person
        fields = [
            "community",
            "name",
            "sex",
            "birth_date",
            "id_number",
            "phone",
            "address",
            "is_party_member",
            "is_party_group_leader",
            "is_committee",
            "is_community_worker",
            "education",
            "pool",
            "employer",
            "health_note",
            "consents_to_publish_phone",
            "notes",
        ]

    SEALED = ("id_number", "phone", "address", "health_note")

    birth_date = DateField(
        label="出生日期", required=False, past_only=True, earliest=BIRTH_EARLIEST
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].label = "所属社区"
        editing = self.instance.pk is not None
        for name in self.SEALED:
            self.initial[name] = ""
            if editing:
                current = getattr(self.instance, name)
                self.fields[
                    name
                ].help_text = f"当前 {current.masked if current else '未填写'}；留空表示不修改"
        if not editing:
            self.fields["id_number"].required = True

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        if not value:
            return ""
        try:
            return validate_id_number(value)
        except IDNumberError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except PhoneError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        number = data.get("id_number")
        if number:
            if data.get("sex") and data["sex"] != sex_of(number):
                self.add_error("sex", "性别与身份证号不符")
            if data.get("birth_date") and data["birth_date"] != birth_date(number):
                self.add_error("birth_date", "出生日期与身份证号不符")
        return data

    def _post_clean(self):
        # Keep the sealed values the user left blank (they are not shown to edit).
        kept = {n: getattr(self.instance, n) for n in self.SEALED} if self.instance.pk else {}
        super()._post_clean()
        for name, value in kept.items():
            if not self.cleaned_data.get(name):
                setattr(self.instance, name, value)
        number = self.cleaned_data.get("id_number")
        if number:
            self.instance.birth_date = self.instance.birth_date or birth_date(number)
            self.instance.sex = self.instance.sex or sex_of(number)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="查看原因", max_length=200)


class StartSelectionForm(forms.Form):
    candidate = forms.ModelChoiceField(label="候选人", queryset=Person.objects.none())
    channel = forms.ChoiceField(label="推选方式", choices=Selection.Channel.choices)
    notes = forms.CharField(label="说明", required=False, widget=forms.Textarea)

    def __init__(self, *args, persons=None, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        if persons is not None:
            self.fields["candidate"].queryset = persons
        # The profile's channels (池阳 records how a candidate came forward; 长春 starts there).
        self.fields["channel"].choices = [
            (c, Selection.Channel(c).label) for c in channels
        ] or Selection.Channel.choices


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Selection.Status.choices, widget=forms.HiddenInput)
    outcome = forms.CharField(label="结果", max_length=200, required=False)
    notes = forms.CharField(label="意见", required=False, widget=forms.Textarea)
    notice_start = DateField(label="公示开始日期", required=False)
    override_reason = forms.CharField(
        label="例外理由（审批人书面说明）", max_length=300, required=False
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(label="异议内容", widget=forms.Textarea)
    raised_by = forms.CharField(label="反映人", max_length=50, required=False)


class AppointForm(forms.Form):
    start = DateField(label="任职日期")
    term_end = DateField(label="任期至", required=False)
    override_reason = forms.CharField(label="例外理由", max_length=300, required=False)
    concurrent_reason = forms.CharField(label="兼任原因", max_length=200, required=False)
    concurrent_consent = forms.BooleanField(label="本人同意兼任", required=False)


class TakeOverForm(forms.Form):
    person = forms.ModelChoiceField(label="兼任的现任楼栋长", queryset=Person.objects.none())
    start = DateField(label="兼任日期")
    term_end = DateField(label="任期至", required=False)
    reason = forms.CharField(label="兼任原因", max_length=200, required=False)
    consent = forms.BooleanField(label="本人同意兼任", required=False)
    override_reason = forms.CharField(label="例外理由", max_length=300, required=False)

    def __init__(self, *args, persons=None, **kwargs):
        super().__init__(*args, **kwargs)
        if persons is not None:
            self.fields["person"].queryset = persons


class ResignForm(forms.Form):
    notice_date = DateField(label="提前告知日期")
    end = DateField(label="离任日期")
    note = forms.CharField(label="说明", max_length=200, required=False)


class AdjustForm(forms.Form):
    notice_date = DateField(label="告知本人日期", help_text="协议书第五条：应提前告知对方")
    end = DateField(label="离任日期")
    reason = forms.CharField(label="调整原因", max_length=200)
    after_evaluation = forms.BooleanField(label="因年度评议不满意", required=False)


class RenewForm(forms.Form):
    term_end = DateField(label="新任期至")


class MeetingResultForm(forms.Form):
    """居民推选 by a 楼栋居民会议: the show of hands, counted by household."""

    date = DateField(label="会议日期", past_only=True)
    households = forms.IntegerField(label="应到户数", min_value=1, max_value=100000)
    attendance = forms.IntegerField(label="实到户数", min_value=0, max_value=100000)
    votes_for = forms.IntegerField(label="赞成（户）", min_value=0, max_value=100000)
    votes_against = forms.IntegerField(label="反对（户）", min_value=0, max_value=100000)
    abstentions = forms.IntegerField(label="弃权（户）", min_value=0, max_value=100000)
    notes = forms.CharField(label="会议记录", required=False, widget=forms.Textarea)


class ResidentObjectionForm(forms.Form):
    """A resident's objection during 公示 (no account; name and contact optional)."""

    text = forms.CharField(label="异议内容", max_length=2000, widget=forms.Textarea)
    name = forms.CharField(label="您的称呼（可不填）", max_length=50, required=False)
    contact = forms.CharField(
        label="联系方式（可不填，便于社区回复）", max_length=50, required=False
    )


class AttachStaffForm(forms.Form):
    """一格多员 (004 §一.1): staff an organisation sends into the grid."""

    category = forms.ChoiceField(label="类别", choices=Post.Attachment.choices)
    organisation = forms.CharField(label="所在单位", max_length=100)
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    start = DateField(label="进网格日期")
    end = DateField(label="至", required=False)

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except PhoneError as exc:
            raise forms.ValidationError(str(exc)) from None


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label="处理说明", max_length=200)


class PersonFilterForm(forms.Form):
    """The people list's filters; the dashboards' drill-downs land here."""

    q = forms.CharField(label="姓名", required=False, max_length=50)
    community = forms.ModelChoiceField(
        label="社区", queryset=None, required=False, empty_label="全部社区"
    )
    pool = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *Person.Pool.choices]
    )
    education = forms.ChoiceField(
        label="文化程度", required=False, choices=[("", "全部"), *Person.Education.choices]
    )
    in_post = forms.BooleanField(label="只看在任", required=False)
    posts = forms.TypedChoiceField(
        label="在任岗位数",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "不限"), (1, "1 个"), (2, "2 个"), (3, "3 个及以上")],
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class PostFilterForm(forms.Form):
    community = forms.ModelChoiceField(
        label="社区", queryset=None, required=False, empty_label="全部社区"
    )
    kind = forms.ChoiceField(
        label="岗位", required=False, choices=[("", "全部岗位"), *Post.Kind.choices]
    )
    vacant = forms.BooleanField(label="只看空缺", required=False)
    concurrent = forms.BooleanField(label="只看兼任", required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
