"""Domain verbs of field work, one module per noun (STYLE.md items 3 and 16).

- ``common``: :class:`Refused`, the idempotency key, photos.
- ``visits``: a leader's visit to households of the leader's posts; registry change requests.
- ``service``: service records under the profile's duties.
- ``reports``: the monthly 服务记录表 — generated, submitted, reviewed.
- ``incidents``: reporting, every move of the ladder's workflow, the overdue sweep.
- ``notifications``: reading in-app notices.

Each verb takes keyword-only arguments and ``acting_user``, checks who may do it, changes the
rows and writes the audit row inside one ``transaction.atomic()``. Time is an input (``now`` /
``today``) so that tests move the clock instead of sleeping.
"""
