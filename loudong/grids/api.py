"""``GET /api/v1/grids``: the grids of the division in force (PRODUCT.md "Stable interfaces").

Mounted into ``loudong.api.api`` with ``api.add_router("", router)``.
"""

from ninja import Router, Schema
from ninja.pagination import paginate

from loudong.grids.models import Grid
from loudong.lib.api import Pagination
from loudong.territory.access import community_by_code

router = Router(tags=["网格"])


class GridOut(Schema):
    id: int
    code: str
    community: str
    households: int
    leader: int | None

    @staticmethod
    def resolve_community(obj):
        return obj.community.code

    @staticmethod
    def resolve_leader(obj):
        return obj.leader_person_id


@router.get("/grids", response=list[GridOut])
@paginate(Pagination)
def list_grids(request, community: str | None = None):
    """Grids of each community's division in force (its latest frozen version)."""
    grids = (
        Grid.objects.visible_to(request.user).in_force().select_related("community").with_leader()
    )
    if community:
        grids = grids.filter(community=community_by_code(request.user, community))
    return grids.order_by("community__code", "sequence", "id")
