"""Domain verbs of the roster, one module per noun (STYLE.md items 3 and 16).

- ``common``: :class:`Refused`, who may edit, audited refusals.
- ``posts``: grid posts kept in step with the division in force, posts by hand, 一格多员.
- ``persons``: leaders and candidates.
- ``selections``: the selection workflow (池阳's six steps, 长春's channels and 备案), 公示 and
  objections, the residents' result of 居民推选.
- ``ballots``: residents' anonymous ballots for 居民推选.
- ``appointments``: appointing, taking over a grid (兼任), resignation and adjustment.
- ``legacy``: the leaders in post before the integration campaign (调查摸底).

Each verb takes keyword-only arguments and ``acting_user``, checks who may do it, then
changes the rows and writes its audit row inside one ``transaction.atomic()``; a seed limit is
checked inside that transaction with the rows it depends on locked.
"""
