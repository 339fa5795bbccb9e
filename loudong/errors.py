"""Error pages in Chinese; a failed CSRF check is audited as a security event."""

from django.shortcuts import render


def bad_request(request, exception=None):
    return render(
        request,
        "errors/error.html",
        {"title": "请求无效", "message": "提交的内容无法处理，请返回上一页重试。"},
        status=400,
    )


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有进行此操作的权限。"
    return render(
        request, "errors/error.html", {"title": "无权操作", "message": message}, status=403
    )


def page_not_found(request, exception=None):
    return render(
        request,
        "errors/error.html",
        {"title": "页面不存在", "message": "您要找的页面不存在，或不在您的管辖范围内。"},
        status=404,
    )


def server_error(request):
    return render(
        request,
        "errors/error.html",
        {"title": "系统出错", "message": "系统出现错误，已记录。请稍后重试或联系系统管理员。"},
        status=500,
    )


def csrf_failure(request, reason=""):
    from loudong.accounts.audit import AuditAction, record

    record(
        actor=getattr(request, "user", None),
        action=AuditAction.CSRF_FAILURE,
        target_repr=f"{request.method} {request.path}"[:200],
        reason=reason[:200],
        request=request,
    )
    return render(
        request,
        "errors/error.html",
        {
            "title": "页面已过期",
            "message": "安全校验未通过（页面可能已过期）。请刷新页面后重新提交。",
        },
        status=403,
    )
