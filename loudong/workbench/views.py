from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from loudong.accounts.roles import LEADER_ROLES
from loudong.reports.views import available
from loudong.workbench import registry

PAGE_SIZE = 50


@login_required
def home(request):
    """The workbench (工作台): what waits for this user, as counts; each opens its list."""
    roles = request.user.active_roles()
    # 楼栋长、单元长、网格长 only: their home is the field-work phone page.
    if roles and all(a.role in LEADER_ROLES for a in roles):
        return redirect("fieldwork:phone_home")
    today = timezone.localdate()
    return render(
        request,
        "workbench/home.html",
        {
            "roles": roles,
            "sections": registry.workbench(request.user, today),
            "today": today,
            "dashboards": available(request.user),
        },
    )


@login_required
def todo(request, key):
    """The rows behind one count, overdue first; each row opens its own page."""
    src = registry.source(key)
    if src is None:
        raise Http404
    today = timezone.localdate()
    rows = [src.row(obj, today) for obj in registry.rows_of(src, request.user, today)]
    rows.sort(key=lambda r: not r.overdue)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/todo.html",
        {
            "source": src,
            "page": page,
            "overdue": sum(1 for r in rows if r.overdue),
            "breadcrumb": [{"label": "工作台", "url": "/"}],
        },
    )
