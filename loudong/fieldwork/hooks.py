"""Hook points where field work asks a higher app (STYLE.md: no imports upward).

- ``party_branch_members(incident) -> set[int]``: the user ids who act for the 小区党支部 at an
  incident's place (seed 004 §三.10: "逐级上报小区党支部和社区党组织"). **The 三长 issue (14)
  provides this** from its ``community.PartyBranch`` members: register the provider in the
  community app's ``AppConfig.ready`` with ``party_branch_members.provide(fn)``. Until a provider
  is registered, the community's workers act for the branch (``fieldwork.ladder.holder``) — the
  seed puts the branch "在社区党组织领导下", and nobody else is on record for it yet.
- ``phone_home_items(user, today) -> list[dict]``: buttons for the leaders' phone home from the
  三长 app (rota duty, handovers to write or confirm, trainings, …): each a dict with ``label``,
  ``url`` and ``detail`` (and ``badge``: a count to highlight). One tap from home.
"""

from loudong.roster.hooks import Query


class PartyBranchQuery(Query):
    def has_providers(self) -> bool:
        return bool(self._providers)


party_branch_members = PartyBranchQuery("party_branch_members")


class Items:
    """A list-valued question: the providers' items, concatenated in registration order."""

    def __init__(self, name: str):
        self.name = name
        self._providers = []

    def provide(self, fn):
        if fn not in self._providers:
            self._providers.append(fn)
        return fn

    def __call__(self, *args) -> list:
        items: list = []
        for provider in self._providers:
            items += list(provider(*args))
        return items


phone_home_items = Items("phone_home_items")
