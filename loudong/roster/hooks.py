"""Explicit hooks where the roster needs an answer from, or tells news to, a higher app.

The roster sits below ``documents`` (agreements) and ``payroll`` (insurance): it must not
import them. Instead each higher app registers its function here from its ``AppConfig.ready``,
and the roster calls the hook by name. A hook with no provider answers "nothing" — which is
the truth when that app is not installed — and never hides an error: a provider's exception
propagates, inside the caller's transaction.

- ``signed_agreements(appointment_ids) -> set[int]``: appointments whose 协议书 both parties
  signed (documents).
- ``insured_persons(person_ids, day) -> set[int]``: persons covered by accident insurance on
  ``day`` (payroll; seed 000 附件1 §四.3 "甲方为乙方购买意外伤害商业保险").
- ``appointment_ended(appointment)``: an appointment has just ended, in the same transaction
  (documents marks its agreement 已解除 with the date — 附件1 §五).
- ``appointment_renewed(appointment, old_term_end)``: its term was extended.
- ``person_sections(user, person) -> list[dict]``: extra sections of a person's page from a
  higher app, each ``{"title", "rows": [str], "empty"}`` (the 三长 app: training history).
"""

from collections.abc import Callable


class Query:
    """A question with set-valued answers, united over every provider."""

    def __init__(self, name: str):
        self.name = name
        self._providers: list[Callable] = []

    def provide(self, fn: Callable) -> Callable:
        if fn not in self._providers:
            self._providers.append(fn)
        return fn

    def __call__(self, *args) -> set:
        answer: set = set()
        for provider in self._providers:
            answer |= set(provider(*args))
        return answer


class Event:
    """News told to every listener, in order of registration."""

    def __init__(self, name: str):
        self.name = name
        self._listeners: list[Callable] = []

    def listen(self, fn: Callable) -> Callable:
        if fn not in self._listeners:
            self._listeners.append(fn)
        return fn

    def send(self, *args) -> None:
        for listener in self._listeners:
            listener(*args)


signed_agreements = Query("signed_agreements")
insured_persons = Query("insured_persons")
appointment_ended = Event("appointment_ended")
appointment_renewed = Event("appointment_renewed")


class Sections:
    """Ordered page sections from every provider (list-valued, in registration order)."""

    def __init__(self, name: str):
        self.name = name
        self._providers: list[Callable] = []

    def provide(self, fn: Callable) -> Callable:
        if fn not in self._providers:
            self._providers.append(fn)
        return fn

    def __call__(self, *args) -> list:
        sections: list = []
        for provider in self._providers:
            sections += list(provider(*args))
        return sections


person_sections = Sections("person_sections")
