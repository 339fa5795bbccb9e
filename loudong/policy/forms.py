import copy
import json

from django import forms

from loudong.lib.fields import DateField
from loudong.lib.jsontext import MAX_DEPTH, nesting_depth
from loudong.lib.widgets import DateInput
from loudong.policy.models import Holiday
from loudong.policy.schema import label, validate_profile

# The common numbers get their own fields; everything else is edited in the JSON text.
NAMED = [
    ("division.target", "int"),
    ("division.lower", "int"),
    ("division.upper", "int"),
    ("concurrency.max_grids", "int"),
    ("eligibility.max_age", "int_or_none"),
    ("public_notice.working_days", "int"),
    ("subsidy.per_grid_monthly", "money"),
    ("subsidy.paid_monthly", "money"),
    ("subsidy.year_end_accrued", "money"),
]


def _field_name(path: str) -> str:
    return path.replace(".", "__").replace("[", "_").replace("]", "")


def _get(data, path):
    node = data
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _set(data, path, value) -> bool:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return False
    node[last] = value
    return True


class ProfileForm(forms.Form):
    """Named fields for the common numbers, the whole profile as JSON, and a required note.

    A named field that the user changed overrides the same value in the JSON text; an
    unchanged one leaves the JSON as typed. ``cleaned_data["data"]`` is the new profile.
    """

    base_version = forms.IntegerField(widget=forms.HiddenInput)
    profile_json = forms.CharField(
        label="全部参数（JSON）",
        widget=forms.Textarea(attrs={"rows": 24, "class": "mono", "spellcheck": "false"}),
        help_text='高级：可直接修改任何参数。上面改动过的常用参数以上面的为准。金额用带引号的文字，如 "300.00"。',
    )
    effective_from = DateField(
        label="生效日期",
        help_text="新版本自这一天起适用；进行中的选配、已开始的补贴期和评议仍按原版本。",
    )
    note = forms.CharField(
        label="修改说明",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="为什么修改（例如：街道党工委 2026 年第 3 次会议决定），将写入版本记录和审计日志。",
    )

    def __init__(self, *args, profile, **kwargs):
        self.profile = profile
        data = profile.data
        from django.utils import timezone

        initial = {
            "effective_from": timezone.localdate(),
            "base_version": profile.version,
            "profile_json": json.dumps(data, ensure_ascii=False, indent=2),
        }
        named = {}
        for path, kind in NAMED:
            name = _field_name(path)
            value = _get(data, path)
            named[name] = (path, kind)
            initial[name] = value
        for i, grade in enumerate(_get(data, "evaluation.grades") or []):
            path = f"evaluation.grades[{i}].factor"
            named[_field_name(path)] = (path, "factor")
            initial[_field_name(path)] = grade.get("factor")
        super().__init__(*args, initial=initial, **kwargs)
        self.named = {}
        fields = {}
        for name, (path, kind) in named.items():
            if kind == "factor":
                i = int(path.split("[")[1].split("]")[0])
                grade = data["evaluation"]["grades"][i]
                text = f"年终系数：{grade.get('label')}（{path}）"
                field = forms.DecimalField(
                    label=text, min_value=0, max_value=1, max_digits=3, decimal_places=2
                )
            elif kind == "money":
                field = forms.DecimalField(
                    label=f"{label(path)}（{path}）", min_value=0, max_digits=10, decimal_places=2
                )
            else:
                field = forms.IntegerField(
                    label=f"{label(path)}（{path}）", required=kind != "int_or_none"
                )
            fields[name] = field
            self.named[name] = (path, kind)
        # Named fields first, then the JSON and the note.
        self.fields = {**fields, **self.fields}

    def named_fields(self):
        return [self[name] for name in self.named]

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("profile_json")
        if text is None:
            return cleaned
        if nesting_depth(text) > MAX_DEPTH:
            self.add_error(
                "profile_json", f"（整个方案）：嵌套层数超过 {MAX_DEPTH} 层，不是有效的政策方案"
            )
            return cleaned
        try:
            data = json.loads(text)
        except ValueError as exc:
            lineno, colno = getattr(exc, "lineno", "?"), getattr(exc, "colno", "?")
            self.add_error("profile_json", f"JSON 格式错误：第 {lineno} 行第 {colno} 列")
            return cleaned
        if not isinstance(data, dict):
            self.add_error("profile_json", "（整个方案）：必须是 JSON 对象（{…}）")
            return cleaned
        data = copy.deepcopy(data)
        for name, (path, kind) in self.named.items():
            if name not in cleaned:
                continue
            value = cleaned[name]
            if kind in ("money", "factor") and value is not None:
                value = f"{value:.2f}"
            if value == self.initial.get(name):
                continue  # untouched: the JSON text decides
            if kind == "factor":
                base, i = path.split("[")[0], int(path.split("[")[1].split("]")[0])
                grades = _get(data, base)
                if isinstance(grades, list) and i < len(grades) and isinstance(grades[i], dict):
                    grades[i]["factor"] = value
            else:
                _set(data, path, value)
        by_path = {path: name for name, (path, _) in self.named.items()}
        for message in validate_profile(data):
            path = message.split("：", 1)[0]
            self.add_error(by_path.get(path), message)
        cleaned["data"] = data
        return cleaned


class HolidayForm(forms.ModelForm):
    date = DateField(label="日期")

    class Meta:
        model = Holiday
        fields = ["date", "kind", "name"]
        widgets = {"date": DateInput()}
        help_texts = {"name": "例如：2027 年春节；调休上班日可写“春节调休”"}

    def validate_unique(self):
        # The action reports an existing date in its own words.
        pass


class HolidayYearForm(forms.Form):
    """A whole year's schedule as the State Council's notice gives it, in one go.

    One entry per line: a date or a range, then the name —
    ``2027-02-06 至 2027-02-12 春节`` or ``2027-01-01 元旦``; 调休上班日 the same way.
    """

    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    holidays = forms.CharField(
        label="放假日期",
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
        help_text="每行一项：日期或“起 至 止”，后写名称，如 2027-02-06 至 2027-02-12 春节",
    )
    workdays = forms.CharField(
        label="调休上班日期",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
        help_text="每行一项，如 2027-02-14 春节调休",
    )

    def clean(self):
        data = super().clean()
        year = data.get("year")
        entries = []
        for field, kind in (("holidays", "holiday"), ("workdays", "workday")):
            for n, line in enumerate((data.get(field) or "").splitlines(), 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    days, name = _parse_line(line)
                except ValueError as exc:
                    self.add_error(field, f"第 {n} 行“{line}”：{exc}")
                    continue
                for day in days:
                    if year and day.year != year:
                        self.add_error(field, f"第 {n} 行：{day:%Y-%m-%d} 不在 {year} 年")
                    entries.append((day, kind, name))
        seen = {}
        for day, kind, _name in entries:
            if day in seen and seen[day] != kind:
                self.add_error(None, f"{day:%Y-%m-%d} 既是放假又是调休上班")
            seen[day] = kind
        data["entries"] = entries
        return data


def _parse_line(line: str):
    import datetime as dt
    import re

    match = re.match(
        r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:至|到|~|－|-{1,2})\s*(\d{4}-\d{1,2}-\d{1,2}))?\s*(.*)$",
        line,
    )
    if not match:
        raise ValueError("应以日期开头，如 2027-01-01")
    try:
        start = dt.date(*map(int, match.group(1).split("-")))
        end = dt.date(*map(int, match.group(2).split("-"))) if match.group(2) else start
    except ValueError:
        raise ValueError("日期无效") from None
    if end < start:
        raise ValueError("结束日期早于开始日期")
    if (end - start).days > 14:
        raise ValueError("一段假期不应超过 15 天")
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return days, match.group(3).strip()[:40]
