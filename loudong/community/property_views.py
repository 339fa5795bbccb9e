"""物业 and 业委会 of each compound, the leaders' supervision notes, and the 三长's property-service
ratings (results per compound and period, .xlsx export)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.accounts.audit import AuditAction, record
from loudong.community import property as actions
from loudong.community import ratings as rating_actions
from loudong.community.access import can_edit, communities_for, leader_compound_ids
from loudong.community.models import CompoundBody, RatingRound, SupervisionNote
from loudong.fieldwork.access import body_community_ids
from loudong.fieldwork.actions.common import Refused
from loudong.lib import xlsx
from loudong.territory.models import Building, Region


def _pick(request):
    communities = communities_for(request.user)
    pk = request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == pk), None) if pk else communities[0]
    if community is None:
        raise Http404
    return community, communities


def _compounds(user, community):
    compounds = Region.objects.filter(parent=community, level=Region.Level.COMPOUND)
    if community.pk not in body_community_ids(user):
        compounds = compounds.filter(pk__in=leader_compound_ids(user))
    return compounds.order_by("name")


class BodyForm(forms.Form):
    compound = forms.ModelChoiceField(label="小区", queryset=Region.objects.none())
    kind = forms.ChoiceField(label="类别", choices=CompoundBody.Kind.choices)
    name = forms.CharField(label="名称", max_length=100)
    contact = forms.CharField(label="联系人", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=32, required=False)
    term_start = forms.DateField(
        label="服务（任期）起", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    term_end = forms.DateField(
        label="服务（任期）止", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds


class NoteForm(forms.Form):
    body = forms.ModelChoiceField(label="监督对象", queryset=CompoundBody.objects.none())
    date = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}))
    checked = forms.CharField(label="检查内容", max_length=300)
    found = forms.CharField(
        label="发现情况", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    problem = forms.BooleanField(label="发现问题，上报社区", required=False)
    building = forms.ModelChoiceField(
        label="问题所在楼栋（上报时必选）", queryset=Building.objects.none(), required=False
    )

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = CompoundBody.objects.filter(
            compound__in=compounds, active=True
        ).select_related("compound")
        self.fields["body"].label_from_instance = lambda b: (
            f"{b.compound.name} · {b.get_kind_display()} · {b.name}"
        )
        self.fields["building"].queryset = Building.objects.filter(
            compound__in=compounds
        ).select_related("compound")


@login_required
def property_page(request):
    community, communities = _pick(request)
    compounds = _compounds(request.user, community)
    editable = can_edit(request.user, community)
    bodies = CompoundBody.objects.filter(compound__in=compounds, active=True).select_related(
        "compound"
    )
    notes = (
        SupervisionNote.objects.filter(compound__in=compounds)
        .select_related("body", "compound", "person", "incident")
        .order_by("-date", "-pk")[:100]
    )
    return render(
        request,
        "community/property.html",
        {
            "community": community,
            "communities": communities,
            "compounds": compounds,
            "bodies": bodies,
            "notes": notes,
            "can_edit": editable,
            "form": BodyForm(compounds=compounds) if editable else None,
            "rounds": RatingRound.objects.filter(community=community, kind="property")[:20],
            "breadcrumb": [{"label": "物业与业委会监督"}],
        },
    )


@require_POST
@login_required
def body_new(request):
    community, _ = _pick(request)
    form = BodyForm(request.POST, compounds=_compounds(request.user, community))
    if not form.is_valid():
        messages.error(request, "请选择小区、类别并填写名称")
    else:
        try:
            body = actions.save_body(acting_user=request.user, request=request, **form.cleaned_data)
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记 {body.compound.name} 的{body.get_kind_display()}")
    return redirect(reverse("community:property") + f"?community={community.pk}")


@login_required
def note_new(request):
    community, _ = _pick(request)
    compounds = _compounds(request.user, community)
    if not compounds:
        raise PermissionDenied("您没有可监督的小区")
    today = timezone.localdate()
    form = NoteForm(request.POST or None, compounds=compounds, initial={"date": today})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                note = actions.file_note(
                    acting_user=request.user, today=today, request=request, **form.cleaned_data
                )
            except Refused as exc:
                form.add_error(None, exc.message)
            else:
                text = "监督记录已保存"
                if note.incident:
                    text += f"，问题已作为事件 #{note.incident.pk} 上报{note.incident.level_label}"
                messages.success(request, text)
                return redirect(reverse("community:property") + f"?community={community.pk}")
        status = 400
    return render(
        request,
        "community/note_new.html",
        {"form": form, "community": community, "breadcrumb": [{"label": "登记监督记录"}]},
        status=status,
    )


# -- ratings (property and activity rounds share the pages) --------------------------------------


def _round(request, pk) -> RatingRound:
    ids = {c.pk for c in communities_for(request.user)}
    row = RatingRound.objects.filter(pk=pk).select_related("community", "activity").first()
    if row is None or row.community_id not in ids:
        raise Http404
    return row


@require_POST
@login_required
def round_new(request):
    community, _ = _pick(request)
    from loudong.community.models import ServiceActivity

    activity = None
    if request.POST.get("activity", "").isdigit():
        activity = ServiceActivity.objects.filter(
            pk=int(request.POST["activity"]), community=community
        ).first()
    try:
        row = rating_actions.open_round(
            community=community,
            kind=request.POST.get("kind", ""),
            activity=activity,
            today=timezone.localdate(),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(reverse("community:property") + f"?community={community.pk}")
    messages.success(request, f"已发起“{row.title}”，“三长”可在手机上填写")
    return redirect(row)


@login_required
def rating(request, pk):
    row = _round(request, pk)
    is_body = row.community_id in body_community_ids(request.user)
    post = rating_actions.rater_post(request.user, row)
    compounds = []
    if post is not None and row.kind == "property":
        done = set(
            row.answers.filter(person__user=request.user).values_list("compound_id", flat=True)
        )
        compounds = [c for c in _compounds(request.user, row.community) if c.pk not in done]
    answered = row.answers.filter(person__user=request.user).exists()
    return render(
        request,
        "community/rating.html",
        {
            "round": row,
            "results": rating_actions.results(row) if is_body else [],
            "is_body": is_body,
            "can_edit": can_edit(request.user, row.community),
            "may_answer": post is not None
            and row.status == "open"
            and (compounds if row.kind == "property" else not answered),
            "compounds": compounds,
            "breadcrumb": [{"label": row.title}],
        },
    )


@require_POST
@login_required
def rating_answer(request, pk):
    row = _round(request, pk)
    compound = None
    if row.kind == "property":
        compound = Region.objects.filter(
            pk=request.POST.get("compound")
            if str(request.POST.get("compound", "")).isdigit()
            else 0,
            parent=row.community,
        ).first()
    answers = {q["code"]: request.POST.get(f"q-{q['code']}", "") for q in row.questions}
    try:
        rating_actions.answer_round(
            round_=row,
            answers=answers,
            compound=compound,
            comment=request.POST.get("comment", ""),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(row)
    messages.success(request, "测评已提交，谢谢您的意见")
    return redirect(row)


@require_POST
@login_required
def rating_close(request, pk):
    row = _round(request, pk)
    try:
        rating_actions.close_round(round_=row, acting_user=request.user, request=request)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "测评已结束")
    return redirect(row)


@login_required
def rating_xlsx(request, pk):
    row = _round(request, pk)
    if not can_edit(request.user, row.community):
        raise PermissionDenied("只有社区工作者可以导出测评结果")
    headers, rows = rating_actions.export_rows(row)
    record(
        actor=request.user,
        action=AuditAction.RATING_EXPORT,
        target=row,
        region=row.community,
        new={"rows": len(rows)},
        request=request,
    )
    return xlsx.response(row.title[:31], headers, rows, filename=f"{row.title}.xlsx")
