"""The residents' QR channel: report a problem from a notice board, follow it, rate it.

PRODUCT.md: "Residents never need an account; links carry unguessable tokens that expire." The
board's QR code opens ``/r/<board-token>/`` (documents); its "反映问题" link leads here. The
report gets a tracking link ``/r/t/<key>/`` (the key is shown once, only its hash is stored),
valid for the profile's ``fieldwork.tracking_link_days``. The tracking page shows this report's
status, the public replies and the result — never anything about other residents (no names,
no other reports' texts, no phones). Every page is rate-limited per token and per address
(``lib.throttle``).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from loudong.fieldwork import categories as category_rows
from loudong.fieldwork.actions import incidents as incident_actions
from loudong.fieldwork.actions.common import Refused
from loudong.fieldwork.forms import RateForm, ReopenForm, ResidentReportForm
from loudong.fieldwork.models import Incident
from loudong.lib.throttle import resident_throttled
from loudong.policy.profile import profile_for

TOO_MANY = "提交过于频繁，请稍后再试。"


def _board(token):
    from loudong.documents.models import BoardToken

    return get_object_or_404(
        BoardToken.objects.select_related(
            "community", "compound", "building__compound", "unit__building__compound"
        ),
        token=token,
        revoked__isnull=True,
    )


def _area(board):
    if board.unit_id:
        return str(board.unit), {"unit": board.unit}
    if board.building_id:
        return str(board.building), {"building": board.building}
    return board.compound.name, {"community": board.community}


def _throttled(request, scope):
    return resident_throttled(request, scope)


@never_cache
def report(request, token):
    board = _board(token)
    area, place = _area(board)
    profile = profile_for(board.community)
    form = ResidentReportForm(
        request.POST or None, request.FILES or None, categories=category_rows.choices(profile)
    )
    context = {"board": board, "area": area, "form": form}
    if request.method == "POST":
        if _throttled(request, f"report:{board.token}"):
            context["error"] = TOO_MANY
            return render(request, "fieldwork/resident/report.html", context, status=429)
        if form.is_valid():
            data = form.cleaned_data
            place_text = data["place_text"]
            if "community" in place:
                place_text = f"{board.compound.name} {place_text}".strip()
            try:
                reported = incident_actions.report_incident(
                    category=data["category"],
                    severity="normal",
                    description=data["description"],
                    place_text=place_text,
                    reporter_phone=data["phone"],
                    photos=data["photos"],
                    resident_board=board,
                    request=request,
                    **place,
                )
            except Refused as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(
                    reverse("fieldwork_resident:ticket", args=[reported.ticket_key]) + "?new=1"
                )
        return render(request, "fieldwork/resident/report.html", context, status=400)
    return render(request, "fieldwork/resident/report.html", context)


def _ticket_or_page(request, key, status_if_bad=404):
    if _throttled(request, f"track:{key[:16]}"):
        return None, render(
            request, "fieldwork/resident/invalid.html", {"message": TOO_MANY}, status=429
        )
    try:
        return incident_actions.ticket_for(key), None
    except incident_actions.TicketInvalid as exc:
        expired = "过期" in exc.message
        return None, render(
            request,
            "fieldwork/resident/invalid.html",
            {"message": exc.message},
            status=410 if expired else status_if_bad,
        )


def _public(incident):
    """What the reporter may see: status, place, category, public texts — nobody's name."""
    shown = incident.merged_into if incident.status == Incident.Status.MERGED else incident
    events = [
        {"at": e.at, "move": e.move_label, "text": e.text if e.public else ""}
        for e in shown.events.order_by("at", "id")
        if e.public
        or e.move
        in ("register", "escalate", "auto_escalate", "accept", "rate", "close", "auto_close")
    ]
    return shown, events


@never_cache
def ticket(request, key, *, rate_form=None, reopen_form=None, error="", status=200):
    found, page = _ticket_or_page(request, key)
    if page:
        return page
    incident = found.incident
    shown, events = _public(incident)
    now = timezone.now()
    rated = shown.ratings.filter(round=shown.reopen_count).exists()
    context = {
        "key": key,
        "incident": incident,
        "shown": shown,
        "events": events,
        "new": request.GET.get("new") == "1",
        "link": request.build_absolute_uri(reverse("fieldwork_resident:ticket", args=[key])),
        "done": request.GET.get("done", ""),
        "can_rate": incident.status == Incident.Status.RESOLVED and not rated,
        "can_reopen": incident.status in (Incident.Status.RESOLVED, Incident.Status.CLOSED)
        and incident_actions.reopen_window_open(incident, now),
        "rate_form": rate_form or RateForm(),
        "reopen_form": reopen_form or ReopenForm(),
        "error": error,
        "expires": found.expires,
    }
    # The site's Referrer-Policy (same-origin) keeps the link from leaking to other sites;
    # "no-referrer" would make the browser send "Origin: null" and fail the CSRF check.
    return render(request, "fieldwork/resident/ticket.html", context, status=status)


@require_POST
def ticket_move(request, key, move):
    if move not in ("rate", "reopen"):
        raise Http404
    _found, page = _ticket_or_page(request, key)
    if page:
        return page
    form = (RateForm if move == "rate" else ReopenForm)(request.POST)
    kwargs = {"rate_form": form} if move == "rate" else {"reopen_form": form}
    if not form.is_valid():
        return ticket(request, key, error="请填写完整后再提交", status=400, **kwargs)
    try:
        incident_actions.resident_move(key=key, move=move, request=request, **form.cleaned_data)
    except Refused as exc:
        return ticket(request, key, error=exc.message, status=400, **kwargs)
    return redirect(reverse("fieldwork_resident:ticket", args=[key]) + f"?done={move}")
