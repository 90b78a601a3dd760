"""DOMAIN.md's referrals: Wayne's school refers him to CAMHS; CAMHS redirects to the family-support
charity with a reason; the charity accepts. Zac's health visitor refers the family to housing, which is
awaiting response and overdue. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from children.models import Child

from . import services
from .models import Referral


@transaction.atomic
def load() -> None:
    wayne = Child.objects.filter(first_name="Wayne", last_name="Carter").first()
    zac = Child.objects.filter(first_name="Zac", last_name="Carter").first()
    if wayne is None or zac is None or Referral.objects.filter(child__in=[wayne, zac]).exists():
        return
    agency = {a.name: a for a in Agency.objects.all()}
    teacher = User.objects.get(email="reception.teacher@riverside-primary.example.org")
    camhs = User.objects.get(email="camhs.practitioner@northfield-health.example.org")
    charity = User.objects.get(email="family.worker@brightways.example.org")
    health_visitor = User.objects.get(email="health.visitor@northfield-health.example.org")

    from children import services as child_services

    # CAMHS and Brightways are not in the team Jess agreed to: she was asked about each before they were sent it.
    lead = User.objects.get(email="health.visitor@northfield-health.example.org")
    for name, asked in [("Northfield CAMHS", teacher), ("Brightways Family Support", lead)]:
        child_services.consent_confirm_for_agency(
            actor=asked,
            child=wayne,
            agency=agency[name],
            agreed_by_name="Jess Carter",
            agreed_on=timezone.localdate(),
            method="verbal",
        )
        wayne.refresh_from_db()

    first = services.referral_send(
        actor=teacher,
        child=wayne,
        from_agency=agency["Riverside Primary School"],
        to_agency=agency["Northfield CAMHS"],
        reason="Wayne is withdrawn and listless in class and rarely plays with other children.",
        tried="Nurture group twice a week since September; regular chats with his mother.",
        share_caf=True,
    )
    onward = services.referral_redirect(
        actor=camhs,
        referral=first,
        to_agency=agency["Brightways Family Support"],
        reason="Wayne's needs come from the family's circumstances rather than a mental health condition: "
        "whole-family support is the better first step.",
    )
    services.referral_accept(actor=charity, referral=onward)

    housing = services.referral_send(
        actor=health_visitor,
        child=zac,
        from_agency=agency["Northfield Health Visiting Team"],
        to_agency=agency["Northfield Housing Options"],
        reason="Family of five in a two-bedroom third-floor temporary flat; Zac (3 months) is not gaining weight.",
        tried="Feeding support at home weekly.",
    )
    # Sent three weeks ago and not yet answered: the demo's overdue referral.
    Referral.objects.filter(pk=housing.pk).update(
        sent_at=timezone.now() - timedelta(days=21),
        respond_by=services.add_working_days(timezone.localdate() - timedelta(days=21), 10),
    )
