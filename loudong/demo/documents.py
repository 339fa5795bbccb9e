"""Demo step: most leaders in post have a signed 协议书 and a badge; a few are still drafts."""

import datetime as dt
import random

from django.core.files.base import ContentFile

from loudong.demo.roster import INTEGRATION
from loudong.documents.actions import draw_up_agreement, issue_badge, record_signature
from loudong.roster.models import Appointment

# A one-page PDF standing in for the scanned, signed agreement.
_DEMO_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def build_documents(*, acting_user, seed: int, stdout) -> None:
    rng = random.Random(seed)
    appointments = (
        Appointment.objects.filter(status=Appointment.Status.ACTIVE)
        .exclude(post__kind="attachment")
        .select_related("person", "post", "community")
        .order_by("pk")
    )
    signed = drafts = 0
    for appointment in appointments:
        if not appointment.profile().documents.has_agreement:
            continue
        agreement = draw_up_agreement(appointment=appointment, acting_user=acting_user)
        if agreement.status != agreement.Status.DRAFT:
            continue
        if rng.random() < 0.07:
            drafts += 1  # still waiting for signatures: shows on the compliance page
            continue
        # Leaders kept on by the integration signed with everyone else in September 2021.
        signed_on = max(appointment.start, INTEGRATION) + dt.timedelta(days=rng.randint(0, 6))
        record_signature(
            agreement=agreement,
            scan=ContentFile(_DEMO_SCAN, name=f"agreement-{appointment.pk}.pdf"),
            scan_type="application/pdf",
            signed_by_a_on=signed_on,
            signed_by_b_on=signed_on + dt.timedelta(days=rng.randint(0, 2)),
            consents_to_publish_phone=rng.random() < 0.8,
            acting_user=acting_user,
        )
        issue_badge(appointment=appointment, acting_user=acting_user)
        signed += 1
    stdout.write(f"  协议书：已签 {signed} 份（含胸牌），待签 {drafts} 份")
