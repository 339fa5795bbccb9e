"""Residents' anonymous ballots for 居民推选 (seed 000 §三.3).

One token per occupied household of the post's area; a resident needs no account (PRODUCT.md
"Decisions"). Each ballot says 赞成 / 反对 / 弃权 for every candidate in 居民推选. The token is
spent once, with the day only; the votes do not name the household.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.roster.actions.common import Refused, require_edit
from loudong.roster.models import BallotToken, Selection, Vote


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class IssuedToken:
    household: object
    key: str


def issue_ballot_tokens(*, post, acting_user, days: int = 14, request=None) -> list[IssuedToken]:
    """One token per occupied household of the post's area, for the candidates in 居民推选.

    Only the hash is stored: the links are shown once, to print and hand out.
    """
    require_edit(acting_user, post, "生成推选链接", request)
    if not post.selections.filter(status=Selection.Status.RESIDENT_NOMINATION).exists():
        raise Refused("该岗位没有处于“居民推选”环节的候选人")
    households = list(
        post.households()
        .select_related("building", "unit")
        .order_by("building_id", "unit_id", "floor", "room")
    )
    if not households:
        raise Refused("该岗位范围内没有实际居住的住户")
    now = timezone.now()
    round_id = f"p{post.pk}-{now:%Y%m%d%H%M%S}"
    expires = now + dt.timedelta(days=days)
    issued, rows = [], []
    for household in households:
        key = secrets.token_urlsafe(18)
        rows.append(
            BallotToken(
                selection_round=round_id,
                post=post,
                household=household,
                key_hash=hash_key(key),
                expires=expires,
            )
        )
        issued.append(IssuedToken(household, key))
    with transaction.atomic():
        BallotToken.objects.bulk_create(rows)
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_BALLOT_ISSUE,
            target=post,
            new={"round": round_id, "tokens": len(rows), "expires": expires},
            request=request,
        )
    return issued


class BallotError(Exception):
    """Shown to the resident as is."""


def ballot_token(key: str) -> BallotToken:
    if not key or len(key) > 64:
        raise BallotError("链接无效，请核对或向社区索取新的推选链接。")
    token = BallotToken.objects.select_related("post").filter(key_hash=hash_key(key)).first()
    if token is None:
        raise BallotError("链接无效，请核对或向社区索取新的推选链接。")
    if token.expires <= timezone.now():
        raise BallotError("该推选链接已过期，请联系社区工作人员。")
    return token


def ballot_candidates(token: BallotToken):
    return (
        Selection.objects.filter(post_id=token.post_id, status=Selection.Status.RESIDENT_NOMINATION)
        .select_related("candidate")
        .order_by("id")
    )


def cast_ballot(*, key: str, choices: dict[int, str]) -> list[Vote]:
    """One anonymous ballot per household and round: a choice for each candidate.

    ``choices`` maps selection id → ``for`` / ``against`` / ``abstain``; every candidate must
    have one. The token is marked spent with the day only (no time), inside the transaction
    that writes the votes, so a second ballot from the same household is refused.
    """
    token = ballot_token(key)
    candidates = {s.pk: s for s in ballot_candidates(token)}
    if not candidates:
        raise BallotError("本次推选已结束。")
    if set(choices) != set(candidates):
        raise BallotError("请对每位候选人选择“赞成”“反对”或“弃权”。")
    if any(choice not in Vote.Choice.values for choice in choices.values()):
        raise BallotError("表决选项无效。")
    with transaction.atomic():
        today = timezone.localdate()
        midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
        spent = BallotToken.objects.filter(pk=token.pk, used__isnull=True).update(used=midnight)
        if not spent:
            raise BallotError("本户已经投过票，每户只能投一次。")
        votes = Vote.objects.bulk_create(
            Vote(
                selection_round=token.selection_round,
                selection=candidates[pk],
                choice=choices[pk],
                cast=today,
            )
            for pk in sorted(candidates)
        )
    return votes


def tallies(post) -> dict:
    """Votes per candidate and choice of the post, and tokens issued/used. Anonymous."""
    counts: dict[int, dict[str, int]] = {}
    for selection_id, choice, n in (
        Vote.objects.filter(selection__post=post)
        .values_list("selection_id", "choice")
        .annotate(n=Count("id"))
        .values_list("selection_id", "choice", "n")
    ):
        counts.setdefault(selection_id, {})[choice] = n
    tokens = BallotToken.objects.filter(post=post)
    return {
        "votes": counts,
        "issued": tokens.count(),
        "used": tokens.filter(used__isnull=False).count(),
    }
