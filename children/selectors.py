"""Reads about children that depend on who is asking. Visibility always comes from agencies.access."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import jellyfish
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Value, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies import access
from agencies.models import Membership, User, normalise_postcode
from config.current import current_via

from .models import (
    AccessEvent,
    Child,
    Consent,
    ConsentCoverage,
    Disclosure,
    EmergencyAccess,
    FamilyMember,
    Involvement,
    LeadProfessional,
    SafeguardingEscalation,
    name_words,
    phonetic_key,
)

SEARCH_CANDIDATE_LIMIT = 300
SEARCH_RESULT_LIMIT = 25
# What a link to a child's record shows (display_name, reference, get_absolute_url): for .only() on lists.
CHILD_LINK_FIELDS = ("id", "reference", "first_name", "last_name", "is_unborn", "unborn_mother_name")


def current_leads():
    return Prefetch(
        "lead_professionals",
        queryset=LeadProfessional.objects.current().select_related("practitioner", "agency"),
        to_attr="current_leads",
    )


def children_list_for(user: User):
    """The children the user's agencies work with, with their current lead professional, in two queries."""
    return (
        access.children_visible_to(user)
        .select_related("school")
        .prefetch_related(current_leads())
        .order_by("last_name", "first_name", "pk")
    )


def children_led_by(user: User):
    """'My children': those the user is the current lead professional for (and may still see)."""
    return children_list_for(user).filter(current_via("lead_professionals"), lead_professionals__practitioner=user)


def child_record(child: Child, cafs: bool = False, also: dict | None = None) -> dict:
    """Everything the child's page shows (its CAFs too when `cafs`): one query says which lists hold anything,
    then each list that does is read in one query (a record without sharing decisions, escalations or
    emergency accesses, as most are, asks nothing about them). `also`: other one-value expressions the page
    needs, asked in that first query and returned under "also"."""
    from caf.models import Assessment

    def has(queryset):
        return Exists(queryset.filter(child_id=OuterRef("pk")))

    present = (
        Child.objects.filter(pk=child.pk)
        .values(
            has_family=has(FamilyMember.objects.all()),
            has_consents=has(Consent.objects.all()),
            has_disclosures=has(Disclosure.objects.all()),
            has_escalations=has(SafeguardingEscalation.objects.all()),
            has_emergency_accesses=has(EmergencyAccess.objects.all()),
            has_cafs=has(Assessment.objects.all()) if cafs else Value(False),
            **{f"also_{name}": expression for name, expression in (also or {}).items()},
        )
        .get()
    )
    consents = (
        list(Consent.objects.filter(child=child).select_related("recorded_by")) if present["has_consents"] else []
    )
    _agency_names_of(consents)
    return {
        "family": list(FamilyMember.objects.filter(child=child).select_related("linked_child"))
        if present["has_family"]
        else [],
        "involvements": list(
            Involvement.objects.current().filter(child=child).select_related("agency", "practitioner")
        ),
        **_current_and_previous_lead(child),
        "consents": consents,
        "disclosures": list(child.disclosures.select_related("shared_with", "decided_by", "decided_by_agency"))
        if present["has_disclosures"]
        else [],
        "escalations": list(
            child.escalations.select_related("recorded_by", "recorded_by_agency", "social_care", "decided_by")
        )
        if present["has_escalations"]
        else [],
        "emergency_accesses": list(
            EmergencyAccess.objects.filter(child=child).select_related("user", "agency").order_by("-granted_at")[:20]
        )
        if present["has_emergency_accesses"]
        else [],
        "cafs": list(
            Assessment.objects.filter(child=child).select_related("assessor", "assessor_agency").order_by("-version")
        )
        if present["has_cafs"]
        else [],
        "also": {name: present[f"also_{name}"] for name in also or {}},
    }


def _agency_names_of(consents: list) -> None:
    """Give each consent the names of the agencies it names (`included_agencies`) and excludes
    (`excluded_agencies`), by name: both lists in one query."""
    for consent in consents:
        consent.included_agencies, consent.excluded_agencies = [], []
    if not consents:
        return
    by_id = {consent.pk: consent for consent in consents}
    included = Consent.agencies_included.through.objects.filter(consent_id__in=by_id).annotate(
        excluded=Value(False), agency_name=F("agency__name")
    )
    excluded = Consent.agencies_excluded.through.objects.filter(consent_id__in=by_id).annotate(
        excluded=Value(True), agency_name=F("agency__name")
    )
    fields = ("consent_id", "excluded", "agency_name")
    rows = sorted(included.values_list(*fields).union(excluded.values_list(*fields), all=True), key=lambda r: r[2])
    for consent_id, is_excluded, name in rows:
        consent = by_id[consent_id]
        (consent.excluded_agencies if is_excluded else consent.included_agencies).append(name)


def _current_and_previous_lead(child: Child) -> dict:
    """The child's current lead professional (or None) and the latest one before (or None), in one query."""
    leads = list(LeadProfessional.objects.filter(child=child).select_related("practitioner", "agency").order_by("pk"))
    lead = next((row for row in leads if row.ended_on is None), None)
    ended = [row for row in leads if row.ended_on is not None]
    previous = max(ended, key=lambda row: (row.ended_on, row.pk)) if ended else None
    return {"lead": lead, "previous_lead": previous}


def team_agencies_not_covered(child: Child):
    """Agencies in the team that the family's current consent does not cover: they joined after it was given
    and the family has not yet been asked about them (or the consent names other agencies)."""
    from agencies.models import Agency

    involved = Agency.objects.filter(
        Exists(Involvement.objects.current().filter(child=child, agency_id=OuterRef("pk")))
    ).exclude(pk=child.recording_agency_id)
    return list(involved.filter(~access.consent_covers_agency(child)).order_by("name"))


def agencies_consent_may_be_confirmed_for(child: Child):
    """Active agencies the current consent does not cover yet (those in the team first is the page's job)."""
    from agencies.models import Agency

    consent = child.current_consent
    covered = ConsentCoverage.objects.filter(consent=consent).values("agency_id")
    named = Consent.agencies_included.through.objects.filter(consent=consent).values("agency_id")
    return Agency.objects.filter(is_active=True).exclude(pk__in=covered).exclude(pk__in=named).order_by("name")


_NOT_GIVEN = object()


def team_changes_for(
    user: User, child: Child, rights, escalations, lead=_NOT_GIVEN, involvements=None, previous_lead=_NOT_GIVEN
) -> dict:
    """What the child's page offers this user about the team and escalations: every rule from agencies.access.
    `lead` (the current lead professional or None), `previous_lead` (the latest ended one, or None) and
    `involvements` (the current ones) when the page has them."""
    if lead is _NOT_GIVEN:
        lead = LeadProfessional.objects.current_for(child)
    return {
        "handover_notes": list(access.handover_notes_for(user, child))
        if lead and lead.practitioner_id == user.pk
        else [],
        "handover_to_write": access.handover_to_write(user, child, lead=lead)
        if previous_lead is _NOT_GIVEN
        else access.handover_to_write(user, child, lead=lead, previous=previous_lead),
        "may_change_lead": access.may_change_lead(user, child, rights, lead=lead),
        "endable_involvements": access.involvements_endable_by(user, child, rights, involvements),
        "may_confirm_consent": access.may_confirm_consent(rights),
        "uncovered_agencies": team_agencies_not_covered(child) if rights.may_edit else [],
        "decidable_escalations": access.escalation_deciders(escalations, user, rights),
    }


def escalation_queue_for(user: User, tab: str):
    """Social care's queue: awaiting ones by their one-working-day clock, earliest first; decided ones newest first."""
    escalations = access.escalations_for_social_care(user).select_related(
        "child", "recorded_by", "recorded_by_agency", "social_care", "decided_by"
    )
    if tab == "decided":
        return escalations.exclude(outcome=SafeguardingEscalation.Outcome.PENDING).order_by("-decided_at", "-pk")
    return escalations.filter(outcome=SafeguardingEscalation.Outcome.PENDING).order_by("decide_by", "pk")


def escalation_counts_for(user: User, in_social_care: bool | None = None) -> dict | None:
    """For a member of children's social care: how many escalations await a decision, and how many are overdue
    (one query); None for everyone else. `in_social_care`: the caller has asked access.social_care_agencies_of."""
    from django.db.models import Count

    if in_social_care is None:
        in_social_care = access.social_care_agencies_of(user).exists()
    if not in_social_care:
        return None
    pending = access.escalations_for_social_care(user).filter(outcome=SafeguardingEscalation.Outcome.PENDING)
    return pending.aggregate(awaiting=Count("pk"), overdue=Count("pk", filter=Q(decide_by__lt=timezone.now())))


def viewers_of(child: Child, limit: int = 500):
    return AccessEvent.objects.filter(child=child).select_related("user", "agency").order_by("-at")[:limit]


@dataclass
class SearchResult:
    child: Child
    score: float
    visible: bool
    lead: LeadProfessional | None = None
    reasons: list[str] = field(default_factory=list)


def _similarity(a: str, b: str) -> float:
    return jellyfish.jaro_winkler_similarity(a.lower(), b.lower()) if a and b else 0.0


def child_index_search(
    user: User, *, first_name: str = "", last_name: str = "", date_of_birth: date | None = None, postcode: str = ""
) -> list[SearchResult]:
    """Likely matches in the whole child index, best first, marked visible or not for this user.

    Names match phonetically (metaphone) and by similarity, so "Karter" finds "Carter". Callers must
    show an invisible match only as "a record exists" and its lead professional, never its details.
    """
    keys = {phonetic_key(w) for w in name_words(first_name, last_name)} - {""}
    criteria = Q()
    surname_key = phonetic_key(last_name)
    if surname_key:
        criteria |= Q(surname_key=surname_key)
    for key in keys:
        criteria |= Q(name_keys__contains=f" {key} ")
    if date_of_birth:
        criteria |= Q(date_of_birth=date_of_birth) | Q(expected_date_of_delivery=date_of_birth)
    compact_postcode = "".join(postcode.split()).upper()
    if compact_postcode:
        criteria |= Q(postcode=normalise_postcode(compact_postcode))
    if not criteria:
        return []
    # The columns scored and shown (a match shows its name, date of birth, postcode and reference), not whole rows.
    scored = ("other_names", "surname_key", "date_of_birth", "expected_date_of_delivery", "postcode")
    candidates = list(
        Child.objects.filter(criteria).only(*CHILD_LINK_FIELDS, *scored).order_by("pk")[:SEARCH_CANDIDATE_LIMIT]
    )
    # Two matching details make a likely match; a search on one detail alone needs only that one.
    given = sum(bool(x) for x in (first_name, last_name, date_of_birth, compact_postcode))
    required = 2.5 if given >= 2 else 1.0
    results = []
    for child in candidates:
        score, reasons = 0.0, []
        child_names = name_words(child.first_name, child.other_names)
        if last_name:
            surname = max(_similarity(last_name, n) for n in name_words(child.last_name, child.other_names) or [""])
            if surname >= 0.85 or phonetic_key(last_name) == child.surname_key:
                score += 2 * max(surname, 0.9)
                reasons.append("last name")
        if first_name and child_names:
            first = max(_similarity(first_name, n) for n in child_names)
            # A first name that sounds the same ("Wain" and "Wayne") is as good as one spelled nearly the same.
            sounds_alike = phonetic_key(first_name) in {phonetic_key(n) for n in child_names}
            if first >= 0.85 or (sounds_alike and first >= 0.7):
                score += max(first, 0.85)
                reasons.append("first name")
        if date_of_birth and date_of_birth in (child.date_of_birth, child.expected_date_of_delivery):
            score += 2
            reasons.append("date of birth")
        if compact_postcode and child.postcode.replace(" ", "") == compact_postcode:
            score += 1
            reasons.append("postcode")
        if score >= required:
            results.append(SearchResult(child=child, score=score, visible=False, reasons=reasons))
    results.sort(key=lambda r: (-r.score, r.child.pk))
    results = results[:SEARCH_RESULT_LIMIT]
    # The lead professionals of the matches shown only (not of all the candidates scored): one query.
    prefetch_related_objects([r.child for r in results], current_leads())
    visible_ids = set(
        access.children_visible_to(user).filter(pk__in=[r.child.pk for r in results]).values_list("pk", flat=True)
    )
    for result in results:
        result.visible = result.child.pk in visible_ids
        result.lead = result.child.current_leads[0] if result.child.current_leads else None
    return results


def emergency_accesses_to_show(user: User, days: int = 14):
    """Recent emergency accesses to children the user leads, and by members of agencies the user manages."""
    since = timezone.now() - timedelta(days=days)
    managed = Membership.objects.current().filter(user=user, role=Membership.Role.MANAGER).values("agency_id")
    led = LeadProfessional.objects.current().filter(practitioner=user).values("child_id")
    return (
        EmergencyAccess.objects.filter(granted_at__gte=since)
        .filter(Q(child_id__in=led) | Q(agency_id__in=managed))
        .select_related("user", "agency", "child")
        .order_by("-granted_at")[:50]
    )


# --- What the child's pages read ------------------------------------------------------------------


def caf_of(child: Child, caf_id: str):
    """The child's CAF version named by `caf_id` (a string from the address), or None."""
    from caf.models import Assessment

    if not (caf_id.isdigit() and len(caf_id) < 19):
        return None
    return Assessment.objects.filter(pk=caf_id, child=child).first()


def family_member(child: Child, member_id: int) -> FamilyMember:
    """One of the child's family and household; 404 for any other."""
    return get_object_or_404(FamilyMember, pk=member_id, child=child)


def linkable_children(user: User, child: Child):
    """The children a family member may be linked to: those the user may see, other than this one."""
    return access.children_visible_to(user).exclude(pk=child.pk).order_by("last_name", "first_name")


def current_involvement(child: Child, involvement_id: int) -> Involvement:
    """One of the child's current involvements; 404 for any other."""
    return get_object_or_404(Involvement.objects.current().select_related("agency"), pk=involvement_id, child=child)


def team_agencies(child: Child):
    """The agencies currently in the child's team around the child."""
    from agencies.models import Agency

    return Agency.objects.filter(current_via("involvements"), involvements__child=child).distinct()


def team_practitioners(child: Child, include_closed_accounts: bool = False):
    """THE team's practitioners: current members of the agencies currently in the child's team around the
    child, by name (accounts since closed only when asked for)."""
    practitioners = User.objects.filter(
        current_via("memberships__agency__involvements"),
        current_via("memberships"),
        memberships__agency__involvements__child=child,
    )
    if not include_closed_accounts:
        practitioners = practitioners.filter(is_active=True)
    return practitioners.distinct().order_by("full_name")


def lead_candidates(child: Child):
    """Who may be chosen as lead professional: the team's practitioners."""
    return team_practitioners(child)


def past_leads(child: Child):
    return LeadProfessional.objects.past().filter(child=child).select_related("practitioner", "agency")


def consent_of(child: Child, consent_id: int) -> Consent:
    """One of the child's consents; 404 for any other."""
    return get_object_or_404(Consent, pk=consent_id, child=child)


def social_care_members(escalation: SafeguardingEscalation):
    """Who may be named as having decided on the escalation: active current members of the agency deciding."""
    return User.objects.filter(
        current_via("memberships"), is_active=True, memberships__agency=escalation.social_care
    ).order_by("full_name")


def child_history(child: Child) -> list:
    """Every recorded change to the child's record and what hangs from it, newest first, described."""
    from config.history import history_entries

    records = sorted(
        [
            *child.history.select_related("history_user"),
            *FamilyMember.history.filter(child_id=child.pk).select_related("history_user"),
            *Involvement.history.filter(child_id=child.pk).select_related("history_user", "agency"),
            *LeadProfessional.history.filter(child_id=child.pk).select_related("history_user", "practitioner"),
            *Consent.history.filter(child_id=child.pk).select_related("history_user"),
            *ConsentCoverage.history.filter(consent__child_id=child.pk).select_related("history_user", "agency"),
            *Disclosure.history.filter(child_id=child.pk).select_related("history_user"),
            *SafeguardingEscalation.history.filter(child_id=child.pk).select_related("history_user"),
        ],
        key=lambda r: r.history_date,
        reverse=True,
    )

    def describe(record):
        kind = record.instance_type
        if kind is Child:
            return "Identifying details"
        if kind is FamilyMember:
            return f"Family: {record.name}"
        if kind is Involvement:
            return f"Team: {record.agency.name}"
        if kind is LeadProfessional:
            return f"Lead professional: {record.practitioner.full_name}"
        if kind is Consent:
            return f"Consent from {record.given_by_name}"
        if kind is ConsentCoverage:
            return f"Consent covers {record.agency.name}"
        if kind is Disclosure:
            return "Sharing decision"
        return "Safeguarding escalation"

    return history_entries(records, describe)
