"""Reads about CAFs. Who may read is decided by agencies.access before any of these is called."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from config.current import current_via
from config.history import answer_history_entries

from .models import Action, Assessment, Domain, Element, ProgressNote, Review, SectionEntry
from .sections import ELEMENT_FIELDS, SECTIONS, element_key


@dataclass
class Task:
    number: str  # the national section number
    title: str
    url: str
    state: str  # "not_started", "in_progress" or "completed"


def entry_for(assessment: Assessment, key: str) -> SectionEntry | None:
    """The section's saved text, with who saved it last (the page says so): one query."""
    return SectionEntry.objects.filter(assessment=assessment, key=key).select_related("updated_by").first()


def task_list(assessment: Assessment) -> list[Task]:
    """Each section with its state, from one query of the entries."""
    entries = {e.key: e for e in SectionEntry.objects.filter(assessment=assessment)}
    any_element = any(k.startswith("element:") and e.has_text() for k, e in entries.items())
    tasks = []
    for section in SECTIONS:
        if section.key in assessment.completed_sections:
            state = "completed"
        elif (section.key in entries and entries[section.key].has_text()) or (
            section.key == "strengths-needs" and any_element
        ):
            state = "in_progress"
        else:
            state = "not_started"
        if section.key == "strengths-needs":
            url = reverse("caf-strengths-needs", args=[assessment.pk])
        else:
            url = reverse("caf-section", args=[assessment.pk, section.key])
        tasks.append(Task(section.number, section.title, url, state))
    return tasks


def elements_by_domain(assessment: Assessment) -> list[tuple[str, list[tuple[Element, SectionEntry | None]]]]:
    """The 19 elements grouped by domain, each with its entry, in two queries."""
    entries = {e.key: e for e in SectionEntry.objects.filter(assessment=assessment, key__startswith="element:")}
    grouped = []
    elements = list(Element.objects.all())
    for value, label in Domain.choices:
        grouped.append((label, [(el, entries.get(element_key(el.code))) for el in elements if el.domain == value]))
    return grouped


def answers(assessment: Assessment) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Every section's text for "check your answers": (title, url, [(label, text)])."""
    entries = {e.key: e for e in SectionEntry.objects.filter(assessment=assessment)}
    result = []
    for section in SECTIONS:
        if section.key == "strengths-needs":
            for label, items in elements_by_domain(assessment):
                rows = []
                for element, entry in items:
                    data = entry.data if entry else {}
                    text = " / ".join(
                        f"{f.label}: {data[f.name]}" for f in ELEMENT_FIELDS if data.get(f.name, "").strip()
                    )
                    rows.append((element.name, text or "Not assessed"))
                result.append(
                    (f"Strengths and needs: {label}", reverse("caf-strengths-needs", args=[assessment.pk]), rows)
                )
            continue
        if not section.fields:
            continue
        data = entries[section.key].data if section.key in entries else {}
        rows = [(f.label, data.get(f.name, "") or "Not answered") for f in section.fields]
        result.append((section.title, reverse("caf-section", args=[assessment.pk, section.key]), rows))
    return result


def versions(assessment: Assessment):
    """Every version of this CAF, newest first, each with its section changes (field, old, new, who, when)."""
    chain = []
    current = Assessment.objects.filter(child=assessment.child).order_by("-version")
    for version in current:
        records = (
            SectionEntry.history.filter(assessment_id=version.pk)
            .select_related("history_user")
            .order_by("-history_date")
        )
        labels = {s.key: s.title for s in SECTIONS}
        elements = {element_key(e.code): e.name for e in Element.objects.all()}

        def describe(record, labels=labels, elements=elements):
            return elements.get(record.key) or labels.get(record.key, record.key)

        chain.append((version, answer_history_entries(records, describe)))
    return chain


def plan_actions(assessment: Assessment) -> list[Action]:
    return list(
        assessment.actions.select_related("owner", "owner_agency").prefetch_related(
            Prefetch("notes", queryset=ProgressNote.objects.select_related("written_by"))
        )
    )


def actions_owned_by(user):
    """The open actions given to a practitioner by name, soonest due first, whatever the family's consent lets
    their agency see of the CAF (agencies.access decides)."""
    from agencies import access

    return access.actions_owned_by(user).select_related("assessment__child", "owner_agency").order_by("due_on", "pk")


def actions_queued_for(user):
    """The open actions given to the user's agencies as a whole, awaiting a named owner, soonest due first."""
    from agencies import access

    return access.actions_queued_for(user).select_related("assessment__child", "owner_agency").order_by("due_on", "pk")


def overdue_actions_led_by(user):
    """Every overdue action on the plans of the children the user leads: which, whose, for whom, since when."""
    from children.selectors import children_led_by

    return (
        Action.objects.filter(
            assessment__child__in=children_led_by(user),
            assessment__is_current=True,
            status__in=[Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS],
            due_on__lt=timezone.localdate(),
        )
        .exclude(assessment__status=Assessment.Status.CLOSED)
        .select_related("assessment__child", "owner", "owner_agency")
        .order_by("due_on", "pk")
    )


def action_owner_choices(child) -> list:
    """Who may be given an action on this child's plan: each agency of the team that the sharing rules cover,
    with its current practitioners, as [(agency, [users])] in two queries."""
    from agencies import access
    from agencies.models import Membership

    agencies = list(access.agencies_that_may_hold_actions(child).order_by("name"))
    members = {agency.pk: [] for agency in agencies}
    for membership in (
        Membership.objects.current()
        .filter(agency__in=[a.pk for a in agencies], user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    ):
        members[membership.agency_id].append(membership.user)
    return [(agency, members[agency.pk]) for agency in agencies]


def action_page(action) -> dict:
    """What an action's page shows: its notes and the lead professional's contact (no CAF), in two queries."""
    from children.models import LeadProfessional

    return {
        "notes": list(action.notes.select_related("written_by")),
        "lead": LeadProfessional.objects.current()
        .filter(child_id=action.assessment.child_id)
        .select_related("practitioner", "agency")
        .first(),
    }


def lead_dashboard(user):
    """For each child the user leads: the open CAF's state, overdue actions and the next review."""
    from children.selectors import CHILD_LINK_FIELDS, children_led_by

    today = timezone.localdate()
    # The table shows the child's name, reference and link only: not their school or lead (the user).
    children = list(children_led_by(user).select_related(None).prefetch_related(None).only(*CHILD_LINK_FIELDS))
    # Each current CAF with its number of overdue actions (Action.is_overdue) and its latest review's next
    # date, counted by PostgreSQL: one query however many actions and reviews the plans have.
    latest_review = Review.objects.filter(assessment=OuterRef("pk")).order_by("-held_on", "-pk")
    cafs = {
        a.child_id: a
        for a in Assessment.objects.filter(child__in=children, is_current=True)
        .only("id", "child_id", "version", "status")
        .annotate(
            overdue_actions=Count(
                "actions",
                filter=Q(
                    actions__status__in=[Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS],
                    actions__due_on__lt=today,
                ),
            ),
            latest_next_review_on=Subquery(latest_review.values("next_review_on")[:1]),
        )
    }
    rows = []
    for child in children:
        caf = cafs.get(child.pk)
        overdue = caf.overdue_actions if caf else 0
        next_review = caf.latest_next_review_on if caf else None
        rows.append(
            {
                "child": child,
                "caf": caf,
                "overdue": overdue,
                "next_review": next_review,
                "review_overdue": bool(next_review and next_review < today),
            }
        )
    return rows


def recent_changes_for_lead(user, days: int = 14, limit: int = 10):
    """What others changed lately in the records and CAFs of the children the user leads, newest first.

    One query for the children and one for the changes: the five history tables' newest `limit` rows each,
    joined by UNION ALL, reading only the four columns shown (not the historical rows themselves)."""
    from django.db import connection
    from django.db.models import F, IntegerField, Value

    from children.models import Child, FamilyMember, Involvement

    since = timezone.now() - timedelta(days=days)
    names = dict(
        Child.objects.filter(current_via("lead_professionals"), lead_professionals__practitioner=user).values_list(
            "pk", "first_name"
        )
    )
    if not names:
        return []
    led = list(names)
    sources = [
        (SectionEntry.history.filter(assessment__child_id__in=led), "The CAF", "assessment__child_id"),
        (Action.history.filter(assessment__child_id__in=led), "The delivery plan", "assessment__child_id"),
        (Involvement.history.filter(child_id__in=led), "The team around the child", "child_id"),
        (FamilyMember.history.filter(child_id__in=led), "The family", "child_id"),
        (Child.history.filter(id__in=led), "Identifying details", "id"),
    ]
    parts = [
        queryset.filter(history_date__gte=since)
        .exclude(history_user=user)
        .annotate(
            change_when=F("history_date"),
            change_who=F("history_user__full_name"),
            change_child=F(child_field),
            change_source=Value(index, output_field=IntegerField()),
        )
        .order_by("-history_date")
        .values_list("change_when", "change_who", "change_child", "change_source")[:limit]
        for index, (queryset, _what, child_field) in enumerate(sources)
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        rows = list(parts[0].union(*parts[1:], all=True))
    else:  # SQLite (the embedded default) refuses LIMIT inside UNION: one query per table there
        rows = [row for part in parts for row in part]
    # Newest first; equal times keep the order of the sources above.
    rows.sort(key=lambda row: (row[0], -row[3]), reverse=True)
    # One line per child, part and person: the newest change of a burst of edits says enough.
    latest = {}
    for when, who, child_id, source in rows:
        change = {
            "when": when,
            "who": who if who is not None else "The system",
            "what": sources[source][1],
            "child_name": names.get(child_id, ""),
            "child_id": child_id,
        }
        latest.setdefault((change["child_id"], change["what"], change["who"]), change)
    return list(latest.values())[:limit]


# --- What the CAF's pages read --------------------------------------------------------------------


def lead_of(child):
    """The child's current lead professional (with practitioner and agency), or None."""
    from children.models import LeadProfessional

    return LeadProfessional.objects.current_for(child)


def section_context(assessment: Assessment, key: str) -> dict:
    """What a section's page shows beside its text: the family, the lead professional, the services involved."""
    from children.models import FamilyMember, Involvement

    child = assessment.child
    if key == "family":
        return {"family": FamilyMember.objects.filter(child=child).order_by("kind", "name")}
    if key == "assessor":
        return {"lead": lead_of(child)}
    if key == "services":
        return {
            "involvements": Involvement.objects.current().filter(child=child).select_related("agency", "practitioner")
        }
    return {}


def element_by_code(code: str) -> Element:
    """A strengths-and-needs element; 404 for an unknown code."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Element, code=code)


def plan_action(assessment: Assessment, action_id: int) -> Action:
    """An action of this assessment's plan; 404 for any other."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Action, pk=action_id, assessment=assessment)


def team_users(assessment: Assessment):
    """The team's practitioners (who may have been at a review), as children.selectors says who they are."""
    from children.selectors import team_practitioners

    return team_practitioners(assessment.child, include_closed_accounts=True)


def members_of(agency):
    """Active current members of an agency (to give one of its queued actions to)."""
    from agencies.models import User

    return User.objects.filter(current_via("memberships"), is_active=True, memberships__agency=agency).order_by(
        "full_name", "pk"
    )
