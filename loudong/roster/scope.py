"""The registry a post-holder sees: the households of the posts they hold (PRODUCT.md: a 楼栋长
sees "the households of the posts held, nothing else of the registry").

Registered with accounts.access from RosterConfig.ready, so that the access layer — below the
roster — can narrow every registry list and fetch to these households.
"""

from django.db.models import Q

from loudong.roster.models import Appointment, Person, Post


def served_households(user, regions) -> list[tuple[int, int, int, int]]:
    """(household, unit, building, compound) ids served by ``user``'s active posts, within
    ``regions`` (the communities or compounds of their post-holding roles)."""
    from loudong.territory.models import Household

    person = Person.objects.filter(user=user).only("pk").first()
    if person is None:
        return []
    posts = Post.objects.filter(
        pk__in=Appointment.objects.filter(person=person, status="active").values("post_id")
    )
    where = Q(pk__in=[])
    communities = [r.pk for r in regions if r.level == "community"]
    compounds = [r.pk for r in regions if r.level == "compound"]
    if communities:
        where |= Q(community_id__in=communities)
    if compounds:
        where |= Q(compound_id__in=compounds)
    households = Household.objects.none()
    for post in posts:
        households = households | post.households(occupied_only=False)
    return list(households.filter(where).values_list("id", "unit_id", "building_id", "compound_id"))
