"""The register of work groups: list by community, register one, switch one off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from loudong.accounts.access import get_object_for_user, scope_for
from loudong.accounts.roles import Cap
from loudong.community import actions
from loudong.community.forms import ChatGroupForm, GroupUpdateForm
from loudong.community.models import ChatGroup
from loudong.fieldwork.access import body_community_ids
from loudong.fieldwork.actions.common import Refused
from loudong.territory.models import Region


def _community(request, pk=None):
    communities = Region.objects.filter(
        level=Region.Level.COMMUNITY, pk__in=sorted(scope_for(request.user, Cap.VIEW).community_ids)
    ).order_by("code", "name")
    if not communities:
        raise Http404
    if pk is None:
        pk = request.GET.get("community") or communities[0].pk
    community = get_object_for_user(
        Region.objects.filter(level=Region.Level.COMMUNITY), request.user, pk, request=request
    )
    return community, communities


def _context(request, community, communities, form=None):
    can_edit = scope_for(request.user, Cap.EDIT).allows(community)
    return {
        "community": community,
        "communities": communities,
        "groups": ChatGroup.objects.filter(community=community).select_related(
            "building__compound", "unit__building__compound", "community"
        ),
        "can_edit": can_edit,
        "form": form or ChatGroupForm(community=community),
        "breadcrumb": [
            {"label": "工作群", "url": reverse("community:groups")},
            {"label": community.name},
        ],
    }


@login_required
def groups(request):
    community, communities = _community(request)
    return render(request, "community/groups.html", _context(request, community, communities))


@require_POST
@login_required
def register(request, pk):
    community, communities = _community(request, pk)
    form = ChatGroupForm(request.POST, request.FILES, community=community)
    if not scope_for(request.user, Cap.EDIT).allows(community):
        raise PermissionDenied("您在该社区只能查看")
    if form.is_valid():
        try:
            group = actions.register_group(
                community=community, acting_user=request.user, request=request, **form.cleaned_data
            )
        except Refused as exc:
            form.add_error("qr", exc.message)
    if not form.is_valid():
        return render(
            request,
            "community/groups.html",
            _context(request, community, communities, form),
            status=400,
        )
    messages.success(
        request, f"已登记“{group.name}”" + ("，通知将推送到群机器人" if group.has_robot else "")
    )
    return redirect(group)


@require_POST
@login_required
def deactivate(request, pk):
    group = get_object_for_user(
        ChatGroup.objects.select_related("community"), request.user, pk, write=True, request=request
    )
    actions.deactivate_group(group=group, acting_user=request.user, request=request)
    messages.success(request, f"“{group.name}”已停用，不再推送通知")
    return redirect(group)


@require_POST
@login_required
def update(request, pk):
    group = get_object_for_user(
        ChatGroup.objects.select_related("community"), request.user, pk, write=True, request=request
    )
    form = GroupUpdateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.update_group(
                group=group, acting_user=request.user, request=request, **form.cleaned_data
            )
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"“{group.name}”已更新")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect(group)


@login_required
def qr(request, pk):
    """The group's QR image (decrypted for whoever may see the group)."""
    group = get_object_for_user(ChatGroup.objects.all(), request.user, pk, request=request)
    if not group.qr_image:
        raise Http404
    response = HttpResponse(actions.read_qr(group), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def coverage(request):
    """Units, buildings and grids without a registered group (seed 004 §三.10)."""
    community, communities = _community(request)
    if community.pk not in body_community_ids(request.user):
        raise Http404
    return render(
        request,
        "community/groups_coverage.html",
        {
            "community": community,
            "communities": communities,
            **actions.coverage(community),
            "breadcrumb": [
                {"label": "工作群", "url": reverse("community:groups")},
                {"label": "未建群的单元、楼栋和网格"},
            ],
        },
    )
