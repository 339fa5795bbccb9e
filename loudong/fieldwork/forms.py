"""Forms of field work. Each validates input only; the actions decide who may do what."""

import uuid

from django import forms
from django.utils import timezone

from loudong.fieldwork.models import Incident, Rating
from loudong.lib.fields import DateField


def new_key() -> str:
    return uuid.uuid4().hex


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to three photos; the content check happens in the action (``clean_photos``)."""

    widget = MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        return [data] if data else []


class KeyedForm(forms.Form):
    """A submission with an idempotency key (the phone's offline outbox replays it)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)


class VisitForm(KeyedForm):
    date = DateField(label="走访日期", past_only=True)
    households = forms.MultipleChoiceField(
        label="走访住户",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一户"},
    )
    notes = forms.CharField(
        label="了解到的情况（需求、困难、意见）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    change = forms.CharField(
        label="住户情况有变化（如迁入迁出、新生儿、电话变更），请社区更新台账",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    companions = forms.CharField(label="同行人员", required=False, max_length=100)
    duration_minutes = forms.IntegerField(
        label="用时（分钟）", required=False, min_value=1, max_value=1440
    )
    problem_category = forms.ChoiceField(label="发现问题（选填，将作为事件上报）", required=False)
    problem = forms.CharField(
        label="问题情况", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, households=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].choices = [(str(h.pk), h.label) for h in households]
        self.fields["problem_category"].choices = [("", "—"), *list(categories)]
        self.fields["date"].initial = timezone.localdate()

    def clean_households(self):
        return [int(pk) for pk in self.cleaned_data["households"]]

    def clean(self):
        data = super().clean()
        if data.get("problem") and not data.get("problem_category"):
            self.add_error("problem_category", "填写了问题情况，请选择问题类别")
        if data.get("change") and len(data.get("households") or []) != 1:
            self.add_error("change", "台账变化请对单独一户登记")
        return data


class IncidentForm(KeyedForm):
    """A leader's 上报事件 on the phone (and a worker's entry, with a few more fields)."""

    category = forms.ChoiceField(label="事件类别")
    severity = forms.ChoiceField(
        label="紧急程度",
        choices=Incident.Severity.choices,
        initial=Incident.Severity.NORMAL,
        widget=forms.RadioSelect,
    )
    place = forms.ChoiceField(label="地点")
    place_text = forms.CharField(label="具体位置（选填）", required=False, max_length=100)
    description = forms.CharField(
        label="情况描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    parties = forms.CharField(
        label="当事人及联系方式（选填，加密保存）", required=False, max_length=200
    )
    photos = PhotosField(label="照片（最多 3 张）", required=False)
    resolution = forms.CharField(
        label="已就地解决的，写明处理情况",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Seed 004 §三.10: problems come up the 楼栋、单元 groups — record which one (optional).
    group = forms.TypedChoiceField(
        label="在哪个工作群里反映的（选填）", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, categories=(), places=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择"), *list(categories)]
        self.fields["place"].choices = list(places)
        self.fields["group"].choices = [("", "不是群里反映的"), *list(groups)]
        if not groups:
            del self.fields["group"]


class WorkerIncidentForm(IncidentForm):
    """A worker enters an incident, often a resident's phone call (代登记)."""

    reporter_phone = forms.CharField(label="来电人电话（回访用）", required=False, max_length=32)
    on_behalf = forms.BooleanField(label="代居民登记来电", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["resolution"]


class ServiceForm(KeyedForm):
    date = DateField(label="日期", past_only=True)
    category = forms.ChoiceField(label="类别", widget=forms.RadioSelect)
    content = forms.CharField(
        label="服务内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    people_served = forms.IntegerField(label="服务人数", min_value=0, max_value=10000, initial=1)
    post = forms.ChoiceField(label="岗位", required=False)

    def __init__(self, *args, duties=(), posts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = list(duties)
        self.fields["date"].initial = timezone.localdate()
        if len(posts) > 1:
            self.fields["post"].choices = list(posts)
        else:
            del self.fields["post"]


# -- moves ----------------------------------------------------------------------------------------


class MoveForm(forms.Form):
    """The inputs of every move; each move reads the ones it needs (the action checks them)."""

    text = forms.CharField(required=False, max_length=500)
    reason = forms.CharField(required=False, max_length=500)
    resolution = forms.CharField(required=False, max_length=2000)
    department = forms.CharField(required=False, max_length=60)
    days = forms.CharField(required=False, max_length=4)
    into = forms.CharField(required=False, max_length=20)
    assignee = forms.CharField(required=False, max_length=20)
    grade = forms.ChoiceField(required=False, choices=[("", ""), *Rating.Grade.choices])
    comment = forms.CharField(required=False, max_length=200)


class BulkForm(forms.Form):
    move = forms.ChoiceField(
        label="批量操作", choices=[("assign", "指派"), ("close", "关闭"), ("merge", "合并")]
    )
    ids = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    assignee = forms.CharField(required=False, max_length=20)
    resolution = forms.CharField(required=False, max_length=2000)
    into = forms.CharField(required=False, max_length=20)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部未结"), *Incident.Status.choices, ("all", "全部")],
    )
    level = forms.ChoiceField(label="层级", required=False)
    category = forms.ChoiceField(label="类别", required=False)
    grid = forms.ChoiceField(label="网格", required=False)
    community = forms.ChoiceField(label="社区", required=False)
    overdue = forms.BooleanField(label="只看超期", required=False)
    severity = forms.ChoiceField(
        label="紧急程度", required=False, choices=[("", "全部"), *Incident.Severity.choices]
    )

    def __init__(self, *args, levels=(), categories=(), grids=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "全部"), *list(levels)]
        self.fields["category"].choices = [("", "全部"), *list(categories)]
        self.fields["grid"].choices = [("", "全部"), *list(grids)]
        self.fields["community"].choices = [("", "全部"), *list(communities)]


class ResidentReportForm(forms.Form):
    category = forms.ChoiceField(label="问题类别")
    description = forms.CharField(
        label="问题描述", max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    place_text = forms.CharField(
        label="具体位置（如 2单元楼道、地下车库）", required=False, max_length=100
    )
    photos = PhotosField(label="照片（选填，最多 3 张）", required=False)
    phone = forms.CharField(
        label="联系电话（选填，便于回访；仅社区可见）",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择"), *list(categories)]


class RateForm(forms.Form):
    grade = forms.ChoiceField(
        label="您对办理结果", choices=Rating.Grade.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label="意见（选填）", required=False, max_length=200)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="问题仍未解决的情况", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="审阅意见", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SubmitReportForm(forms.Form):
    remarks = forms.CharField(
        label="重大情况及其他说明（选填）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ChangeReviewForm(forms.Form):
    confirmed = forms.TypedChoiceField(
        label="处理", choices=[("1", "已更新台账"), ("0", "不予更新")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="处理说明", required=False, max_length=200)
