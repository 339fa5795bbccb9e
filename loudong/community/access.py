"""Who sees and who runs the 三长 mechanisms' records.

- 社区工作者 and the 街道管理员 (the "body" roles of field work) see their communities' records;
  writing needs the community's edit right (Cap.EDIT).
- A leader (网格长、楼栋长、单元长) sees the meetings convening or inviting them, convenes the
  meetings of the grids their posts head (profile ``meetings.convener_kinds``), and writes
  supervision notes and ratings for the compounds of their posts.
- 区民政局 and the three admins see none of these rows.

Out of scope is a 404 (audited by ``accounts.access``); in scope but not allowed is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from loudong.accounts.access import _audit_refusal, scope_for
from loudong.accounts.roles import Cap
from loudong.fieldwork.access import body_community_ids, leader_area
from loudong.lib.api import MAX_DB_INT


def person_of(user):
    """The user's roster person when they hold a leader post now, else None."""
    area = leader_area(user)
    return area.person if area else None


def can_edit(user, community) -> bool:
    return community.pk in body_community_ids(user) and scope_for(user, Cap.EDIT).allows(community)


def require_edit(user, community, message="您在该社区只能查看，不能进行此操作") -> None:
    if not can_edit(user, community):
        raise PermissionDenied(message)


def meeting_q(user) -> Q:
    q = Q(community_id__in=body_community_ids(user))
    person = person_of(user)
    if person is not None:
        q |= Q(invitees__person=person) | Q(convener_person=person)
    return q


def leader_posts(user, kinds=None):
    posts = leader_area(user).posts
    return [p for p in posts if kinds is None or p.kind in kinds]


def leader_compound_ids(user) -> set[int]:
    """Compounds of the leader's posts (a grid post: the compounds of its buildings)."""
    area = leader_area(user)
    ids = {p.compound_id for p in area.posts if p.compound_id}
    if area.grid_codes:
        from loudong.grids.models import GridPiece

        ids |= set(
            GridPiece.objects.filter(
                grid__code__in=area.grid_codes, grid__division__status="frozen"
            ).values_list("building__compound_id", flat=True)
        )
    if area.building_ids:
        from loudong.territory.models import Building

        ids |= set(
            Building.objects.filter(pk__in=area.building_ids).values_list("compound_id", flat=True)
        )
    return {i for i in ids if i}


def get_for_user(queryset, user, pk, request=None):
    """One row of ``queryset.visible_to(user)``, or 404 (audited when the row exists)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 <= pk <= MAX_DB_INT:
        raise Http404
    obj = queryset.visible_to(user).filter(pk=pk).distinct().first()
    if obj is None:
        if queryset.model._default_manager.filter(pk=pk).exists():
            _audit_refusal(user, request, f"越权访问 {queryset.model._meta.verbose_name} #{pk}")
        raise Http404
    return obj


def communities_for(user):
    """The communities the user works in as a body, else those of their leader posts."""
    from loudong.territory.models import Region

    ids = set(body_community_ids(user)) or set(leader_area(user).community_ids)
    if not ids:
        raise Http404
    return Region.objects.filter(pk__in=ids).order_by("code", "name")
