import datetime as dt

from django import forms

from loudong.lib.fields import BIRTH_EARLIEST, DateField
from loudong.lib.idnumber import IDNumberError, birth_date, sex_of, validate_id_number
from loudong.lib.phones import PhoneError, normalize_phone
from loudong.territory.importer import POLITICAL_STATUSES, RELATIONS
from loudong.territory.models import Household, Resident


class ResidentForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    relation = forms.CharField(
        label="与户主关系",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"list": "relations"}),
        help_text="如 " + "、".join(RELATIONS[:6]),
    )
    is_householder = forms.BooleanField(label="户主", required=False)
    id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    sex = forms.ChoiceField(
        label="性别", choices=[("", "按身份证号"), *Resident.Sex.choices], required=False
    )
    birth_date = DateField(
        label="出生日期",
        required=False,
        past_only=True,
        earliest=BIRTH_EARLIEST,
        help_text="留空则按身份证号",
    )
    political_status = forms.ChoiceField(
        label="政治面貌", required=False, choices=[("", "—"), *((s, s) for s in POLITICAL_STATUSES)]
    )
    notes = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, resident: Resident | None = None, **kwargs):
        self.resident = resident
        if resident is not None and "data" not in kwargs and not args:
            kwargs["initial"] = {
                "name": resident.name,
                "relation": resident.relation,
                "is_householder": resident.is_householder,
                "sex": resident.sex,
                "birth_date": resident.birth_date,
                "notes": resident.notes,
            }
        super().__init__(*args, **kwargs)
        if resident is not None:
            # Not pre-filled: party membership is shown only through an audited reveal.
            self.fields[
                "political_status"
            ].help_text = (
                f"当前 {'已登记' if resident.political_status else '未登记'}；留空表示不修改"
            )
            self.fields[
                "id_number"
            ].help_text = f"当前 {resident.id_number.masked or '未登记'}；留空表示不修改"
            self.fields[
                "phone"
            ].help_text = (
                f"当前 {resident.phone.masked or '未登记'}；留空表示不修改，填“无”表示清除"
            )
        else:
            self.fields["id_number"].required = True

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        if not value:
            return ""
        try:
            number = validate_id_number(value)
        except IDNumberError as exc:
            raise forms.ValidationError(str(exc)) from None
        others = Resident.objects.current().with_id_number(number)
        if self.resident is not None:
            others = others.exclude(pk=self.resident.pk)
        if others.exists():
            raise forms.ValidationError("该身份证号已登记在册（同一居民只能有一条在册记录）")
        return number

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if value == "无":
            return "无"
        try:
            return normalize_phone(value)
        except PhoneError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        number = data.get("id_number") or (
            self.resident.id_number.reveal()
            if self.resident is not None and self.resident.id_number
            else ""
        )
        if number:
            if data.get("sex") and data["sex"] != sex_of(number):
                self.add_error("sex", "性别与身份证号不符")
            if data.get("birth_date") and data["birth_date"] != birth_date(number):
                self.add_error("birth_date", "出生日期与身份证号不符")
            data["sex"] = data.get("sex") or sex_of(number)
            data["birth_date"] = data.get("birth_date") or birth_date(number)
        return data

    def values(self) -> dict:
        """Keyword arguments for actions.create_resident / update_resident."""
        data = dict(self.cleaned_data)
        if self.resident is not None:
            if not data["id_number"]:
                data.pop("id_number")
            if data["phone"] == "":
                data.pop("phone")
            if data["political_status"] == "":
                data.pop("political_status")
        if data.get("phone") == "无":
            data["phone"] = ""
        return data


class MoveOutForm(forms.Form):
    # Not in the future, not before the records begin (0001-01-01 was accepted).
    on = DateField(label="迁出日期", initial=dt.date.today, past_only=True)
    reason = forms.CharField(label="原因", max_length=200, required=False)


class HouseholdForm(forms.Form):
    room = forms.CharField(label="房号", max_length=20)
    floor = forms.IntegerField(label="楼层", required=False, min_value=-5, max_value=200)
    residence = forms.ChoiceField(label="居住类型", choices=Household.Residence.choices)

    def __init__(self, *args, unit=None, household=None, **kwargs):
        self.unit = unit
        self.household = household
        super().__init__(*args, **kwargs)

    def clean_room(self):
        from loudong.territory.importer import room_label

        room = room_label(self.cleaned_data["room"])
        if not room:
            raise forms.ValidationError("房号为空")
        unit = self.unit or self.household.unit
        clash = Household.objects.filter(unit=unit, room=room)
        if self.household is not None:
            clash = clash.exclude(pk=self.household.pk)
        if clash.exists():
            raise forms.ValidationError(f"{unit}已有 {room} 室")
        return room


class UploadForm(forms.Form):
    file = forms.FileField(label="登记表文件", help_text=".xlsx、.xls 或 .csv，按模板填写")
    dry_run = forms.BooleanField(label="仅校验，不写入", required=False, initial=True)
    partial = forms.BooleanField(
        label="有错误时导入无误的行（默认：全部无误才导入）", required=False
    )
    create_regions = forms.BooleanField(
        label="新建表中没有的街道、社区（仅街道管理员）", required=False
    )

    def clean_file(self):
        from django.conf import settings

        from loudong.lib.sheets import SheetError, kind_of

        upload = self.cleaned_data["file"]
        try:
            kind_of(upload.name)
        except SheetError as exc:
            raise forms.ValidationError(str(exc)) from None
        if upload.size > settings.LOUDONG_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"文件过大（上限 {settings.LOUDONG_MAX_UPLOAD_BYTES // 1024 // 1024} MB）"
            )
        return upload


class SearchForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        max_length=50,
        required=False,
        help_text="姓名（前几个字）、身份证号、手机号、号码后 4 位，或小区名",
    )


class CommunityContactForm(forms.Form):
    """The community's 负责人 and office phone: 甲方 of every agreement, the boards' stand-in."""

    leader_name = forms.CharField(label="负责人", max_length=50)
    office_phone = forms.CharField(
        label="办公电话",
        max_length=32,
        help_text="如 0566-2021234；公示牌上未同意公开电话的楼栋长处显示此号码",
    )

    def clean_office_phone(self):
        try:
            return normalize_phone(self.cleaned_data["office_phone"])
        except PhoneError as exc:
            raise forms.ValidationError(str(exc)) from None


class ResidentsMeetingForm(forms.Form):
    """A 楼栋居民会议 with up to five questions, each tallied by household."""

    building = forms.ModelChoiceField(label="楼栋", queryset=None, required=False)
    compound = forms.ModelChoiceField(label="或小区", queryset=None, required=False)
    date = DateField(label="会议日期", past_only=True)
    title = forms.CharField(label="会议名称", max_length=100)
    agenda = forms.CharField(label="议程", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    households = forms.IntegerField(label="应到户数", min_value=1, max_value=100000)
    attendance = forms.IntegerField(label="实到户数", min_value=0, max_value=100000)
    notes = forms.CharField(
        label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    QUESTIONS = 5

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        from loudong.territory.models import Building, Region

        self.fields["building"].queryset = Building.objects.filter(
            community=community
        ).select_related("compound")
        self.fields["compound"].queryset = Region.objects.filter(parent=community, level="compound")
        for i in range(1, self.QUESTIONS + 1):
            self.fields[f"q{i}_text"] = forms.CharField(
                label=f"表决事项 {i}", max_length=200, required=i == 1
            )
            for key, label in (("for", "赞成"), ("against", "反对"), ("abstain", "弃权")):
                self.fields[f"q{i}_{key}"] = forms.IntegerField(
                    label=f"事项 {i} {label}（户）", min_value=0, max_value=100000, required=False
                )

    def questions(self) -> list[tuple[str, int, int, int]]:
        data = self.cleaned_data
        out = []
        for i in range(1, self.QUESTIONS + 1):
            text = (data.get(f"q{i}_text") or "").strip()
            if text:
                out.append(
                    (
                        text,
                        data.get(f"q{i}_for") or 0,
                        data.get(f"q{i}_against") or 0,
                        data.get(f"q{i}_abstain") or 0,
                    )
                )
        return out


class AttentionForm(forms.Form):
    """重点关注: the reason is required with the flag and stays with the community."""

    needs_attention = forms.BooleanField(label="列为重点关注户", required=False)
    reason = forms.CharField(
        label="重点关注原因",
        max_length=100,
        required=False,
        help_text="如 独居老人、残疾人、低保户；加密保存，楼栋长只看到“重点关注”，看不到原因",
    )

    def clean(self):
        data = super().clean()
        if data.get("needs_attention") and not (data.get("reason") or "").strip():
            self.add_error("reason", "列为重点关注户时须填写原因")
        return data
