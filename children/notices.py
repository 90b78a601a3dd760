"""Who is told what when the team around a child changes or a safeguarding concern is raised, through the
one notification service (`agencies.notifications`).

Each occurrence is named after the thing that happened, so telling twice tells once. In-app texts are
seen only by their recipients; where some recipients may not see the child (the team includes agencies
the family's consent does not cover, and an agency that has just left), the text gives the child's
reference rather than their name. Links are paths without personal data.
"""

from django.urls import reverse

from agencies.models import User
from agencies.notifications import Event, agency_managers, agency_members, notify

from .models import Involvement


def _team(child) -> list[User]:
    """The team around the child: each involvement's named practitioner, or its agency's managers if none."""
    people = []
    for involvement in Involvement.objects.current().filter(child=child).select_related("practitioner"):
        if involvement.practitioner_id:
            people.append(involvement.practitioner)
        else:
            people.extend(agency_managers(involvement.agency))
    return people


def _lead_user(child):
    from agencies.access import current_lead

    lead = current_lead(child)
    return lead.practitioner if lead else None


def escalation_raised(escalation, actor) -> None:
    """Children's social care's managers (to decide) and the lead professional (to know), at once."""
    child = escalation.child
    occurrence = f"escalation:{escalation.pk}:raised"
    text = f"Safeguarding concern raised about {child.display_name} by {escalation.recorded_by_agency.name}"
    if escalation.social_care_id:
        notify(
            event=Event.ESCALATION_RAISED,
            recipients=agency_managers(escalation.social_care),
            occurrence=occurrence,
            text=text,
            link=reverse("escalation-decide", args=[child.pk, escalation.pk]),
            actor=actor,
        )
    notify(
        event=Event.ESCALATION_RAISED,
        recipients=[_lead_user(child)],
        occurrence=occurrence,
        text=text,
        link=reverse("child-detail", args=[child.pk]) + f"#escalation-{escalation.pk}",
        actor=actor,
    )


def escalation_reminder(escalation) -> None:
    """Social care's managers, once, when the one working day has passed without a decision."""
    if not escalation.social_care_id:
        return
    notify(
        event=Event.ESCALATION_REMINDER,
        recipients=agency_managers(escalation.social_care),
        occurrence=f"escalation:{escalation.pk}:reminder",
        text=f"Safeguarding concern about {escalation.child.display_name} is past its one working day "
        "and awaits a decision",
        link=reverse("escalation-decide", args=[escalation.child_id, escalation.pk]),
    )


def escalation_decision(escalation, actor) -> None:
    """The practitioner who raised it and the lead professional."""
    child = escalation.child
    notify(
        event=Event.ESCALATION_DECISION,
        recipients=[escalation.recorded_by, _lead_user(child)],
        occurrence=f"escalation:{escalation.pk}:decision",
        text=f"Social care's decision on the concern about {child.display_name}: {escalation.get_outcome_display()}",
        link=reverse("child-detail", args=[child.pk]) + f"#escalation-{escalation.pk}",
        actor=actor,
    )


def lead_changed(child, previous, lead, actor) -> None:
    """The old lead, the new lead and the team."""
    recipients = [lead.practitioner, *([previous.practitioner] if previous else []), *_team(child)]
    notify(
        event=Event.LEAD_CHANGED,
        recipients=recipients,
        occurrence=f"lead:{lead.pk}:started",
        text=f"{lead.practitioner.full_name} ({lead.agency.name}) is now the lead professional for child "
        f"{child.reference}",
        link=reverse("child-detail", args=[child.pk]) + "#team",
        actor=actor,
    )


def handover_note_written(note, actor) -> None:
    notify(
        event=Event.HANDOVER_NOTE,
        recipients=[note.to_lead.practitioner],
        occurrence=f"handover:{note.pk}",
        text=f"{note.written_by.full_name} left you a handover note about {note.child.display_name}",
        link=reverse("child-detail", args=[note.child_id]),
        actor=actor,
    )


def involvement_ended(involvement, actor) -> None:
    """The agency's members: their access to the child ends with it, so the link goes to their home page."""
    notify(
        event=Event.INVOLVEMENT_ENDED,
        recipients=agency_members(involvement.agency),
        occurrence=f"involvement:{involvement.pk}:ended",
        text=f"{involvement.agency.name}'s involvement with child {involvement.child.reference} has ended",
        link=reverse("home"),
        actor=actor,
    )


def consent_confirmed(coverage, actor) -> None:
    """The members of the agency the family's consent now covers."""
    child = coverage.consent.child
    notify(
        event=Event.CONSENT_CONFIRMED,
        recipients=agency_members(coverage.agency),
        occurrence=f"coverage:{coverage.pk}:confirmed",
        text=f"The family's consent now covers {coverage.agency.name} for child {child.reference}",
        link=reverse("child-detail", args=[child.pk]),
        actor=actor,
    )
