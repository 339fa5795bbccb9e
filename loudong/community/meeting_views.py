"""Pages of the 定期协商 meetings: list with the grids due, convene, the meeting page (attendance,
minutes, decisions), the printable A4 minutes, and one POST URL per verb."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.community import meetings as actions
from loudong.community.access import can_edit, communities_for, get_for_user, leader_posts
from loudong.community.models import Decision, Meeting, MeetingSchedule
from loudong.fieldwork.actions.common import Refused
from loudong.fieldwork.models import Incident
from loudong.policy.profile import profile_for
from loudong.roster.models import Person
from loudong.territory.models import Building


class ConveneForm(forms.Form):
    grid_code = forms.ChoiceField(label="网格")
    title = forms.CharField(label="会议名称", max_length=100)
    starts = forms.DateTimeField(
        label="会议时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label="地点", max_length=100, required=False)
    agenda = forms.CharField(
        label="其他议题（每行一项）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    incidents = forms.ModelMultipleChoiceField(
        label="从待办事件中选取议题",
        queryset=Incident.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, grids, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid_code"].choices = [(c, f"网格 {c[-2:]}（{c}）") for c in grids]
        self.fields["incidents"].queryset = incidents


class MinutesForm(forms.Form):
    text = forms.CharField(
        label="会议纪要", max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )


class ReviseForm(forms.Form):
    text = forms.CharField(
        label="修订后纪要", max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    reason = forms.CharField(label="修订理由", max_length=200)


class DecisionForm(forms.Form):
    text = forms.CharField(label="决定事项", max_length=300)
    owner = forms.ModelChoiceField(
        label="责任人", queryset=Person.objects.none(), required=False, empty_label="请选择"
    )
    due = forms.DateField(label="完成时限", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Person.objects.filter(
            pk__in=meeting.invitees.values("person")
        ).order_by("name")


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label="完成进度（%）", min_value=0, max_value=100)
    note = forms.CharField(label="进展说明", max_length=300)


class ToIncidentForm(forms.Form):
    category = forms.ChoiceField(label="事件类别")
    building = forms.ModelChoiceField(label="楼栋", queryset=Building.objects.none())

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        from loudong.grids.models import GridPiece

        profile = profile_for(meeting.community, on=timezone.localdate())
        self.fields["category"].choices = [
            (c.code, f"{'　' if c.parent else ''}{c.label}") for c in profile.fieldwork.categories
        ]
        buildings = Building.objects.filter(community=meeting.community)
        if meeting.grid_code:
            buildings = buildings.filter(
                pk__in=GridPiece.objects.filter(
                    grid__code=meeting.grid_code, grid__division__status="frozen"
                ).values("building_id")
            )
        self.fields["building"].queryset = buildings.select_related("compound")


def _convenable_grids(user, community) -> list[str]:
    from loudong.grids.models import Grid

    codes = list(
        Grid.objects.in_force()
        .filter(community=community)
        .exclude(code="")
        .order_by("code")
        .values_list("code", flat=True)
    )
    if can_edit(user, community):
        return codes
    profile = profile_for(community, on=timezone.localdate())
    mine = {p.grid_code for p in leader_posts(user, profile.meetings.convener_kinds) if p.grid_code}
    return [c for c in codes if c in mine]


def _community(request):
    communities = communities_for(request.user)
    pk = request.GET.get("community")
    if pk:
        community = next((c for c in communities if str(c.pk) == pk), None)
        if community is None:
            raise Http404
    else:
        community = communities[0]
    return community, communities


@login_required
def index(request):
    """三长机制: the hub of the community's mechanisms (seed 004 §三)."""
    community, communities = _community(request)
    return render(
        request,
        "community/index.html",
        {
            "community": community,
            "communities": communities,
            "is_body": can_edit(request.user, community),
            "breadcrumb": [{"label": "三长机制"}],
        },
    )


@login_required
def meetings(request):
    community, communities = _community(request)
    today = timezone.localdate()
    rows = (
        Meeting.objects.visible_to(request.user)
        .filter(community=community)
        .select_related("branch", "convener_person")
        .distinct()[:200]
    )
    grids = _convenable_grids(request.user, community)
    due = [d for d in actions.due_grids(community, today) if d[0] in grids]
    decisions = (
        Decision.objects.filter(meeting__in=Meeting.objects.visible_to(request.user))
        .filter(community=community)
        .exclude(status=Decision.Status.DONE)
        .select_related("owner", "meeting")
        .distinct()
        .order_by("due", "pk")[:100]
    )
    return render(
        request,
        "community/meetings.html",
        {
            "community": community,
            "communities": communities,
            "meetings": rows,
            "due": due,
            "decisions": decisions,
            "today": today,
            "can_convene": bool(grids),
            "grids": grids,
            "can_edit": can_edit(request.user, community),
            "frequencies": MeetingSchedule._meta.get_field("frequency").choices,
            "default_frequency": profile_for(community, on=today).meetings.frequency,
            "breadcrumb": [{"label": "协商会议"}],
        },
    )


def _convene_form(request, community, data=None):
    grids = _convenable_grids(request.user, community)
    if not grids:
        raise PermissionDenied("只有网格长或社区工作者可以召集协商会议")
    recent = list(
        Incident.objects.visible_to(request.user)
        .filter(community=community, status__in=Incident.OPEN, grid_code__in=grids)
        .order_by("-created")
        .values_list("pk", flat=True)[:50]
    )
    incidents = (
        Incident.objects.filter(pk__in=recent)
        .select_related("category", "building__compound", "unit__building__compound", "compound")
        .order_by("-created")
    )
    initial = {"grid_code": request.GET.get("grid"), "title": "网格协商会议"}
    return ConveneForm(data, grids=grids, incidents=incidents, initial=initial)


@login_required
def meeting_new(request):
    community, _ = _community(request)
    if request.method == "POST":
        form = _convene_form(request, community, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = actions.convene_meeting(
                    community=community,
                    grid_code=data["grid_code"],
                    title=data["title"],
                    starts=data["starts"],
                    place=data["place"],
                    agenda=data["agenda"].splitlines(),
                    incidents=list(data["incidents"]),
                    acting_user=request.user,
                    request=request,
                )
            except Refused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"已召集“{meeting.title}”，邀请 {meeting.invitees.count()} 人"
                )
                return redirect(meeting)
        status = 400
    else:
        form, status = _convene_form(request, community), 200
    return render(
        request,
        "community/meeting_new.html",
        {
            "form": form,
            "community": community,
            "breadcrumb": [
                {"label": "协商会议", "url": reverse("community:meetings")},
                {"label": "召集会议"},
            ],
        },
        status=status,
    )


def _meeting(request, pk) -> Meeting:
    return get_for_user(
        Meeting.objects.select_related("community", "branch", "convener_person"),
        request.user,
        pk,
        request,
    )


def _detail(request, meeting, status=200, **forms_):
    may = actions.may_manage(request.user, meeting)
    decisions = list(
        meeting.decisions.select_related("owner", "incident").prefetch_related("updates")
    )
    failed = forms_.get("incident_form")
    for d in decisions:
        d.may_update = actions.may_update(request.user, d)
        # One form per decision, each with its own field ids.
        d.progress_form = ProgressForm(prefix=f"p{d.pk}")
        d.incident_form = (
            failed
            if failed is not None and failed.prefix == f"i{d.pk}"
            else ToIncidentForm(meeting=meeting, prefix=f"i{d.pk}")
        )
    context = {
        "meeting": meeting,
        "invitees": meeting.invitees.select_related("person"),
        "agenda": meeting.agenda.select_related("incident__category"),
        "revisions": meeting.revisions.select_related("created_by"),
        "decisions": decisions,
        "may_manage": may,
        "today": timezone.localdate(),
        "attendance_choices": [c for c in meeting.invitees.model.Attendance.choices if c[0]],
        "minutes_form": forms_.get("minutes_form")
        or MinutesForm(prefix="minutes", initial={"text": meeting.minutes}),
        "revise_form": forms_.get("revise_form")
        or ReviseForm(prefix="revise", initial={"text": meeting.current_minutes()}),
        "decision_form": forms_.get("decision_form")
        or DecisionForm(meeting=meeting, prefix="decision"),
        "breadcrumb": [
            {"label": "协商会议", "url": reverse("community:meetings")},
            {"label": meeting.title},
        ],
    }
    return render(request, "community/meeting_detail.html", context, status=status)


@login_required
def meeting(request, pk):
    return _detail(request, _meeting(request, pk))


@login_required
def meeting_print(request, pk):
    meeting = _meeting(request, pk)
    return render(
        request,
        "community/meeting_print.html",
        {
            "meeting": meeting,
            "invitees": meeting.invitees.select_related("person"),
            "agenda": meeting.agenda.all(),
            "decisions": meeting.decisions.select_related("owner"),
            "revisions": meeting.revisions.all(),
        },
    )


def _refused(request, meeting, exc, **forms_):
    messages.error(request, exc.message if isinstance(exc, Refused) else str(exc))
    return _detail(request, meeting, status=400, **forms_)


@require_POST
@login_required
def attendance(request, pk):
    meeting = _meeting(request, pk)
    values = {}
    for invitee in meeting.invitees.all():
        value = request.POST.get(f"att-{invitee.pk}", "")
        if value:
            values[invitee.pk] = value
    try:
        actions.record_attendance(
            meeting=meeting, attendance=values, acting_user=request.user, request=request
        )
    except Refused as exc:
        return _refused(request, meeting, exc)
    messages.success(request, f"已登记出席情况（{len(values)} 人）")
    return redirect(meeting)


@require_POST
@login_required
def minutes(request, pk):
    meeting = _meeting(request, pk)
    form = MinutesForm(request.POST, prefix="minutes")
    if not form.is_valid():
        return _detail(request, meeting, status=400, minutes_form=form)
    try:
        actions.write_minutes(
            meeting=meeting,
            text=form.cleaned_data["text"],
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        return _refused(request, meeting, exc, minutes_form=form)
    messages.success(request, "会议纪要已保存")
    return redirect(meeting)


@require_POST
@login_required
def approve(request, pk):
    meeting = _meeting(request, pk)
    try:
        actions.approve_minutes(meeting=meeting, acting_user=request.user, request=request)
    except Refused as exc:
        return _refused(request, meeting, exc)
    messages.success(request, "纪要已审定；此后的更正将作为修订保存")
    return redirect(meeting)


@require_POST
@login_required
def revise(request, pk):
    meeting = _meeting(request, pk)
    form = ReviseForm(request.POST, prefix="revise")
    if not form.is_valid():
        return _detail(request, meeting, status=400, revise_form=form)
    try:
        revision = actions.revise_minutes(
            meeting=meeting, acting_user=request.user, request=request, **form.cleaned_data
        )
    except Refused as exc:
        return _refused(request, meeting, exc, revise_form=form)
    messages.success(request, f"已保存第 {revision.number} 次修订，原审定纪要保留")
    return redirect(meeting)


@require_POST
@login_required
def cancel(request, pk):
    meeting = _meeting(request, pk)
    try:
        actions.cancel_meeting(
            meeting=meeting,
            reason=request.POST.get("reason", ""),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        return _refused(request, meeting, exc)
    messages.success(request, "会议已取消")
    return redirect(meeting)


@require_POST
@login_required
def decision_add(request, pk):
    meeting = _meeting(request, pk)
    form = DecisionForm(request.POST, meeting=meeting, prefix="decision")
    if not form.is_valid():
        return _detail(request, meeting, status=400, decision_form=form)
    try:
        decision = actions.add_decision(
            meeting=meeting, acting_user=request.user, request=request, **form.cleaned_data
        )
    except Refused as exc:
        return _refused(request, meeting, exc, decision_form=form)
    messages.success(
        request, f"已登记决定事项，责任人 {decision.owner}，{decision.due:%m月%d日}前完成"
    )
    return redirect(meeting)


def _decision(request, pk) -> Decision:
    decision = get_for_user(
        Decision.objects.select_related("meeting__community", "owner"), request.user, pk, request
    )
    return decision


@require_POST
@login_required
def decision_progress(request, pk):
    decision = _decision(request, pk)
    form = ProgressForm(request.POST, prefix=f"p{decision.pk}")
    if not form.is_valid():
        messages.error(request, "进展：请填写 0–100 的进度和进展说明")
        return _detail(request, decision.meeting, status=400)
    try:
        actions.update_decision(
            decision=decision, acting_user=request.user, request=request, **form.cleaned_data
        )
    except Refused as exc:
        return _refused(request, decision.meeting, exc)
    messages.success(request, "进展已更新")
    return redirect(decision.meeting)


@require_POST
@login_required
def decision_incident(request, pk):
    decision = _decision(request, pk)
    form = ToIncidentForm(request.POST, meeting=decision.meeting, prefix=f"i{decision.pk}")
    if not form.is_valid():
        return _detail(request, decision.meeting, status=400, incident_form=form)
    try:
        incident = actions.decision_to_incident(
            decision=decision, acting_user=request.user, request=request, **form.cleaned_data
        )
    except Refused as exc:
        return _refused(request, decision.meeting, exc, incident_form=form)
    messages.success(request, f"已转为事件 #{incident.pk}，按上报层级办理")
    return redirect(decision.meeting)


@require_POST
@login_required
def schedule(request):
    community, _ = _community(request)
    grid = request.POST.get("grid_code", "")
    if grid not in _convenable_grids(request.user, community):
        raise Http404
    try:
        actions.set_schedule(
            community=community,
            grid_code=grid,
            frequency=request.POST.get("frequency", ""),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(reverse("community:meetings") + f"?community={community.pk}")
    messages.success(request, f"网格 {grid[-2:]} 的协商周期已设置")
    return redirect(reverse("community:meetings") + f"?community={community.pk}")
