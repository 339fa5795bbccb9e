"""The 三长's voice (seed 004 §四.13): service projects proposed with their input, service
activities and their 成效 ratings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from loudong.community import ratings as actions
from loudong.community.access import can_edit, communities_for, person_of
from loudong.community.models import ProjectInput, RatingRound, ServiceActivity, ServiceProject
from loudong.community.property_views import _pick
from loudong.fieldwork.actions.common import Refused


@login_required
def projects(request):
    community, communities = _pick(request)
    rows = ServiceProject.objects.filter(community=community).prefetch_related("inputs")
    for p in rows:
        p.support = sum(1 for i in p.inputs.all() if i.supports)
        p.against = sum(1 for i in p.inputs.all() if not i.supports)
    activities = ServiceActivity.objects.filter(community=community).prefetch_related("rounds")
    return render(
        request,
        "community/projects.html",
        {
            "community": community,
            "communities": communities,
            "projects": rows,
            "activities": activities,
            "can_edit": can_edit(request.user, community),
            "today": timezone.localdate(),
            "breadcrumb": [{"label": "服务项目与活动测评"}],
        },
    )


@require_POST
@login_required
def project_new(request):
    community, _ = _pick(request)
    try:
        project = actions.propose_project(
            community=community,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(reverse("community:projects") + f"?community={community.pk}")
    messages.success(request, f"已提出服务项目“{project.title}”，征求“三长”意见")
    return redirect(project)


def _project(request, pk) -> ServiceProject:
    ids = {c.pk for c in communities_for(request.user)}
    row = ServiceProject.objects.filter(pk=pk, community_id__in=ids).first()
    if row is None:
        raise Http404
    return row


@login_required
def project(request, pk):
    row = _project(request, pk)
    person = person_of(request.user)
    mine = ProjectInput.objects.filter(project=row, person=person).first() if person else None
    return render(
        request,
        "community/project.html",
        {
            "project": row,
            "inputs": row.inputs.select_related("person"),
            "mine": mine,
            "is_leader": person is not None,
            "can_edit": can_edit(request.user, row.community),
            "breadcrumb": [
                {"label": "服务项目与活动测评", "url": reverse("community:projects")},
                {"label": row.title},
            ],
        },
    )


@require_POST
@login_required
def project_input(request, pk):
    row = _project(request, pk)
    try:
        actions.give_input(
            project=row,
            supports=request.POST.get("supports") == "yes",
            comment=request.POST.get("comment", ""),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "意见已提交")
    return redirect(row)


@require_POST
@login_required
def project_decide(request, pk):
    row = _project(request, pk)
    try:
        actions.decide_project(
            project=row,
            adopt=request.POST.get("adopt") == "yes",
            note=request.POST.get("note", ""),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已作出采纳决定")
    return redirect(row)


@require_POST
@login_required
def activity_new(request):
    community, _ = _pick(request)
    raw = request.POST.get("date", "")
    try:
        day = parse_date(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    project = None
    if request.POST.get("project", "").isdigit():
        project = ServiceProject.objects.filter(
            pk=int(request.POST["project"]), community=community
        ).first()
    back = reverse("community:projects") + f"?community={community.pk}"
    if day is None:
        messages.error(request, "活动日期：请填写")
        return redirect(back)
    try:
        activity = actions.save_activity(
            community=community,
            title=request.POST.get("title", ""),
            date=day,
            project=project,
            acting_user=request.user,
            request=request,
        )
        round_ = actions.open_round(
            community=community,
            kind=RatingRound.Kind.ACTIVITY,
            activity=activity,
            today=timezone.localdate(),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"已登记“{activity.title}”并发起成效测评")
    return redirect(round_)
