"""Pages of 业务培训: the community's sessions, one session (attendance, materials), the
untrained list, and the leader's own history on the phone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.accounts.access import _audit_refusal, get_object_for_user, scope_for
from loudong.accounts.roles import Cap
from loudong.community import training as actions
from loudong.community.duty_forms import AttendanceForm, MaterialForm, TrainingForm
from loudong.community.models import TrainingMaterial, TrainingSession
from loudong.community.views import _community
from loudong.fieldwork.actions.common import Refused


def _office(request, pk=None):
    """The community pages of training are for those who may edit the community (its workers,
    the 街道): leaders have their own phone page; others get a 404."""
    if not scope_for(request.user, Cap.EDIT):
        _audit_refusal(request.user, request, "无权限：业务培训")
        raise Http404
    community, communities = _community(request, pk)
    if not scope_for(request.user, Cap.EDIT).allows(community):
        raise PermissionDenied("您在该社区只能查看")
    return community, communities


def _session(request, pk) -> TrainingSession:
    session = get_object_for_user(
        TrainingSession.objects.select_related("community"), request.user, pk, request=request
    )
    if not scope_for(request.user, Cap.EDIT).allows(session.community):
        _audit_refusal(request.user, request, f"无权限：业务培训 #{pk}")
        raise Http404
    return session


def _year(request, today) -> int:
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return year


@login_required
def trainings(request):
    community, communities = _office(request)
    today = timezone.localdate()
    return render(
        request,
        "community/training_list.html",
        {
            "community": community,
            "communities": communities,
            "sessions": TrainingSession.objects.filter(community=community).prefetch_related(
                "invitees"
            ),
            "untrained": len(actions.untrained(community, year=today.year, today=today)),
            "year": today.year,
            "form": TrainingForm(
                people=actions.invitable(community, today), initial={"date": today}
            ),
            "breadcrumb": [{"label": "业务培训"}, {"label": community.name}],
        },
    )


@require_POST
@login_required
def create(request, pk):
    community, communities = _office(request, pk)
    today = timezone.localdate()
    form = TrainingForm(request.POST, people=actions.invitable(community, today))
    if not form.is_valid():
        return render(
            request,
            "community/training_list.html",
            {
                "community": community,
                "communities": communities,
                "sessions": TrainingSession.objects.filter(community=community),
                "form": form,
                "year": today.year,
            },
            status=400,
        )
    try:
        session = actions.create_session(
            community=community, acting_user=request.user, request=request, **form.cleaned_data
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(reverse("community:trainings") + f"?community={community.pk}")
    messages.success(
        request, f"已登记培训“{session.topic}”，培训对象 {session.invitees.count()} 人"
    )
    return redirect(session)


def _detail(request, session, **extra):
    invitees = session.invitees.select_related("person")
    context = {
        "session": session,
        "invitees": invitees,
        "materials": session.materials.all(),
        "attendance_form": AttendanceForm(
            invitees=invitees, initial={"attended": [i for i in invitees if i.attended]}
        ),
        "material_form": MaterialForm(),
        "breadcrumb": [
            {
                "label": "业务培训",
                "url": reverse("community:trainings") + f"?community={session.community_id}",
            },
            {"label": session.topic},
        ],
    }
    context.update(extra)
    return context


@login_required
def session(request, pk):
    session = _session(request, pk)
    return render(request, "community/training_detail.html", _detail(request, session))


@require_POST
@login_required
def attendance(request, pk):
    session = _session(request, pk)
    form = AttendanceForm(request.POST, invitees=session.invitees.all())
    if not form.is_valid():
        return render(
            request,
            "community/training_detail.html",
            _detail(request, session, attendance_form=form),
            status=400,
        )
    try:
        n = actions.record_attendance(
            session=session,
            attended_ids=[i.pk for i in form.cleaned_data["attended"]],
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(session)
    messages.success(request, f"签到已登记：出席 {n} 人")
    return redirect(session)


@require_POST
@login_required
def material(request, pk):
    session = _session(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "community/training_detail.html",
            _detail(request, session, material_form=form),
            status=400,
        )
    try:
        item = actions.add_material(
            session=session,
            upload=form.cleaned_data["file"],
            acting_user=request.user,
            request=request,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(session)
    messages.success(request, f"已上传“{item.name}”")
    return redirect(session)


@login_required
def download(request, pk):
    """A material, for the community's workers and the leaders invited to its session."""
    from loudong.fieldwork.access import leader_area

    item = TrainingMaterial.objects.select_related("session__community").filter(pk=pk).first()
    if item is None:
        raise Http404
    area = leader_area(request.user)
    invited = bool(area) and item.session.invitees.filter(person=area.person).exists()
    if not (invited or scope_for(request.user, Cap.EDIT).allows(item.session.community)):
        _audit_refusal(request.user, request, f"越权访问 培训材料 #{pk}")
        raise Http404
    data, content_type = actions.material_content(item)
    response = HttpResponse(data, content_type=content_type)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(item.name)}"
    return response


@login_required
def untrained(request):
    community, communities = _office(request)
    today = timezone.localdate()
    year = _year(request, today)
    return render(
        request,
        "community/training_untrained.html",
        {
            "community": community,
            "communities": communities,
            "rows": actions.untrained(community, year=year, today=today),
            "year": year,
            "rules": actions.profile_for(community, on=today).training,
            "breadcrumb": [
                {
                    "label": "业务培训",
                    "url": reverse("community:trainings") + f"?community={community.pk}",
                },
                {"label": f"{year}年未参加培训"},
            ],
        },
    )


@login_required
def my_trainings(request):
    from loudong.fieldwork.access import leader_area

    area = leader_area(request.user)
    if not area:
        raise Http404
    return render(
        request,
        "community/phone_trainings.html",
        {"rows": actions.history(area.person).prefetch_related("session__materials")},
    )
