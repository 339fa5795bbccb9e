"""文明公约 pages: list per community, a convention with its versions, draft, adoption, print."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from loudong.community import conventions as actions
from loudong.community.access import can_edit, communities_for
from loudong.community.models import Convention, ConventionRevision
from loudong.community.property_views import _pick
from loudong.fieldwork.actions.common import Refused
from loudong.territory.models import Building, Region, ResidentsMeeting


@login_required
def conventions(request):
    community, communities = _pick(request)
    rows = Convention.objects.filter(community=community).select_related("compound", "building")
    editable = can_edit(request.user, community)
    return render(
        request,
        "community/conventions.html",
        {
            "community": community,
            "communities": communities,
            "conventions": rows,
            "can_edit": editable,
            "compounds": Region.objects.filter(parent=community, level=Region.Level.COMPOUND),
            "buildings": Building.objects.filter(community=community).select_related("compound"),
            "breadcrumb": [{"label": "文明公约"}],
        },
    )


@require_POST
@login_required
def convention_draft(request):
    community, _ = _pick(request)
    compound = Region.objects.filter(
        parent=community,
        level=Region.Level.COMPOUND,
        pk=request.POST.get("compound") if request.POST.get("compound", "").isdigit() else 0,
    ).first()
    building = None
    if request.POST.get("building", "").isdigit():
        building = Building.objects.filter(
            pk=int(request.POST["building"]), community=community
        ).first()
    back = reverse("community:conventions") + f"?community={community.pk}"
    if compound is None:
        messages.error(request, "小区：请选择")
        return redirect(back)
    try:
        revision = actions.draft(
            compound=compound,
            building=building,
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"已保存第 {revision.number} 版草稿，待居民会议通过")
    return redirect(revision.convention)


def _convention(request, pk) -> Convention:
    ids = {c.pk for c in communities_for(request.user)}
    row = (
        Convention.objects.filter(pk=pk, community_id__in=ids)
        .select_related("compound", "building", "community")
        .first()
    )
    if row is None:
        raise Http404
    return row


@login_required
def convention(request, pk):
    row = _convention(request, pk)
    editable = can_edit(request.user, row.community)
    meetings = ResidentsMeeting.objects.filter(community=row.community).filter(
        compound__in=[row.compound_id, None]
    )
    return render(
        request,
        "community/convention.html",
        {
            "convention": row,
            "revisions": row.revisions.select_related("meeting").order_by("-number"),
            "in_force": row.in_force(),
            "can_edit": editable,
            "meetings": meetings.order_by("-date")[:50] if editable else [],
            "breadcrumb": [
                {"label": "文明公约", "url": reverse("community:conventions")},
                {"label": row.title},
            ],
        },
    )


@require_POST
@login_required
def convention_adopt(request, pk):
    revision = ConventionRevision.objects.select_related("convention").filter(pk=pk).first()
    if revision is None:
        raise Http404
    convention = _convention(request, revision.convention_id)
    meeting = ResidentsMeeting.objects.filter(
        pk=request.POST.get("meeting") if request.POST.get("meeting", "").isdigit() else 0,
        community=convention.community,
    ).first()
    try:
        actions.adopt(revision=revision, meeting=meeting, acting_user=request.user, request=request)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"第 {revision.number} 版已经居民会议通过，公示牌同步显示")
    return redirect(convention)


@login_required
def convention_print(request, pk):
    row = _convention(request, pk)
    return render(
        request, "community/convention_print.html", {"convention": row, "in_force": row.in_force()}
    )
