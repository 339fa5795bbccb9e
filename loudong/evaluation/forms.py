from django import forms
from django.utils import timezone

from loudong.lib.fields import DateField


class OpenRoundForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=None, empty_label=None)
    year = forms.IntegerField(label="评议年度", min_value=2000, max_value=2100)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["year"].initial = timezone.localdate().year


class AttitudeForm(forms.Form):
    score = forms.IntegerField(label="工作态度得分（0–100）", min_value=0, max_value=100)
    note = forms.CharField(
        label="说明", max_length=300, required=False, help_text="修改已评定的分数须填写理由"
    )


class WorkForm(forms.Form):
    score = forms.DecimalField(
        label="工作内容得分（0–100）",
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        required=False,
        help_text="留空则按工作记录的建议分",
    )
    reason = forms.CharField(
        label="理由", max_length=300, required=False, help_text="与建议分不同时必填"
    )


class MeetingForm(forms.Form):
    date = DateField(label="会议日期", past_only=True)
    households = forms.IntegerField(label="应到户数", min_value=1, max_value=100000)
    attendance = forms.IntegerField(label="实到户数", min_value=0, max_value=100000)
    votes_for = forms.IntegerField(label="满意（赞成）", min_value=0, max_value=100000)
    votes_against = forms.IntegerField(label="不满意（反对）", min_value=0, max_value=100000)
    abstentions = forms.IntegerField(label="弃权", min_value=0, max_value=100000)
    notes = forms.CharField(
        label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PaperForm(forms.Form):
    """Returned paper forms: their slip numbers, and the count of each option per question."""

    slips = forms.CharField(
        label="收回的回执编号",
        max_length=2000,
        help_text="每份纸质问卷一个编号，如 1, 2, 5-8",
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for i, question in enumerate(self.questions, 1):
            for option in question.options:
                self.fields[f"q_{question.code}_{option['code']}"] = forms.IntegerField(
                    label=f"第 {i} 题 · {option['label']}",
                    min_value=0,
                    max_value=100000,
                    required=False,
                )

    def grouped(self):
        """(question, [bound fields]) for the template."""
        return [(q, [self[f"q_{q.code}_{o['code']}"] for o in q.options]) for q in self.questions]

    def counts(self) -> dict[str, dict[str, int]]:
        out = {}
        for question in self.questions:
            out[question.code] = {
                o["code"]: self.cleaned_data.get(f"q_{question.code}_{o['code']}") or 0
                for o in question.options
            }
        return out


class AddEvaluationForm(forms.Form):
    """补充评议: a person and a post of the community; the action checks the year's tenure."""

    person = forms.ModelChoiceField(label="人员", queryset=None)
    post = forms.ModelChoiceField(label="岗位", queryset=None)

    def __init__(self, *args, persons, posts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons
        self.fields["post"].queryset = posts


class AdjustForm(forms.Form):
    notice_date = DateField(label="告知本人日期", past_only=True)
    end = DateField(label="离任日期")
