"""Pages of the roster: thin functions — a form validates, the access helper fetches, one action
does the work, then redirect (STYLE.md item 7). Refusals from actions re-render with the reason."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.accounts import actions as account_actions
from loudong.accounts.access import (
    disclosure_for,
    get_object_for_user,
    has_cap,
    refuse_out_of_scope_filters,
    scope_for,
)
from loudong.accounts.roles import Cap
from loudong.lib.throttle import resident_throttled
from loudong.policy.profile import profile_for
from loudong.roster import compliance, hooks
from loudong.roster.actions import appointments as appointment_actions
from loudong.roster.actions import ballots as ballot_actions
from loudong.roster.actions import persons as person_actions
from loudong.roster.actions import posts as post_actions
from loudong.roster.actions import selections as selection_actions
from loudong.roster.actions.common import Refused, can_edit
from loudong.roster.forms import (
    AcknowledgeForm,
    AdjustForm,
    AppointForm,
    AttachStaffForm,
    MeetingResultForm,
    MoveForm,
    ObjectionForm,
    PersonFilterForm,
    PersonForm,
    PostFilterForm,
    ReasonForm,
    RenewForm,
    ResidentObjectionForm,
    ResignForm,
    StartSelectionForm,
    TakeOverForm,
)
from loudong.roster.models import Appointment, Person, Post, Selection, Vote
from loudong.territory.models import Region

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _crumbs(*more):
    return [{"label": "楼栋长队伍", "url": reverse("roster:index")}, *more]


def _communities(user, capability=Cap.VIEW):
    return Region.objects.filter(
        level=Region.Level.COMMUNITY, pk__in=sorted(scope_for(user, capability).community_ids)
    )


def _active_prefetch():
    return Prefetch(
        "appointments",
        queryset=Appointment.objects.filter(status="active").select_related("person"),
        to_attr="current",
    )


# -- posts ------------------------------------------------------------------------------------


@login_required
def index(request):
    """Posts by community with their holder or 空缺 (宁缺毋滥: vacancies are listed)."""
    require_view(request)
    communities = _communities(request.user)
    form = PostFilterForm(request.GET or None, communities=communities)
    refuse_out_of_scope_filters(form, request.user, request)
    posts = (
        Post.objects.visible_to(request.user)
        .filter(active=True)
        .select_related("community")
        .prefetch_related(_active_prefetch())
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["community"]:
            posts = posts.filter(community=data["community"])
        if data["kind"]:
            posts = posts.filter(kind=data["kind"])
        if data["vacant"]:
            posts = posts.exclude(appointments__status="active")
        if data["concurrent"]:
            posts = posts.filter(appointments__status="active", appointments__is_concurrent=True)
    posts = posts.order_by("community__code", "kind", "grid_code", "title", "id")
    page = _page(request, posts)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "roster/index.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "edit_communities": _communities(request.user, Cap.EDIT).order_by("code"),
            "breadcrumb": _crumbs(),
        },
    )


def require_view(request):
    if not scope_for(request.user, Cap.VIEW):
        raise Http404


@require_POST
@login_required
def sync_posts(request, pk):
    community = get_object_for_user(
        Region.objects.filter(level=Region.Level.COMMUNITY),
        request.user,
        pk,
        write=True,
        request=request,
    )
    try:
        result = post_actions.sync_grid_posts(
            community=community, acting_user=request.user, request=request
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("roster:index")
    messages.success(
        request,
        f"{community.name}：新增 {len(result.created)} 个岗位，"
        f"撤销 {len(result.closed)} 个，保留 {result.kept} 个",
    )
    for post in result.closed:
        messages.warning(
            request, f"网格 {post.grid_code} 已不在生效划分中，岗位撤销，需安排原网格居民"
        )
    return redirect("roster:index")


def _post(request, pk, **kw):
    return get_object_for_user(
        Post.objects.select_related("community", "compound"),
        request.user,
        pk,
        request=request,
        **kw,
    )


def _post_context(request, post, **extra):
    editable = can_edit(request.user, post)
    holders = (
        Person.objects.visible_to(request.user, Cap.EDIT)
        .filter(appointments__status="active", appointments__post__kind=post.kind)
        .distinct()
    )
    context = {
        "post": post,
        "current": post.current_appointment(),
        "history": post.appointments.select_related("person").order_by("-start", "-id"),
        "selections": post.selections.select_related("candidate").order_by("-created"),
        "can_edit": editable,
        "start_form": StartSelectionForm(
            persons=Person.objects.visible_to(request.user, Cap.EDIT).filter(
                community=post.community
            ),
            channels=profile_for(post.community).selection.channels,
        ),
        "take_over_form": TakeOverForm(persons=holders.filter(community=post.community)),
        "ack_form": AcknowledgeForm(),
        "tallies": ballot_actions.tallies(post),
        "breadcrumb": _crumbs({"label": post.title}),
    }
    context.update(extra)
    return context


@login_required
def post_detail(request, pk):
    post = _post(request, pk)
    return render(request, "roster/post.html", _post_context(request, post))


def _grid_context(request, code, **extra):
    posts = list(
        Post.objects.visible_to(request.user)
        .filter(grid_code=code)
        .select_related("community")
        .order_by("-active", "kind", "-created")
    )
    if not posts:
        raise Http404
    community = posts[0].community
    appointments = (
        Appointment.objects.filter(post__in=posts)
        .select_related("person", "post")
        .order_by("-start", "-id")
    )
    staff = [a for a in appointments if a.post.kind == Post.Kind.ATTACHMENT]
    profile = profile_for(community)
    context = {
        "code": code,
        "community": community,
        "posts": [p for p in posts if p.kind != Post.Kind.ATTACHMENT],
        "appointments": [a for a in appointments if a.post.kind != Post.Kind.ATTACHMENT],
        "staff": staff,
        "multi_staff": profile.posts.multi_staff,
        "can_edit": can_edit(request.user, community),
        "attach_form": AttachStaffForm(initial={"start": timezone.localdate()}),
        "breadcrumb": _crumbs({"label": f"网格 {code}"}),
    }
    context.update(extra)
    return context


@login_required
def grid_history(request, code):
    """A grid's posts (open or closed), their leaders, and its 一格多员 staff."""
    return render(request, "roster/grid_history.html", _grid_context(request, code))


@require_POST
@login_required
def attach_staff(request, code):
    context = _grid_context(request, code)
    community = context["community"]
    if not context["can_edit"]:
        raise PermissionDenied("您在该社区只能查看")
    form = AttachStaffForm(request.POST)
    if form.is_valid():
        try:
            appointment = post_actions.attach_staff(
                community=community,
                grid_code=code,
                acting_user=request.user,
                request=request,
                **form.cleaned_data,
            )
            messages.success(
                request,
                f"已登记{appointment.post.get_attachment_display()}{appointment.person.name}进网格",
            )
            return redirect("roster:grid_history", code=code)
        except Refused as exc:
            form.add_error(None, exc.message)
    context["attach_form"] = form
    return render(request, "roster/grid_history.html", context, status=400)


@require_POST
@login_required
def detach_staff(request, pk):
    appointment = _appointment(request, pk, write=True)
    form = RenewForm({"term_end": request.POST.get("end", "")})
    try:
        if not form.is_valid():
            raise Refused(form.errors["term_end"][0])
        post_actions.detach_staff(
            appointment=appointment,
            end=form.cleaned_data["term_end"],
            acting_user=request.user,
            request=request,
        )
        messages.success(request, f"{appointment.person.name}已离开网格")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("roster:grid_history", code=appointment.post.grid_code)


@require_POST
@login_required
def start_selection(request, pk):
    post = _post(request, pk, write=True)
    form = StartSelectionForm(
        request.POST,
        persons=Person.objects.visible_to(request.user, Cap.EDIT).filter(community=post.community),
        channels=profile_for(post.community).selection.channels,
    )
    if form.is_valid():
        try:
            selection = selection_actions.start_selection(
                post=post, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(
                request,
                f"已为{selection.candidate.name}发起选配，现为“{selection.get_status_display()}”环节",
            )
            return redirect(selection)
        except Refused as exc:
            form.add_error(None, exc.message)
    return render(
        request, "roster/post.html", _post_context(request, post, start_form=form), status=400
    )


@require_POST
@login_required
def take_over(request, pk):
    post = _post(request, pk, write=True)
    persons = Person.objects.visible_to(request.user, Cap.EDIT).filter(community=post.community)
    form = TakeOverForm(request.POST, persons=persons)
    if form.is_valid():
        try:
            appointment = appointment_actions.take_over(
                post=post, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"{appointment.person.name}已兼任该岗位")
            return redirect(post)
        except Refused as exc:
            form.add_error(None, exc.message)
    return render(
        request, "roster/post.html", _post_context(request, post, take_over_form=form), status=400
    )


@require_POST
@login_required
def acknowledge(request, pk):
    post = _post(request, pk, write=True)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return render(
            request, "roster/post.html", _post_context(request, post, ack_form=form), status=400
        )
    post_actions.acknowledge_post(
        post=post, note=form.cleaned_data["note"], acting_user=request.user, request=request
    )
    return redirect(post)


@require_POST
@login_required
def issue_ballots(request, pk):
    """Issue one link per household and show them once (only their hashes are kept)."""
    import segno

    post = _post(request, pk, write=True)
    try:
        issued = ballot_actions.issue_ballot_tokens(
            post=post, acting_user=request.user, request=request
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(post)
    rows = []
    for item in issued:
        url = request.build_absolute_uri(reverse("roster:ballot", args=[item.key]))
        rows.append(
            {
                "household": item.household,
                "url": url,
                "qr": segno.make(url, error="m").svg_inline(scale=3),
            }
        )
    response = render(
        request,
        "roster/ballot_links.html",
        {
            "post": post,
            "rows": rows,
            "breadcrumb": _crumbs(
                {"label": post.title, "url": post.get_absolute_url()}, {"label": "居民推选链接"}
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# -- selections -------------------------------------------------------------------------------


def _selection(request, pk, **kw):
    return get_object_for_user(
        Selection.objects.select_related("post", "candidate", "community"),
        request.user,
        pk,
        request=request,
        **kw,
    )


def _selection_context(request, selection, **extra):
    moves = selection_actions.allowed_moves(request.user, selection)
    buttons = [{"status": s, "label": _move_label(selection, s)} for s in moves]
    tallies = ballot_actions.tallies(selection.post)
    editable = can_edit(request.user, selection)
    context = {
        "selection": selection,
        "steps": selection.steps.select_related("actor"),
        "objections": selection.objections.all(),
        "buttons": buttons,
        "move_form": MoveForm(),
        "objection_form": ObjectionForm(),
        "appoint_form": AppointForm(initial={"start": timezone.localdate()}),
        "can_edit": editable,
        "can_appoint": editable and selection.can_move_to(Selection.Status.APPOINTED),
        "notice_over": selection.notice_over(timezone.localdate()),
        "votes": tallies["votes"].get(selection.pk, {}),
        "tallies": tallies,
        "resident_result": selection_actions.resident_result(selection),
        "meeting_form": extra.pop("meeting_form", None)
        or MeetingResultForm(initial={"date": timezone.localdate()}),
        "body_conflict": selection_actions.body_conflict(request.user, selection),
        "min_turnout": selection.profile().selection.min_turnout_pct,
        "breadcrumb": _crumbs(
            {"label": selection.post.title, "url": selection.post.get_absolute_url()},
            {"label": f"选配：{selection.candidate.name}"},
        ),
    }
    context.update(extra)
    # Errors of forms the page does not show (e.g. appointing before the notice step).
    hidden = []
    if not context["can_appoint"]:
        hidden += context["appoint_form"].non_field_errors()
    if selection.status != Selection.Status.PUBLIC_NOTICE or not context["can_edit"]:
        hidden += context["objection_form"].non_field_errors()
    context["hidden_errors"] = hidden
    return context


def _move_label(selection, status):
    if status == Selection.Status.REJECTED:
        return f"{selection.get_status_display()}：不通过"
    if status == Selection.Status.WITHDRAWN:
        return "撤回"
    return f"{selection.get_status_display()}完成，转入“{Selection.Status(status).label}”"


@login_required
def selection_detail(request, pk):
    selection = _selection(request, pk)
    return render(request, "roster/selection.html", _selection_context(request, selection))


@require_POST
@login_required
def move(request, pk):
    selection = _selection(request, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            old = selection.get_status_display()
            selection_actions.move_selection(
                selection=selection, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"“{old}”已办理，案件现为“{selection.get_status_display()}”")
            return redirect(selection)
        except Refused as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "roster/selection.html",
        _selection_context(request, selection, move_form=form),
        status=400,
    )


@require_POST
@login_required
def meeting_result(request, pk):
    """居民推选 by a 楼栋居民会议: its tallies recorded on the case."""
    selection = _selection(request, pk, write=True)
    form = MeetingResultForm(request.POST)
    if form.is_valid():
        try:
            result = selection_actions.record_meeting_result(
                selection=selection, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"已登记居民会议结果：{result.summary()}")
            return redirect(selection)
        except (Refused, ValidationError) as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "roster/selection.html",
        _selection_context(request, selection, meeting_form=form),
        status=400,
    )


@require_POST
@login_required
def objection(request, pk):
    selection = _selection(request, pk, write=True)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            selection_actions.record_objection(
                selection=selection, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.warning(request, "异议已登记，案件退回社区党组织审查")
            return redirect(selection)
        except Refused as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "roster/selection.html",
        _selection_context(request, selection, objection_form=form),
        status=400,
    )


@require_POST
@login_required
def appoint(request, pk):
    selection = _selection(request, pk, write=True)
    form = AppointForm(request.POST)
    if form.is_valid():
        try:
            appointment = appointment_actions.appoint(
                selection=selection, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"已任命{appointment.person.name}")
            return redirect(appointment.post)
        except Refused as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "roster/selection.html",
        _selection_context(request, selection, appoint_form=form),
        status=400,
    )


# -- appointments -----------------------------------------------------------------------------


def _appointment(request, pk, **kw):
    return get_object_for_user(
        Appointment.objects.select_related("person", "post"),
        request.user,
        pk,
        request=request,
        **kw,
    )


def _appointment_context(request, appointment, **extra):
    context = {
        "appointment": appointment,
        "can_edit": can_edit(request.user, appointment),
        "can_reveal": scope_for(request.user, Cap.REVEAL).allows(appointment),
        "resign_form": ResignForm(initial={"notice_date": timezone.localdate()}),
        "adjust_form": AdjustForm(initial={"notice_date": timezone.localdate()}),
        "renew_form": RenewForm(),
        "term_expired": appointment.term_expired(timezone.localdate()),
        "breadcrumb": _crumbs(
            {"label": appointment.post.title, "url": appointment.post.get_absolute_url()},
            {"label": appointment.person.name},
        ),
    }
    context.update(extra)
    return context


@login_required
def appointment_detail(request, pk):
    appointment = _appointment(request, pk)
    return render(request, "roster/appointment.html", _appointment_context(request, appointment))


def _end_view(request, pk, form_class, verb, context_key):
    appointment = _appointment(request, pk, write=True)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            verb(
                appointment=appointment,
                acting_user=request.user,
                request=request,
                **form.cleaned_data,
            )
            messages.success(
                request,
                f"已办理{appointment.person.name}离任（{form.cleaned_data['end']:%Y-%m-%d}），"
                "协议书同时解除；岗位现为空缺，可发起新的选配",
            )
            return redirect(appointment.post)
        except Refused as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "roster/appointment.html",
        _appointment_context(request, appointment, **{context_key: form}),
        status=400,
    )


@require_POST
@login_required
def resign(request, pk):
    return _end_view(request, pk, ResignForm, appointment_actions.resign, "resign_form")


@require_POST
@login_required
def adjust(request, pk):
    return _end_view(request, pk, AdjustForm, appointment_actions.adjust, "adjust_form")


@require_POST
@login_required
def renew(request, pk):
    appointment = _appointment(request, pk, write=True)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            appointment_actions.renew(
                appointment=appointment,
                acting_user=request.user,
                request=request,
                **form.cleaned_data,
            )
            messages.success(
                request, f"已续任至 {form.cleaned_data['term_end']:%Y-%m-%d}，请重新签订协议书"
            )
            return redirect(appointment)
        except Refused as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "roster/appointment.html",
        _appointment_context(request, appointment, renew_form=form),
        status=400,
    )


# -- people -----------------------------------------------------------------------------------


@login_required
def person_list(request):
    require_view(request)
    persons = Person.objects.visible_to(request.user).select_related("community")
    form = PersonFilterForm(request.GET or None, communities=_communities(request.user))
    refuse_out_of_scope_filters(form, request.user, request)
    if form.is_valid():
        persons = _filter_persons(persons, form.cleaned_data)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "roster/person_list.html",
        {
            "page": _page(request, persons.order_by("community__code", "name", "id")),
            "form": form,
            "query": query.urlencode(),
            "can_create": bool(scope_for(request.user, Cap.EDIT)),
            "breadcrumb": _crumbs({"label": "人员"}),
        },
    )


def _filter_persons(persons, data):
    if data["q"].strip():
        persons = persons.filter(name__startswith=data["q"].strip())
    if data["community"]:
        persons = persons.filter(community=data["community"])
    for name in ("pool", "education"):
        if data[name]:
            persons = persons.filter(**{name: data[name]})
    if data["in_post"] or data["posts"]:
        persons = persons.annotate(
            held=Count("appointments", filter=Q(appointments__status="active"))
        ).filter(held__gte=1)
        if data["posts"] and data["posts"] >= 3:
            persons = persons.filter(held__gte=3)
        elif data["posts"]:
            persons = persons.filter(held=data["posts"])
    return persons


def _person(request, pk, **kw):
    return get_object_for_user(
        Person.objects.select_related("community"), request.user, pk, request=request, **kw
    )


def _person_context(request, person, **extra):
    context = {
        "person": person,
        "appointments": person.appointments.select_related("post").order_by("-start", "-id"),
        "selections": person.selections.select_related("post").order_by("-created"),
        "reveal_form": ReasonForm(),
        "shown": disclosure_for(request.user, person).show(person),
        "can_reveal": scope_for(request.user, Cap.REVEAL).allows(person),
        "can_edit": can_edit(request.user, person),
        "sections": hooks.person_sections(request.user, person),
        "breadcrumb": _crumbs(
            {"label": "人员", "url": reverse("roster:persons")}, {"label": person.name}
        ),
    }
    context.update(extra)
    return context


@login_required
def person_detail(request, pk):
    person = _person(request, pk)
    return render(request, "roster/person.html", _person_context(request, person))


@require_POST
@login_required
def person_reveal(request, pk):
    person = _person(request, pk, capability=Cap.REVEAL)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "roster/person.html",
            _person_context(request, person, reveal_form=form),
            status=400,
        )
    revealed = account_actions.reveal(
        obj=person,
        fields=["id_number", "phone", "address"],
        reason=form.cleaned_data["reason"],
        acting_user=request.user,
        request=request,
    )
    response = render(
        request, "roster/person.html", _person_context(request, person, revealed=revealed)
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def person_photo(request, pk):
    """Upload (or take on a phone) the badge photo: checked, cropped to 3:4, sealed."""
    person = _person(request, pk, write=True)
    upload = request.FILES.get("photo")
    try:
        if upload is None:
            raise Refused("请选择照片")
        if upload.size > settings.LOUDONG_MAX_PHOTO_BYTES:
            raise Refused(f"照片不能超过 {settings.LOUDONG_MAX_PHOTO_BYTES // (1024 * 1024)} MB")
        person_actions.set_photo(
            person=person, data=upload.read(), acting_user=request.user, request=request
        )
        messages.success(request, "照片已保存，将印在工作胸牌上")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect(person)


@login_required
def person_photo_image(request, pk):
    """The photo itself, for the person's page and the badge; never cached by the browser."""
    person = _person(request, pk)
    if not person.photo:
        raise Http404
    response = HttpResponse(person_actions.read_photo(person), content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    return response


def _person_form(request, person):
    communities = _communities(request.user, Cap.EDIT)
    if request.method == "POST":
        form = PersonForm(request.POST, instance=person, communities=communities)
        if form.is_valid():
            person = form.save(commit=False)
            person.compound = person.compound if person.compound_id else None
            if not can_edit(request.user, person):
                raise PermissionDenied("无权在该社区登记人员")
            person_actions.save_person(person=person, acting_user=request.user, request=request)
            return redirect(person)
        status = 400
    else:
        form = PersonForm(instance=person, communities=communities)
        status = 200
    return render(
        request,
        "roster/person_form.html",
        {
            "form": form,
            "person": person if person.pk else None,
            "breadcrumb": _crumbs(
                {"label": "人员", "url": reverse("roster:persons")},
                {"label": person.name if person.pk else "登记人员"},
            ),
        },
        status=status,
    )


@login_required
def person_create(request):
    if not has_cap(request.user, Cap.EDIT):
        raise Http404
    return _person_form(request, Person())


@login_required
def person_edit(request, pk):
    return _person_form(request, _person(request, pk, write=True))


# -- compliance -------------------------------------------------------------------------------


@login_required
def compliance_page(request):
    require_view(request)
    return render(
        request,
        "roster/compliance.html",
        {
            **compliance.report(request.user),
            "breadcrumb": _crumbs({"label": "合规检查"}),
        },
    )


# -- residents' ballot (no login) -------------------------------------------------------------


def ballot(request, key):
    """Residents' nomination by token: mobile-first, one anonymous ballot per household."""
    try:
        token = ballot_actions.ballot_token(key)
    except ballot_actions.BallotError as exc:
        return render(request, "roster/ballot.html", {"error": str(exc)}, status=410)
    candidates = list(ballot_actions.ballot_candidates(token))
    error = done = None
    status = 200
    if request.method == "POST":
        choices = {}
        for selection in candidates:
            value = request.POST.get(f"choice_{selection.pk}", "")
            if value:
                choices[selection.pk] = value
        try:
            ballot_actions.cast_ballot(key=key, choices=choices)
            done = "投票成功，感谢您参与楼栋长推选！"
        except ballot_actions.BallotError as exc:
            error, status = str(exc), 409 if "投过票" in str(exc) else 400
    elif token.used:
        error = "本户已经投过票，每户只能投一次。"
    response = render(
        request,
        "roster/ballot.html",
        {
            "token": token,
            "post": token.post,
            "candidates": candidates,
            "choices": Vote.Choice.choices,
            "error": error,
            "done": done,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    # The token URL must not leak to other sites, but the vote's own POST needs its Origin:
    # under "no-referrer" Chromium sends "Origin: null" and the CSRF check refuses every vote.
    response["Referrer-Policy"] = "same-origin"
    return response


def notice_objection(request, token):
    """A resident raises an objection during 公示, from the QR code on the printed notice."""
    selection = selection_actions.selection_by_notice_token(token)
    if selection is None:
        return render(request, "roster/notice_objection.html", {"error": "链接无效。"}, status=404)
    today = timezone.localdate()
    open_now = (
        selection.status == Selection.Status.PUBLIC_NOTICE
        and selection.notice_start <= today <= selection.notice_end
    )
    form = ResidentObjectionForm(request.POST or None)
    done = False
    status = 200
    if request.method == "POST":
        if resident_throttled(request, f"objection:{token}"):
            form.add_error(None, "提交过于频繁，请稍后再试。")
            status = 429
        elif form.is_valid():
            try:
                selection_actions.record_objection(
                    selection=selection,
                    text=form.cleaned_data["text"],
                    raised_by=form.cleaned_data["name"],
                    contact=form.cleaned_data["contact"],
                    acting_user=None,
                    today=today,
                    request=request,
                )
                done = True
            except Refused as exc:
                form.add_error(None, exc.message)
                status = 400
        else:
            status = 400
    response = render(
        request,
        "roster/notice_objection.html",
        {"selection": selection, "form": form, "open_now": open_now, "done": done},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response
