"""What every app's API module shares: pagination and the scoped fetch."""

from django.http import Http404
from ninja.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """limit/offset, ``limit`` at most 1000 (PRODUCT.md "Stable interfaces")."""

    class Input(LimitOffsetPagination.Input):
        pass

    def paginate_queryset(self, queryset, pagination, **params):
        pagination.limit = max(1, min(pagination.limit, 1000))
        return super().paginate_queryset(queryset, pagination, **params)


def visible_or_404(queryset, request, pk):
    """One object of ``queryset`` in the caller's scope, else 404."""
    obj = queryset.visible_to(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj
