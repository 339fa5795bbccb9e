"""The JSON API under /api/v1/ (PRODUCT.md "Stable interfaces").

Lists return the caller's whole scope unless filtered, ``limit`` up to 1000; out of
scope is 404; phones and ID numbers are masked.
"""

from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from loudong.api.auth import ScopedSessionAuth, TokenAuth
from loudong.territory.models import Region

api = NinjaAPI(
    title="loudong API",
    version="1",
    description="楼栋长网格治理系统接口。会话登录或 Bearer 令牌；列表默认返回调用者管辖范围内的全部数据。",
    auth=[TokenAuth(), ScopedSessionAuth()],
    urls_namespace="api",
)


class Pagination(LimitOffsetPagination):
    class Input(LimitOffsetPagination.Input):
        pass

    def paginate_queryset(self, queryset, pagination, **params):
        pagination.limit = max(1, min(pagination.limit, 1000))
        return super().paginate_queryset(queryset, pagination, **params)


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent: int | None

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id


@api.get("/regions", response=list[RegionOut], tags=["辖区"])
@paginate(Pagination)
def list_regions(request, level: str | None = None, parent: int | None = None):
    regions = Region.objects.visible_to(request.user).order_by("path")
    if level:
        regions = regions.filter(level=level)
    if parent is not None:
        regions = regions.filter(parent_id=parent)
    return regions


@api.get("/regions/{region_id}", response=RegionOut, tags=["辖区"])
def get_region(request, region_id: int):
    region = Region.objects.visible_to(request.user).filter(pk=region_id).first()
    if region is None:
        raise Http404
    return region
