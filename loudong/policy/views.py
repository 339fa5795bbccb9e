"""Policy pages: profiles and their versions (read by anyone with Cap.VIEW), editing and the
holiday calendar (街道管理员 only, Cap.POLICY; everyone else gets a 404)."""

import itertools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from loudong.accounts.access import has_cap, require_cap
from loudong.accounts.roles import Cap
from loudong.policy import actions, workdays
from loudong.policy.forms import HolidayForm, HolidayYearForm, ProfileForm
from loudong.policy.models import Holiday, PolicyProfile
from loudong.policy.schema import diff, label, rows


def _current_or_404(name) -> PolicyProfile:
    profile = PolicyProfile.current(name)
    if profile is None:
        raise Http404
    return profile


def _crumbs(*extra):
    return [{"label": "政策参数", "url": "/policy/"}, *extra]


def path_label(path: str) -> str:
    """``evaluation.grades[1].factor`` → ``评议等次与年终系数 第 2 项 年终系数``."""
    if "[" not in path:
        return label(path)
    base, rest = path.split("[", 1)
    index, tail = rest.split("]", 1)
    text = f"{label(base)} 第 {int(index) + 1} 项"
    if tail.startswith("."):
        field = tail[1:]
        item_titles = {
            "code": "代码",
            "label": "名称",
            "factor": "年终系数",
            "adjust_leader": "予以调整",
        }
        text += f" {item_titles.get(field, field)}"
    return text


@login_required
def index(request):
    require_cap(request.user, Cap.VIEW, request)
    versions = PolicyProfile.objects.select_related("created_by").order_by("name", "-version")
    profiles = [next(group) for _, group in itertools.groupby(versions, key=lambda p: p.name)]
    return render(
        request,
        "policy/index.html",
        {
            "profiles": profiles,
            "in_force": settings.LOUDONG_POLICY,
            "can_edit": has_cap(request.user, Cap.POLICY),
        },
    )


def _render_version(request, profile, *, is_current):
    history = PolicyProfile.objects.filter(name=profile.name).select_related("created_by")
    return render(
        request,
        "policy/detail.html",
        {
            "profile": profile,
            "rows": rows(profile.data),
            "history": history.order_by("-version"),
            "is_current": is_current,
            "in_force": settings.LOUDONG_POLICY == profile.name,
            "can_edit": has_cap(request.user, Cap.POLICY),
            "breadcrumb": _crumbs(
                {"label": profile.title, "url": f"/policy/{profile.name}/"},
                {"label": f"第 {profile.version} 版"},
            ),
        },
    )


@login_required
def detail(request, name):
    require_cap(request.user, Cap.VIEW, request)
    return _render_version(request, _current_or_404(name), is_current=True)


@login_required
def version(request, name, version):
    require_cap(request.user, Cap.VIEW, request)
    profile = get_object_or_404(PolicyProfile, name=name, version=version)
    current = PolicyProfile.current(name)
    return _render_version(request, profile, is_current=current.pk == profile.pk)


@login_required
def compare(request, name):
    """Two versions side by side: ``?a=1&b=2`` (default: the current one and the one before)."""
    require_cap(request.user, Cap.VIEW, request)
    current = _current_or_404(name)
    try:
        b = int(request.GET.get("b", current.version))
        a = int(request.GET.get("a", b - 1))
    except ValueError:
        raise Http404 from None
    if not (0 < a < 2**31 and 0 < b < 2**31):  # 2**63 overflowed SQLite: a 500
        raise Http404
    old = get_object_or_404(PolicyProfile, name=name, version=a)
    new = get_object_or_404(PolicyProfile, name=name, version=b)
    before, after = diff(old.data, new.data)
    changes = [
        {"path": path, "label": path_label(path), "old": before[path], "new": after[path]}
        for path in before
    ]
    return render(
        request,
        "policy/compare.html",
        {
            "old": old,
            "new": new,
            "changes": changes,
            "versions": PolicyProfile.objects.filter(name=name).order_by("version"),
            "breadcrumb": _crumbs(
                {"label": current.title, "url": f"/policy/{name}/"},
                {"label": f"比较第 {a} 版与第 {b} 版"},
            ),
        },
    )


@login_required
def edit(request, name):
    require_cap(request.user, Cap.POLICY, request)
    current = _current_or_404(name)
    form = ProfileForm(request.POST or None, profile=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                profile = actions.create_profile_version(
                    name=name,
                    data=form.cleaned_data["data"],
                    note=form.cleaned_data["note"],
                    acting_user=request.user,
                    base_version=form.cleaned_data["base_version"],
                    effective_from=form.cleaned_data["effective_from"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"已保存为第 {profile.version} 版")
                return redirect("policy:detail", name=name)
        status = 400
    return render(
        request,
        "policy/edit.html",
        {
            "profile": current,
            "form": form,
            "breadcrumb": _crumbs(
                {"label": current.title, "url": f"/policy/{name}/"}, {"label": "修改参数"}
            ),
        },
        status=status,
    )


@login_required
def holidays(request, form=None, status=200, year_form=None):
    require_cap(request.user, Cap.VIEW, request)
    can_edit = has_cap(request.user, Cap.POLICY)
    entries = Holiday.objects.select_related("created_by").order_by("-date")
    years = [
        (year, list(group)) for year, group in itertools.groupby(entries, key=lambda h: h.date.year)
    ]
    return render(
        request,
        "policy/holidays.html",
        {
            "years": years,
            "can_edit": can_edit,
            "form": (form or HolidayForm()) if can_edit else None,
            "year_form": (year_form or HolidayYearForm()) if can_edit else None,
            "known_years": workdays.known_years(),
            "breadcrumb": _crumbs({"label": "节假日与调休"}),
        },
        status=status,
    )


@require_POST
@login_required
def holiday_add(request):
    require_cap(request.user, Cap.POLICY, request)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            holiday = actions.add_holiday(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field, message)
        else:
            messages.success(request, f"已录入 {holiday}")
            return redirect("policy:holidays")
    return holidays(request, form=form, status=400)


@require_POST
@login_required
def holiday_remove(request, pk):
    require_cap(request.user, Cap.POLICY, request)
    holiday = get_object_or_404(Holiday, pk=pk)
    text = str(holiday)
    actions.remove_holiday(holiday=holiday, acting_user=request.user)
    messages.success(request, f"已删除 {text}")
    return redirect("policy:holidays")


@require_POST
@login_required
def holiday_year(request):
    require_cap(request.user, Cap.POLICY, request)
    form = HolidayYearForm(request.POST)
    if form.is_valid():
        try:
            n = actions.add_holiday_year(
                year=form.cleaned_data["year"],
                entries=form.cleaned_data["entries"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, f"已录入 {form.cleaned_data['year']} 年放假安排共 {n} 天")
            return redirect("policy:holidays")
    return holidays(request, status=400, year_form=form)
