"""The register of work groups: list by community, register one, switch one off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from loudong.accounts.access import get_object_for_user, scope_for
from loudong.accounts.roles import Cap
from loudong.community import actions
from loudong.community.forms import ChatGroupForm
from loudong.community.models import ChatGroup
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
    form = ChatGroupForm(request.POST, community=community)
    if not scope_for(request.user, Cap.EDIT).allows(community):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您在该社区只能查看")
    if not form.is_valid():
        return render(
            request,
            "community/groups.html",
            _context(request, community, communities, form),
            status=400,
        )
    group = actions.register_group(
        community=community, acting_user=request.user, request=request, **form.cleaned_data
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
