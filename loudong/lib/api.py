"""What every app's API module shares: pagination and the scoped fetch."""

from typing import Annotated

from django.http import Http404
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

# The largest integer both databases store (SQLite INTEGER, PostgreSQL bigint). Larger query
# or path values (2**63) raised OverflowError inside SQLite — a 500; now a 422 from validation.
MAX_DB_INT = 2**63 - 1
DbInt = Annotated[int, Field(ge=0, le=MAX_DB_INT)]
# A calendar year a date lookup can take (``month__year=10**20`` raised OverflowError in the
# date arithmetic behind ``__year`` — a 500; now a 422 from validation).
Year = Annotated[int, Field(ge=1, le=9999)]
# offset + limit must stay a database integer too.
MAX_OFFSET = 2**62


class Pagination(LimitOffsetPagination):
    """limit/offset, ``limit`` at most 1000 (PRODUCT.md "Stable interfaces")."""

    class Input(LimitOffsetPagination.Input):
        limit: int = Field(100, ge=1, le=MAX_DB_INT, description="每页条数（最多 1000）")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")

    def paginate_queryset(self, queryset, pagination, **params):
        pagination.limit = max(1, min(pagination.limit, 1000))
        return super().paginate_queryset(queryset, pagination, **params)


def visible_or_404(queryset, request, pk):
    """One object of ``queryset`` in the caller's scope, else 404."""
    obj = queryset.visible_to(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


class ErrorOut(Schema):
    """The body of every refusal: the reason in Chinese."""

    detail: str | list
