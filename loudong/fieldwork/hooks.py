"""Hook points where field work asks a higher app (STYLE.md: no imports upward).

- ``party_branch_members(incident) -> set[int]``: the user ids who act for the 小区党支部 at an
  incident's place (seed 004 §三.10: "逐级上报小区党支部和社区党组织"). **The 三长 issue (14)
  provides this** from its ``community.PartyBranch`` members: register the provider in the
  community app's ``AppConfig.ready`` with ``party_branch_members.provide(fn)``. Until a provider
  is registered, the community's workers act for the branch (``fieldwork.ladder.holder``) — the
  seed puts the branch "在社区党组织领导下", and nobody else is on record for it yet.
- ``phone_home_items(user, today) -> list[PhoneItem]``: buttons for the leaders' phone home from the
  三长 app (rota duty, handovers to write or confirm, trainings, …): each a dict with ``label``,
  ``url`` and ``detail`` (and ``badge``: a count to highlight). One tap from home.
"""

from dataclasses import dataclass

from loudong.roster.hooks import Query


@dataclass(frozen=True)
class PhoneItem:
    """One big button on the phone home: label, link, a short note and an optional count."""

    label: str
    url: str
    detail: str = ""
    badge: int = 0


class PartyBranchQuery(Query):
    def has_providers(self) -> bool:
        return bool(self._providers)


party_branch_members = PartyBranchQuery("party_branch_members")


class ListQuery:
    """A question with list answers, concatenated over the providers in registration order."""

    def __init__(self, name: str):
        self.name = name
        self._providers: list = []

    def provide(self, fn):
        if fn not in self._providers:
            self._providers.append(fn)
        return fn

    def __call__(self, *args) -> list:
        answer: list = []
        for provider in self._providers:
            answer += list(provider(*args))
        return answer


# ``phone_home_items(user, today) -> [PhoneItem]``: what higher apps put on the leaders' phone
# home (the 三长 app: meetings invited to, decisions owned, ratings to fill, supervision notes,
# the rota, trainings, supplies, outsider registration) — one tap from home, so every item is
# within three taps.
phone_home_items = ListQuery("phone_home_items")
