"""Pages of the yearly evaluation: thin functions (STYLE.md item 7).

Workers and the 街道 see a round's progress and each evaluation with its explanation; 区民政局
reads them; a 楼栋长 sees only their own results (``mine``), and the residents' part only for a
post with at least ``evaluation.leader_min_answers`` answers. Residents answer on ``survey``
with the key printed on their household's slip; no account.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.accounts.access import get_object_for_user, scope_for
from loudong.accounts.roles import Cap
from loudong.evaluation import results, scoring
from loudong.evaluation.actions import adjustments, evaluations, rounds, surveys
from loudong.evaluation.actions.common import can_edit, can_oversee
from loudong.evaluation.forms import (
    AddEvaluationForm,
    AdjustForm,
    AttitudeForm,
    MeetingForm,
    OpenRoundForm,
    PaperForm,
    WorkForm,
)
from loudong.evaluation.models import Evaluation, MeetingLink, Notice, Round
from loudong.evaluation.rules import round_rule
from loudong.lib.throttle import resident_throttled
from loudong.territory.models import Region


def _crumbs(*more):
    return [{"label": "年度评议", "url": reverse("evaluation:index")}, *more]


def _oversee_ids(user) -> set[int]:
    return set(scope_for(user, Cap.EDIT).community_ids) | set(
        scope_for(user, Cap.EXPORT).community_ids
    )


def _edit_communities(user):
    return Region.objects.filter(
        level=Region.Level.COMMUNITY, pk__in=sorted(scope_for(user, Cap.EDIT).community_ids)
    ).order_by("code")


def _round(request, pk, *, write=False) -> Round:
    round_ = get_object_for_user(
        Round.objects.select_related("community"), request.user, pk, write=write, request=request
    )
    if not can_oversee(request.user, round_):
        raise PermissionDenied("评议进度只对社区、街道和民政部门开放")
    return round_


def _evaluation(request, pk, *, write=False) -> Evaluation:
    evaluation = get_object_for_user(
        Evaluation.objects.select_related(
            "round", "person", "post", "appointment", "community", "post__building"
        ),
        request.user,
        pk,
        write=write,
        request=request,
    )
    if not can_oversee(request.user, evaluation):
        raise PermissionDenied("该页面只对社区、街道和民政部门开放")
    return evaluation


# -- rounds ------------------------------------------------------------------------------------


@login_required
def index(request):
    communities = _oversee_ids(request.user)
    if not communities:
        if getattr(request.user, "person", None) is not None or scope_for(request.user, Cap.VIEW):
            return redirect("evaluation:mine")
        raise Http404
    rounds_ = (
        Round.objects.filter(community_id__in=communities)
        .select_related("community")
        .annotate(n=Count("evaluations"))
        .order_by("-year", "community__code")
    )
    editable = _edit_communities(request.user)
    return render(
        request,
        "evaluation/index.html",
        {
            "rounds": rounds_,
            "form": OpenRoundForm(communities=editable) if editable else None,
            "breadcrumb": _crumbs(),
        },
    )


@require_POST
@login_required
def open_round(request):
    editable = _edit_communities(request.user)
    if not editable:
        raise Http404
    form = OpenRoundForm(request.POST, communities=editable)
    if form.is_valid():
        try:
            round_ = rounds.open_round(
                acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(
                request,
                f"已开始{round_}：共 {round_.evaluations.count()} 名楼栋长（每个岗位一项）。",
            )
            return redirect(round_)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    rounds_ = Round.objects.filter(community_id__in=_oversee_ids(request.user)).annotate(
        n=Count("evaluations")
    )
    return render(
        request,
        "evaluation/index.html",
        {"rounds": rounds_, "form": form, "breadcrumb": _crumbs()},
        status=400,
    )


def _round_context(request, round_, **forms):
    rows = list(
        round_.evaluations.select_related("person", "post")
        .annotate(meetings=Count("meeting_links"))
        .order_by("post__title", "id")
    )
    progress = surveys.progress(e.pk for e in rows)
    for row in rows:
        row.progress = progress[row.pk]
    profile = round_.profile()
    editable = can_edit(request.user, round_)
    context = {
        "round": round_,
        "rows": rows,
        "profile": profile,
        "editable": editable,
        "answered": sum(p["answered"] for p in progress.values()),
        "breadcrumb": _crumbs({"label": str(round_)}),
    }
    if editable and round_.is_open:
        from loudong.roster.models import Person, Post

        context["add_form"] = forms.get("add_form") or AddEvaluationForm(
            persons=Person.objects.filter(community=round_.community).order_by("name"),
            posts=Post.objects.filter(
                community=round_.community, kind__in=list(profile.evaluation.post_kinds)
            ).order_by("title"),
        )
    context.update(forms)
    return context


@login_required
def round_detail(request, pk):
    round_ = _round(request, pk)
    return render(request, "evaluation/round.html", _round_context(request, round_))


@require_POST
@login_required
def round_attitudes(request, pk):
    round_ = _round(request, pk, write=True)
    scores, bad = {}, []
    for key, value in request.POST.items():
        if not key.startswith("attitude_") or not value.strip():
            continue
        try:
            pk_ = int(key.removeprefix("attitude_"))
            scores[pk_] = int(value)
        except ValueError:
            bad.append(value)
    if bad:
        messages.error(request, f"工作态度得分须为 0 到 100 的整数（“{bad[0]}”不是）。未作修改。")
        return redirect(round_)
    try:
        n = evaluations.set_attitudes(
            round=round_,
            scores=scores,
            note=request.POST.get("note", ""),
            acting_user=request.user,
            request=request,
        )
        messages.success(request, f"已保存 {n} 项工作态度评分。")
    except ValidationError as exc:
        messages.error(request, exc.messages[0] + "。未作修改。")
    return redirect(round_)


@require_POST
@login_required
def round_add(request, pk):
    from loudong.roster.models import Person, Post

    round_ = _round(request, pk, write=True)
    form = AddEvaluationForm(
        request.POST,
        persons=Person.objects.filter(community=round_.community),
        posts=Post.objects.filter(community=round_.community),
    )
    if form.is_valid():
        try:
            evaluation = rounds.add_evaluation(
                round=round_, acting_user=request.user, request=request, **form.cleaned_data
            )
            messages.success(
                request, f"已将 {evaluation.person.name}（{evaluation.post.title}）列入评议。"
            )
            return redirect(evaluation)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "evaluation/round.html",
        _round_context(request, round_, add_form=form),
        status=400,
    )


@require_POST
@login_required
def round_close(request, pk):
    round_ = _round(request, pk, write=True)
    try:
        round_ = rounds.close_round(round=round_, acting_user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(round_)
    graded = (
        round_.evaluations.values("grade_label").annotate(n=Count("id")).order_by("grade_label")
    )
    summary = "，".join(f"{g['grade_label']} {g['n']} 人" for g in graded)
    notice = f"；评议结果公示至 {round_.notice_end:%Y-%m-%d}" if round_.notice_end else ""
    messages.success(request, f"{round_.year} 年度评议已结束：{summary}{notice}。")
    return redirect(round_)


@login_required
def round_notice(request, pk):
    round_ = _round(request, pk)
    if round_.is_open:
        raise Http404
    rows = (
        round_.evaluations.filter(status="closed")
        .select_related("person", "post")
        .order_by("post__title")
    )
    return render(
        request,
        "evaluation/notice.html",
        {
            "round": round_,
            "rows": rows,
            "community": round_.community,
            "title": f"{round_} 结果公示",
        },
    )


def _qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


@login_required
def round_poster(request, pk):
    round_ = _round(request, pk)
    url = request.build_absolute_uri(reverse("evaluation_public:about", args=[round_.public_key]))
    return render(
        request,
        "evaluation/poster.html",
        {"round": round_, "qr": _qr_data_uri(url), "url": url, "title": f"{round_} 告居民书"},
    )


# -- one evaluation ------------------------------------------------------------------------


def _evaluation_context(request, evaluation, **forms):
    round_ = evaluation.round
    rule = round_rule(round_)
    profile = round_.profile()
    if evaluation.is_open:
        figures = results.figures_for(evaluation, timezone.localdate())
        residents = results.residents_for([evaluation.pk])[evaluation.pk]
        out = results.outcome(evaluation, rule, figures, residents)
    else:
        out = None
    questions = list(round_.questions.all())
    tally = results.residents_for([evaluation.pk])[evaluation.pk].tally
    f = out.figures.__dict__ if out else evaluation.figures
    figure_rows = [
        ("服务户数", f.get("households", 0)),
        ("走访", f"{f.get('visits', 0)} 次，覆盖 {f.get('households_visited', 0)} 户"),
        ("服务记录", f"{f.get('service_records', 0)} 条"),
        (
            "矛盾隐患",
            f"报告或处理 {f.get('incidents_reported', 0)} 件，及时 {f.get('incidents_on_time', 0)} 件",
        ),
        (
            "服务记录表",
            f"应报 {f.get('reports_due', 0)} 个月，已报 {f.get('reports_submitted', 0)} 个月",
        ),
    ]
    editable = can_edit(request.user, evaluation) and evaluation.is_open
    progress = surveys.progress([evaluation.pk])[evaluation.pk]
    context = {
        "evaluation": evaluation,
        "round": round_,
        "profile": profile,
        "outcome": out,
        "questions": _distribution(questions, tally),
        "figure_rows": figure_rows,
        "progress": progress,
        "meetings": MeetingLink.objects.filter(evaluation=evaluation).select_related(
            "question__meeting"
        ),
        "editable": editable,
        "can_adjust": can_edit(request.user, evaluation) and evaluation.needs_adjustment,
        "notice_over": round_.notice_over(timezone.localdate()),
        "breadcrumb": _crumbs(
            {"label": str(round_), "url": round_.get_absolute_url()},
            {"label": evaluation.person.name},
        ),
    }
    if editable:
        context.setdefault(
            "attitude_form", AttitudeForm(initial={"score": evaluation.attitude_score})
        )
        context.setdefault(
            "work_form",
            WorkForm(initial={"score": evaluation.work_score, "reason": evaluation.work_reason}),
        )
        context.setdefault(
            "meeting_form",
            MeetingForm(initial={"households": evaluation.post.households().count()}),
        )
        context.setdefault("paper_form", PaperForm(questions=questions))
    if context["can_adjust"]:
        context.setdefault("adjust_form", AdjustForm(initial={"notice_date": timezone.localdate()}))
    context.update({k: v for k, v in forms.items() if v is not None})
    return context


def _distribution(questions, tally):
    """Each question with its options' counts (for workers; leaders only with enough answers)."""
    out = []
    for question in questions:
        counts = tally.counts.get(question.code, {})
        total = sum(counts.values())
        options = [
            {
                "label": o["label"],
                "score": o["score"],
                "n": counts.get(o["code"], 0),
                "pct": round(100 * counts.get(o["code"], 0) / total) if total else 0,
            }
            for o in question.options
        ]
        out.append({"text": question.text, "options": options, "total": total})
    return out


@login_required
def evaluation_detail(request, pk):
    evaluation = _evaluation(request, pk)
    return render(request, "evaluation/evaluation.html", _evaluation_context(request, evaluation))


def _post_form(request, pk, form_class, name, verb, success, form_kwargs=None):
    evaluation = _evaluation(request, pk, write=True)
    form = form_class(request.POST, **(form_kwargs(evaluation) if form_kwargs else {}))
    if form.is_valid():
        try:
            message = success(verb(evaluation, form), evaluation)
            messages.success(request, message)
            return redirect(evaluation)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "evaluation/evaluation.html",
        _evaluation_context(request, evaluation, **{name: form}),
        status=400,
    )


@require_POST
@login_required
def evaluation_attitude(request, pk):
    return _post_form(
        request,
        pk,
        AttitudeForm,
        "attitude_form",
        lambda e, f: evaluations.set_attitude(
            evaluation=e, acting_user=request.user, request=request, **f.cleaned_data
        ),
        lambda e, _: f"工作态度已评定为 {e.attitude_score} 分。",
    )


@require_POST
@login_required
def evaluation_work(request, pk):
    return _post_form(
        request,
        pk,
        WorkForm,
        "work_form",
        lambda e, f: evaluations.set_work(
            evaluation=e, acting_user=request.user, request=request, **f.cleaned_data
        ),
        lambda e, _: (
            f"工作内容已评定为 {scoring.fmt(e.work_score)} 分。"
            if e.work_score is not None
            else "工作内容按工作记录的建议分计算。"
        ),
    )


@require_POST
@login_required
def evaluation_meeting(request, pk):
    return _post_form(
        request,
        pk,
        MeetingForm,
        "meeting_form",
        lambda e, f: evaluations.record_meeting(
            evaluation=e, acting_user=request.user, request=request, **f.cleaned_data
        ),
        lambda link, _: (
            f"已登记居民会议：满意 {link.question.votes_for}、不满意 {link.question.votes_against}、"
            f"弃权 {link.question.abstentions}。"
        ),
    )


@require_POST
@login_required
def evaluation_paper(request, pk):
    def verb(evaluation, form):
        slips = surveys.parse_slips(form.cleaned_data["slips"])
        return surveys.record_paper(
            evaluation=evaluation,
            slips=slips,
            counts=form.counts(),
            acting_user=request.user,
            request=request,
        )

    return _post_form(
        request,
        pk,
        PaperForm,
        "paper_form",
        verb,
        lambda batch, _: f"已录入纸质问卷 {batch.forms} 份。",
        form_kwargs=lambda e: {"questions": list(e.round.questions.all())},
    )


@require_POST
@login_required
def evaluation_slips(request, pk):
    """Make the slips and show them once, to print (only their hashes are kept)."""
    evaluation = _evaluation(request, pk, write=True)
    try:
        slips = surveys.issue_slips(
            evaluation=evaluation, acting_user=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(evaluation)
    cards = []
    for slip in slips:
        url = request.build_absolute_uri(reverse("evaluation_public:survey", args=[slip.key]))
        cards.append({"slip": slip, "url": url, "qr": _qr_data_uri(url)})
    response = render(
        request,
        "evaluation/slips.html",
        {
            "evaluation": evaluation,
            "round": evaluation.round,
            "cards": cards,
            "questions": evaluation.round.questions.all(),
            "title": f"{evaluation.post.title} 评议问卷回执",
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def evaluation_close(request, pk):
    evaluation = _evaluation(request, pk, write=True)
    try:
        evaluation = rounds.close_evaluation(
            evaluation=evaluation, acting_user=request.user, request=request
        )
        messages.success(request, f"已评定：{evaluation.grade_label}（{evaluation.score} 分）。")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(evaluation)


@require_POST
@login_required
def evaluation_adjust(request, pk):
    evaluation = _evaluation(request, pk, write=True)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            adjustments.adjust_after_evaluation(
                evaluation=evaluation,
                acting_user=request.user,
                request=request,
                **form.cleaned_data,
            )
            messages.success(
                request,
                f"已调整 {evaluation.person.name}：{evaluation.post.title}现为空缺，可发起新的选配；"
                "已给本人发出告知。",
            )
            return redirect(evaluation)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
    return render(
        request,
        "evaluation/evaluation.html",
        _evaluation_context(request, evaluation, adjust_form=form),
        status=400,
    )


@login_required
def adjustment_notice(request, pk):
    """The written notice to the adjusted leader (附件1 §五 "应提前告知对方"), A4."""
    evaluation = _evaluation(request, pk)
    notice = get_object_or_404(Notice, evaluation=evaluation, kind=Notice.Kind.ADJUSTMENT)
    return render(
        request,
        "evaluation/adjustment_notice.html",
        {"evaluation": evaluation, "notice": notice, "title": "评议调整告知书"},
    )


# -- the leader's own page ----------------------------------------------------------------------


def leader_view(evaluation, profile) -> dict:
    """What a leader may see of their own evaluation: the grade once closed, and the residents'
    part only with at least ``leader_min_answers`` answers (fewer could point at a household)."""
    progress = surveys.progress([evaluation.pk])[evaluation.pk]
    minimum = profile.evaluation.leader_min_answers
    enough = progress["answered"] >= minimum
    questions = None
    # Only once closed: watching the counts move while a round is open could tell a leader
    # which option a neighbour who just answered chose.
    if enough and not evaluation.is_open:
        tally = results.residents_for([evaluation.pk])[evaluation.pk].tally
        questions = _distribution(list(evaluation.round.questions.all()), tally)
    return {
        "evaluation": evaluation,
        "answered": progress["answered"],
        "minimum": minimum,
        "enough": enough,
        "questions": questions,
        "parts": evaluation.parts if (enough and not evaluation.is_open) else None,
    }


@login_required
def mine(request):
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404
    rows = (
        Evaluation.objects.filter(person=person)
        .select_related("round", "post")
        .order_by("-round__year", "post__title")
    )
    views = [leader_view(e, e.round.profile()) for e in rows]
    notices = Notice.objects.filter(person=person)[:10]
    Notice.objects.filter(person=person, read_on__isnull=True).update(read_on=timezone.localdate())
    return render(
        request,
        "evaluation/mine.html",
        {
            "views": views,
            "notices": notices,
            "person": person,
            "breadcrumb": _crumbs({"label": "我的评议"}),
        },
    )


# -- residents ---------------------------------------------------------------------------------


def _resident_response(response):
    response["Cache-Control"] = "no-store"
    # The key in the URL must not leak to other sites; the form's own POST needs its Origin.
    response["Referrer-Policy"] = "same-origin"
    return response


def survey(request, key):
    """A household answers with its slip's key: mobile-first, once, anonymously."""
    try:
        token = surveys.token_for(key)
    except surveys.SurveyError as exc:
        return _resident_response(
            render(request, "evaluation/survey.html", {"error": str(exc)}, status=exc.status)
        )
    evaluation = token.evaluation
    questions = list(evaluation.round.questions.all())
    chosen = {}
    context = {"evaluation": evaluation, "round": evaluation.round, "show_form": True}
    status = 200
    if request.method == "POST":
        chosen = {q.code: request.POST.get(f"q_{q.code}", "") for q in questions}
        if resident_throttled(request, f"survey:{token.pk}"):
            context["error"], status = "提交过于频繁，请稍后再试。", 429
        else:
            try:
                surveys.answer(key=key, choices=chosen)
                context["done"] = "提交成功，感谢您对楼栋长工作的评议！"
            except surveys.SurveyError as exc:
                context["error"], status = str(exc), exc.status
    else:
        try:
            surveys.check_open(token)
        except surveys.SurveyError as exc:
            context["error"], status = str(exc), exc.status
    if context.get("done") or status in (409, 410):
        context["show_form"] = False
    context["items"] = [(q, chosen.get(q.code, "")) for q in questions]
    return _resident_response(render(request, "evaluation/survey.html", context, status=status))


def about(request, public_key):
    """The notice board's QR code: what the round is and how to answer (never a token)."""
    round_ = get_object_or_404(Round.objects.select_related("community"), public_key=public_key)
    return _resident_response(
        render(request, "evaluation/about.html", {"round": round_, "community": round_.community})
    )
