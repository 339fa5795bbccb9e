"""Pages of 防护物资: the community's stock with receipts and issues, and the leader's own list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.community import supplies as actions
from loudong.community.duty_forms import IssueForm, ReceiptForm, supply_items
from loudong.community.models import SupplyMovement
from loudong.community.training_views import _office
from loudong.fieldwork.actions.common import Refused


def _context(request, community, communities, **extra):
    today = timezone.localdate()
    context = {
        "community": community,
        "communities": communities,
        "enabled": actions.profile_for(community, on=today).insurance.protective_supplies,
        "items": supply_items(community),
        "movements": SupplyMovement.objects.filter(community=community).select_related(
            "item", "person"
        )[:50],
        "received": actions.received_by(community),
        "receipt_form": ReceiptForm(initial={"date": today, "unit_label": "个"}),
        "issue_form": IssueForm(
            items=supply_items(community).filter(stock__gt=0),
            people=actions.receivers(community, today),
            initial={"date": today},
        ),
        "breadcrumb": [{"label": "防护物资"}, {"label": community.name}],
    }
    context.update(extra)
    return context


@login_required
def supplies(request):
    community, communities = _office(request)
    return render(request, "community/supplies.html", _context(request, community, communities))


def _url(community):
    return reverse("community:supplies") + f"?community={community.pk}"


@require_POST
@login_required
def receive(request, pk):
    community, communities = _office(request, pk)
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "community/supplies.html",
            _context(request, community, communities, receipt_form=form),
            status=400,
        )
    try:
        movement = actions.receive(
            community=community, acting_user=request.user, request=request, **form.cleaned_data
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(_url(community))
    messages.success(
        request,
        f"{movement.item.name}入库 {movement.quantity} {movement.item.unit_label}，"
        f"库存 {movement.stock_after}",
    )
    return redirect(_url(community))


@require_POST
@login_required
def issue(request, pk):
    community, communities = _office(request, pk)
    today = timezone.localdate()
    form = IssueForm(
        request.POST, items=supply_items(community), people=actions.receivers(community, today)
    )
    if not form.is_valid():
        return render(
            request,
            "community/supplies.html",
            _context(request, community, communities, issue_form=form),
            status=400,
        )
    try:
        movement = actions.issue(acting_user=request.user, request=request, **form.cleaned_data)
    except Refused as exc:
        form.add_error("quantity", exc.message)
        return render(
            request,
            "community/supplies.html",
            _context(request, community, communities, issue_form=form),
            status=400,
        )
    messages.success(
        request,
        f"已向{movement.person.name}发放{movement.item.name} {movement.quantity} "
        f"{movement.item.unit_label}，库存 {movement.stock_after}",
    )
    return redirect(_url(community))


@login_required
def my_supplies(request):
    from loudong.fieldwork.access import leader_area

    area = leader_area(request.user)
    if not area:
        raise Http404
    rows = SupplyMovement.objects.filter(
        person=area.person, kind=SupplyMovement.Kind.ISSUE
    ).select_related("item")
    return render(request, "community/phone_supplies.html", {"rows": rows})
