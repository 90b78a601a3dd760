"""Children's records: who sees a child and how far, break-glass (emergency) access, the team around the
child, and safeguarding escalations."""

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from config.current import current_via

from ..models import Agency, User
from .agencies import agencies_of
from .context import _memberships, _record_refusal, _remembered, _user_agency_ids, is_member
from .coverage import _coverage, _emergency_grants
from .vocabulary import NO_CHILD_ACCESS, ChildAccess, ChildNeed, Level, _Agencies

# --- Children -------------------------------------------------------------------------------------
#
# A practitioner sees a child only through an agency they currently belong to that is in the child's
# team around the child (a current involvement), and only as far as the family's current consent
# covers that agency: "basic" details (identity, address, school, GP, parents) or "additional"
# information (needs, the CAF). The agency that opened the record holds it as its own and is always
# covered. A recorded safeguarding override (a Disclosure without consent) covers the agency it names.
# A referral awaiting an agency's answer, and a safeguarding concern awaiting social care's decision,
# show that agency the child's basic details. A time-limited emergency access, held as a guardian grant,
# lets one practitioner read the record. Everyone else, platform administrators included, gets a 404.
#
# The rule is written once, in `coverage.py` ("The rule from scratch"), as database filters over involvements,
# consents, overrides, referrals and escalations. Its answer per agency is kept in the coverage table
# (`children.Coverage`: agency, child, level, why), recomputed for a child by `refresh_coverage` inside the
# transaction of every service that changes one of those inputs, so the lists and checks read a few index
# entries instead of walking every involvement. The rule from scratch stays as the oracle the coverage
# table is tested against (tests/children/test_coverage_differential.py) and verified with
# (`manage.py coverage --verify`). Emergency access is not in the table: it is one user's and expires by
# the clock, so it stays a small per-user check (`_emergency_grants`) next to the table's answer.


def children_visible_to(user: User, level: Level = Level.BASIC, include_emergency: bool = True):
    """The children this user may see at `level`, as one query on the coverage table (no per-row checks).

    The user's agencies (and any unexpired emergency access) are read first, so PostgreSQL plans the list with
    the real agencies' sizes: walking the list's order for the busiest agency, gathering a small agency's few."""
    from children.models import Child

    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    agency_ids = _memberships(user).ids
    visible = Q(pk__in=_coverage(agency_ids, level).values("child_id")) if agency_ids else Q(pk__in=[])
    if include_emergency:
        emergency = _remembered(
            ("emergency", user.pk), lambda: list(_emergency_grants(user).values_list("child_id", flat=True))
        )
        if emergency:
            visible |= Q(pk__in=emergency)
    return Child.objects.filter(visible)


def _access_annotations(user: User, agency_ids, managed_ids) -> dict:
    """For a query on children: what the user may do with each, from the coverage table (one query in all)."""
    from children.models import Coverage, Involvement, LeadProfessional

    none = Value(False)
    covered = _coverage(agency_ids).filter(child_id=OuterRef("pk")) if agency_ids else None
    return {
        "access_level": (
            Coalesce(Subquery(covered.order_by("-level").values("level")[:1]), Value(0), output_field=IntegerField())
            if covered is not None
            else Value(0)
        ),
        "access_edit": (
            Exists(covered.filter(level=Level.ADDITIONAL, why__in=Coverage.EDITING)) if covered is not None else none
        ),
        "access_emergency": Exists(_emergency_grants(user).filter(child_id=OuterRef("pk"))),
        "access_lead": Exists(LeadProfessional.objects.current().filter(child_id=OuterRef("pk"), practitioner=user)),
        "access_manager": (
            Exists(Involvement.objects.current().filter(child_id=OuterRef("pk"), agency_id__in=managed_ids))
            if managed_ids
            else none
        ),
    }


def _rights_from(row, agencies: _Agencies) -> ChildAccess:
    level = Level(row.access_level)
    emergency = False
    if level < Level.ADDITIONAL and row.access_emergency:
        level, emergency = Level.ADDITIONAL, True
    return ChildAccess(
        level=level,
        # An override lets an agency read what it must; changing the record still needs consent (or owning it).
        may_edit=level == Level.ADDITIONAL and not emergency and bool(row.access_edit),
        emergency=emergency,
        is_lead=bool(row.access_lead) and level > Level.NONE,
        is_involved_manager=bool(row.access_manager) and level > Level.NONE,
        agency_ids=agencies.ids,
        managed_agency_ids=agencies.managed,
        primary_agency_id=agencies.primary,
    )


def _children_with_access(user: User):
    """Children annotated with what this user may do with each, and the user's agencies (two queries in all)."""
    from children.models import Child

    agencies = _memberships(user)
    return Child.objects.annotate(**_access_annotations(user, agencies.ids, agencies.managed)), agencies


def child_access(user: User, child) -> ChildAccess:
    """Everything this user may do with this child, in two queries (the user's agencies, then the table)."""
    if not user.is_authenticated or not user.is_active or child is None:
        return NO_CHILD_ACCESS
    children, agencies = _children_with_access(user)
    row = children.filter(pk=child.pk).only("pk").first()
    return _rights_from(row, agencies) if row else NO_CHILD_ACCESS


def get_child_for_user(request, child_id: int, need: ChildNeed = ChildNeed.BASIC):
    """Fetch a child and what the user may do with it, or record the refusal and raise 404 (two queries).

    `need` is a `ChildNeed`.
    """
    ChildNeed.check(need)
    user = request.user
    child, rights = None, NO_CHILD_ACCESS
    if user.is_authenticated and user.is_active:
        children, agencies = _children_with_access(user)
        child = (
            children.select_related("school", "gp_practice", "current_consent", "recording_agency")
            .filter(pk=child_id)
            .first()
        )
        if child is not None:
            rights = _rights_from(child, agencies)
    else:
        from children.models import Child

        child = Child.objects.filter(pk=child_id).first()
    permitted = need.granted_by(rights)
    if not permitted:
        # The refusal is evidence too; it commits on its own, since the 404 rolls nothing back.
        _record_refusal(request, child, f"{need} of child #{child_id}")
        raise Http404("No such child")
    return child, rights


def may_read_concern(user: User, escalation, rights: ChildAccess) -> bool:
    """A safeguarding concern's words and social care's decision are additional information: read by those the
    sharing rules cover for it, and by whoever raised it. Everyone else who sees the child sees only that a
    concern was raised, when, and whom to contact. Children's social care reads the concern it is asked to decide
    while the decision is awaited."""
    if rights.may_view_additional or escalation.recorded_by_id == user.pk:
        return True
    return bool(escalation.is_pending and escalation.social_care_id and escalation.social_care_id in rights.agency_ids)


# Break glass is reached only from a match in the child index: each match the user may not see gets a
# random token, held in their (server-side) session, that stands for the child. No id reaches the page,
# a token works only in the session that searched, and anything else is refused exactly like a missing
# child, so nobody learns from the answer whether a child exists.
EMERGENCY_MATCHES_SESSION_KEY = "emergency_matches"


EMERGENCY_MATCHES_KEPT = 50


def emergency_match_tokens(request, results) -> None:
    """Give each index match the user may not see a token for requesting emergency access to it."""
    import secrets

    hidden = [result for result in results if not result.visible]
    if not hidden:  # nothing to remember: the session is not written
        return
    matches = dict(request.session.get(EMERGENCY_MATCHES_SESSION_KEY, {}))
    for result in hidden:
        result.emergency_token = secrets.token_urlsafe(16)
        matches[result.emergency_token] = result.child.pk
    request.session[EMERGENCY_MATCHES_SESSION_KEY] = dict(list(matches.items())[-EMERGENCY_MATCHES_KEPT:])


def get_child_for_emergency(request, token: str):
    """The child an index match's token stands for, in this user's session; otherwise record the refused
    attempt and raise 404."""
    from children.models import Child

    child_id = request.session.get(EMERGENCY_MATCHES_SESSION_KEY, {}).get(token or "")
    child = Child.objects.filter(pk=child_id).first() if child_id else None
    if child is None:
        refuse_emergency_access(request, None, "emergency access without a match from the child index")
    return child


def record_emergency_attempt(request, child, why: str) -> None:
    """Record a request for emergency access that did not (yet) grant it."""
    _record_refusal(request, child, f"Emergency access not granted: {why}")


def refuse_emergency_access(request, child, why: str):
    """Record a refused request for emergency access and raise the same 404 whatever the reason."""
    # The refusal is evidence; it commits on its own, since the 404 rolls nothing back.
    _record_refusal(request, child, f"Emergency access refused: {why}")
    raise Http404("No such child")


@transaction.atomic
def sync_child_grants(child) -> None:
    """Remove guardian emergency grants on the child whose time has run out."""
    from children.models import ChildUserObjectPermission, EmergencyAccess

    active_users = EmergencyAccess.objects.filter(child=child, expires_at__gt=timezone.now()).values("user_id")
    ChildUserObjectPermission.objects.filter(content_object=child, permission__codename="view_child_emergency").exclude(
        user_id__in=active_users
    ).delete()


# --- The team around the child ------------------------------------------------------------------------
#
# Team changes are accountable. The lead professional is changed by the current lead, a manager of the
# lead's agency or, when there is no lead, a manager of any involved agency (always with the family's
# agreement, which the service insists on). An agency's involvement is ended by a member of that agency or
# by the lead professional. The previous lead writes the handover note; only the lead it was written for
# reads it. Confirming the family's consent for another agency needs the right to edit the record.


def current_lead(child):
    from children.models import LeadProfessional

    return LeadProfessional.objects.current_for(child)


_UNKNOWN = object()


def may_change_lead(user: User, child, rights: ChildAccess, lead=_UNKNOWN) -> bool:
    """`lead` is the child's current lead (or None), when the caller has it already."""
    if not rights.may_view_basic or rights.emergency:
        return False
    lead = current_lead(child) if lead is _UNKNOWN else lead
    if lead is None:
        return rights.is_involved_manager
    return lead.practitioner_id == user.pk or lead.agency_id in rights.managed_agency_ids


def may_hand_over(user: User, lead) -> bool:
    """The current lead professional (`lead`, or None), choosing who follows them, may leave a handover note."""
    return lead is not None and lead.practitioner_id == user.pk


def may_open_record(user: User) -> bool:
    """Only a current member of an agency opens a child's record: their agency holds it."""
    return bool(user.is_authenticated and _memberships(user))


def may_end_involvement(user: User, involvement, rights: ChildAccess) -> bool:
    if not rights.may_view_basic or rights.emergency:
        return False
    return rights.is_lead or involvement.agency_id in rights.agency_ids


def involvements_endable_by(user: User, child, rights: ChildAccess, involvements=None) -> set[int]:
    """The ids of the child's current involvements this user may end (for the team table's links).
    `involvements` are the child's current involvements, when the caller has them already."""
    from children.models import Involvement

    if not rights.may_view_basic or rights.emergency:
        return set()
    if involvements is None:
        involvements = Involvement.objects.current().filter(child=child)
    return {i.pk for i in involvements if rights.is_lead or i.agency_id in rights.agency_ids}


def handover_to_write(user: User, child, lead=_UNKNOWN, previous=_UNKNOWN):
    """The lead change this user (the previous lead) may still write a handover note for, or None.
    `lead` is the child's current lead (or None) and `previous` the latest ended lead (or None: by `ended_on`,
    then the latest row), when the caller has them already."""
    from children.models import LeadProfessional

    lead = current_lead(child) if lead is _UNKNOWN else lead
    if lead is None:
        return None
    if previous is _UNKNOWN:
        previous = (
            LeadProfessional.objects.past().filter(child=child).exclude(pk=lead.pk).order_by("-ended_on", "-pk").first()
        )
    if previous is None or previous.practitioner_id != user.pk or previous.practitioner_id == lead.practitioner_id:
        return None
    if previous.handover_notes_written.filter(to_lead=lead).exists():
        return None
    return previous, lead


def handover_notes_for(user: User, child):
    """Handover notes written for this user as the child's current lead, newest first."""
    from children.models import HandoverNote

    return HandoverNote.objects.filter(current_via("to_lead"), child=child, to_lead__practitioner=user).select_related(
        "written_by", "from_lead__agency"
    )


def may_confirm_consent(rights: ChildAccess) -> bool:
    return rights.may_edit


# --- Safeguarding escalations -----------------------------------------------------------------------
#
# An escalation goes to children's social care (or the area's front door, `SAFEGUARDING_FRONT_DOOR_AGENCY`).
# Only a current member of that agency records its decision, while it awaits one; while it does, that
# agency's members see the child's basic details and the concern (sharing with social care about
# suspected significant harm needs no consent). They keep the escalation in their queue once decided.


def social_care_agencies_of(user: User):
    """The user's agencies that decide on safeguarding concerns (children's social care, or the front door)."""
    from django.conf import settings

    deciding = Q(kind=Agency.Kind.SOCIAL_CARE)
    if settings.SAFEGUARDING_FRONT_DOOR_AGENCY:
        deciding |= Q(name=settings.SAFEGUARDING_FRONT_DOOR_AGENCY)
    return agencies_of(user).filter(deciding)


def escalations_for_social_care(user: User):
    """The escalations sent to the user's agencies."""
    from children.models import SafeguardingEscalation

    return SafeguardingEscalation.objects.filter(social_care_id__in=_user_agency_ids(user))


def get_escalation_for_social_care(request, child_id: int, escalation_id: int):
    """An escalation sent to one of the user's agencies (decided or not: its record stays theirs, as a referral's
    does), with its child; otherwise record the refusal and 404."""
    from children.models import Child

    escalation = (
        escalations_for_social_care(request.user)
        .select_related(
            "child", "recorded_by", "recorded_by_agency", "social_care", "decided_by", "decision_recorded_by"
        )
        .filter(pk=escalation_id, child_id=child_id)
        .first()
    )
    if escalation is None:
        _record_refusal(request, Child.objects.filter(pk=child_id).first(), f"escalation #{escalation_id}")
        raise Http404("No such escalation")
    return escalation


def may_decide_escalation(user: User, escalation) -> bool:
    return (
        user.is_authenticated
        and escalation.is_pending
        and escalation.social_care_id is not None
        and is_member(user, escalation.social_care_id)
    )


def escalation_deciders(escalations, user: User, rights: ChildAccess | None = None) -> set[int]:
    """Of these escalations, the ids whose decision this user may record (one query, none given `rights`)."""
    pending = [e for e in escalations if e.is_pending]
    if not pending or not user.is_authenticated:
        return set()
    if rights is not None:
        return {e.pk for e in pending if e.social_care_id in rights.agency_ids}
    pks = [e.pk for e in pending]
    return set(escalations_for_social_care(user).filter(pk__in=pks).values_list("pk", flat=True))


@transaction.atomic
def sync_named_grants(child) -> None:
    """Give each practitioner named on a current involvement the guardian grant `view_child_named` on the
    child, and take it from those no longer named. The grant marks their own caseload; what they may see
    still follows their agency's involvement and the family's consent."""
    from children.models import ChildUserObjectPermission, Involvement

    permission = Permission.objects.get(content_type__app_label="children", codename="view_child_named")
    named = set(
        Involvement.objects.current()
        .filter(child=child, practitioner__isnull=False)
        .values_list("practitioner_id", flat=True)
    )
    granted = set(
        ChildUserObjectPermission.objects.filter(content_object=child, permission=permission).values_list(
            "user_id", flat=True
        )
    )
    ChildUserObjectPermission.objects.filter(
        content_object=child, permission=permission, user_id__in=granted - named
    ).delete()
    ChildUserObjectPermission.objects.bulk_create(
        [ChildUserObjectPermission(content_object=child, permission=permission, user_id=u) for u in named - granted]
    )


def children_named_for(user: User):
    """The children on whose team this user is the named practitioner, and whom they may see: the user's own
    `view_child_named` grants first (a caseload, tens of rows), then the coverage check for each."""
    from children.models import Child, ChildUserObjectPermission

    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    named = ChildUserObjectPermission.objects.filter(
        user=user, permission__content_type__app_label="children", permission__codename="view_child_named"
    ).values("content_object_id")
    agency_ids = _memberships(user).ids
    if not agency_ids:
        return Child.objects.none()
    return (
        Child.objects.filter(pk__in=named)
        .filter(Exists(_coverage(agency_ids).filter(child_id=OuterRef("pk"))))
        .order_by("last_name", "first_name", "pk")
    )
