"""The one place that decides who may see and do what.

Every view that reads or changes something that not everyone may see asks this module, and never
improvises a rule of its own. Two kinds of fact decide access:

* explicit per-object grants held by django-guardian on direct foreign-key tables (for agencies:
  `manage_agency`, granted to an agency's current managers and kept in step by `sync_agency_grants`);
* relationships in the data (membership of an agency), applied as database filters.

Outsiders get `Http404`, never 403: an object a user may not see does not exist for them.
Platform administrators (is_staff/is_superuser) get nothing here by being administrators; they
manage accounts in the admin site.
"""

import enum
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from .models import Agency, AgencyUserObjectPermission, Membership, User

MANAGE_AGENCY = "agencies.manage_agency"


# --- Agencies -------------------------------------------------------------------------------------


def agencies_managed_by(user: User):
    """The agencies whose details and members this user may change (never through superuser status)."""
    if not user.is_authenticated:
        return Agency.objects.none()
    return get_objects_for_user(user, MANAGE_AGENCY, klass=Agency, accept_global_perms=False, with_superuser=False)


def may_manage_agency(user: User, agency: Agency) -> bool:
    return agencies_managed_by(user).filter(pk=agency.pk).exists()


def get_agency_for_user(user: User, agency_id: int) -> Agency:
    """Any signed-in practitioner may read an agency's public details; a missing one is a 404."""
    try:
        return Agency.objects.get(pk=agency_id)
    except Agency.DoesNotExist:
        raise Http404("No such agency") from None


def get_agency_for_manager(user: User, agency_id: int) -> Agency:
    """The agency, if this user manages it; otherwise 404, as if it did not exist."""
    try:
        return agencies_managed_by(user).get(pk=agency_id)
    except Agency.DoesNotExist:
        raise Http404("No such agency") from None


def get_membership_for_manager(user: User, agency: Agency, membership_id: int) -> Membership:
    """A current membership of an agency this user manages; 404 otherwise."""
    if not may_manage_agency(user, agency):
        raise Http404("No such membership")
    try:
        return Membership.objects.current().select_related("user").get(pk=membership_id, agency=agency)
    except Membership.DoesNotExist:
        raise Http404("No such membership") from None


def agencies_of(user: User):
    """The agencies this user currently belongs to."""
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(memberships__user=user, memberships__ended_on__isnull=True).distinct()


@transaction.atomic
def sync_agency_grants(agency: Agency, user: User) -> None:
    """Make the user's guardian grants and group membership on the agency match their membership."""
    current = Membership.objects.current().filter(agency=agency, user=user).first()
    if current:
        user.groups.add(agency.group)
    else:
        user.groups.remove(agency.group)
    is_manager = bool(current and current.role == Membership.Role.MANAGER)
    has_grant = AgencyUserObjectPermission.objects.filter(
        user=user, content_object=agency, permission=_permission("manage_agency")
    ).exists()
    if is_manager and not has_grant:
        assign_perm(MANAGE_AGENCY, user, agency)
    elif has_grant and not is_manager:
        remove_perm(MANAGE_AGENCY, user, agency)


def _permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="agencies", codename=codename)


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
# The rule is written once, below ("The rule from scratch"), as database filters over involvements,
# consents, overrides, referrals and escalations. Its answer per agency is kept in the coverage table
# (`children.Coverage`: agency, child, level, why), recomputed for a child by `refresh_coverage` inside the
# transaction of every service that changes one of those inputs, so the lists and checks read a few index
# entries instead of walking every involvement. The rule from scratch stays as the oracle the coverage
# table is tested against (tests/children/test_coverage_differential.py) and verified with
# (`manage.py coverage --verify`). Emergency access is not in the table: it is one user's and expires by
# the clock, so it stays a small per-user check (`_emergency_grants`) next to the table's answer.


class Level(enum.IntEnum):
    NONE = 0
    BASIC = 1
    ADDITIONAL = 2


@dataclass(frozen=True)
class ChildAccess:
    """What one user may do with one child's record, and why.

    `agency_ids` and `managed_agency_ids` are the user's current agencies (and those they manage) when the
    answer was computed, so the rules that follow from it on the same page ask no further query."""

    level: Level
    may_edit: bool
    emergency: bool
    is_lead: bool
    is_involved_manager: bool
    agency_ids: frozenset = frozenset()
    managed_agency_ids: frozenset = frozenset()
    primary_agency_id: int | None = None  # the agency the user acts for (`primary_agency`)

    @property
    def may_view_basic(self) -> bool:
        return self.level >= Level.BASIC

    @property
    def may_view_additional(self) -> bool:
        return self.level >= Level.ADDITIONAL

    @property
    def may_see_history(self) -> bool:
        return self.may_edit

    @property
    def may_see_viewers(self) -> bool:
        return self.is_lead or self.is_involved_manager


NO_CHILD_ACCESS = ChildAccess(Level.NONE, False, False, False, False)


def _user_agency_ids(user: User):
    return Membership.objects.current().filter(user=user).values("agency_id")


@dataclass(frozen=True)
class _Agencies:
    ids: frozenset
    managed: frozenset
    primary: int | None

    def __bool__(self):
        return bool(self.ids)


# Within one request, the user's agencies and emergency accesses are read once however many lists and checks
# the page makes (`RequestMemoMiddleware` opens the memo; a membership saved or an emergency access granted
# during the request empties it). Outside a request (services, tasks, tests) nothing is remembered.
_REQUEST_MEMO: ContextVar[dict | None] = ContextVar("access_request_memo", default=None)


def request_memo():
    """A context manager for one request's memo."""
    from contextlib import contextmanager

    @contextmanager
    def scope():
        token = _REQUEST_MEMO.set({})
        try:
            yield
        finally:
            _REQUEST_MEMO.reset(token)

    return scope()


def forget_request_memo() -> None:
    memo = _REQUEST_MEMO.get()
    if memo is not None:
        memo.clear()


def _remembered(key, compute):
    memo = _REQUEST_MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _memberships(user: User) -> _Agencies:
    """The user's current agencies, those they manage, and the one they act for (one query, once a request)."""
    return _remembered(("memberships", user.pk), lambda: _read_memberships(user))


def _read_memberships(user: User) -> _Agencies:
    rows = list(
        Membership.objects.current().filter(user=user).order_by("started_on", "pk").values_list("agency_id", "role")
    )
    return _Agencies(
        ids=frozenset(agency for agency, _ in rows),
        managed=frozenset(agency for agency, role in rows if role == Membership.Role.MANAGER),
        primary=rows[0][0] if rows else None,
    )


def consent_coverage(level: Level, *, consent_id, agency_id, prefix: str = "") -> Q:
    """THE rule of whom the family's consent covers, as a filter on a consent row (reached through `prefix`).

    A consent that is not withdrawn covers an agency it names, or (for "every agency in the team") an agency
    in the team when it was given or one the family's consent was later confirmed for (`ConsentCoverage`):
    never an agency merely because it joined the team, or is being referred to, afterwards. Additional
    information also needs the scope "basic and additional" and the agency not excluded. `consent_id` and
    `agency_id` are expressions (an `OuterRef` inside a subquery) or values.
    """
    from children.models import Consent, ConsentCoverage

    named = Consent.agencies_included.through.objects.filter(consent_id=consent_id, agency_id=agency_id)
    covered = ConsentCoverage.objects.filter(consent_id=consent_id, agency_id=agency_id)
    rule = Q(**{f"{prefix}withdrawn_on__isnull": True}) & (Exists(named) | Exists(covered))
    if level >= Level.ADDITIONAL:
        excluded = Consent.agencies_excluded.through.objects.filter(consent_id=consent_id, agency_id=agency_id)
        rule &= Q(**{f"{prefix}scope": Consent.Scope.ADDITIONAL}) & ~Exists(excluded)
    return rule


def consent_covers_agency(child, level: Level = Level.BASIC) -> Exists:
    """For a query on agencies: whether the child's current consent covers each (one subquery, not one per row)."""
    from children.models import Consent

    return Exists(
        Consent.objects.filter(pk=child.current_consent_id).filter(
            consent_coverage(level, consent_id=OuterRef("pk"), agency_id=OuterRef(OuterRef("pk")))
        )
    )


def consent_covers(child, agency: Agency, level: Level = Level.BASIC) -> bool:
    """Whether the child's current consent covers the agency at `level` (for referrals and confirmations)."""
    from children.models import Consent

    if not child.current_consent_id:
        return False
    return (
        Consent.objects.filter(pk=child.current_consent_id)
        .filter(consent_coverage(level, consent_id=OuterRef("pk"), agency_id=agency.pk))
        .exists()
    )


def _emergency_grants(user: User):
    """Unexpired emergency accesses backed by the user's guardian grant on the child."""
    from children.models import ChildUserObjectPermission, EmergencyAccess

    grants = ChildUserObjectPermission.objects.filter(
        user=user, content_object_id=OuterRef("child_id"), permission__codename="view_child_emergency"
    )
    return EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now()).filter(Exists(grants))


# --- The rule from scratch (the oracle) ---------------------------------------------------------------
#
# Evaluated over the inputs themselves on every call. Nothing on a page uses these any more: the coverage
# table below keeps their answer. They are what the table is built from and checked against.


def _covered_involvements(user: User, level: Level, overrides_count: bool = True):
    """Current involvements of the user's agencies whose agency the record's sharing rules cover at `level`."""
    return _involvements_covered(level, overrides_count).filter(agency_id__in=_user_agency_ids(user))


def _overrides(level: Level):
    """Safeguarding overrides naming the involvement's agency (for a subquery on involvements)."""
    from children.models import Disclosure

    overrides = Disclosure.objects.filter(
        child_id=OuterRef("child_id"), shared_with_id=OuterRef("agency_id"), basis=Disclosure.Basis.OVERRIDE
    )
    if level == Level.ADDITIONAL:
        overrides = overrides.filter(scope=Disclosure.Scope.ADDITIONAL)
    return overrides


def _involvement_consent(level: Level) -> Q:
    """For a query on involvements: the child's current consent covers the involvement's agency at `level`."""
    return consent_coverage(
        level,
        consent_id=OuterRef("child__current_consent_id"),
        agency_id=OuterRef("agency_id"),
        prefix="child__current_consent__",
    )


def _involvements_covered(level: Level, overrides_count: bool = True):
    """Current involvements (of any agency) whose agency the record's sharing rules cover at `level`."""
    from children.models import Involvement

    covered = Q(agency_id=F("child__recording_agency_id")) | _involvement_consent(level)
    if overrides_count:
        covered |= Exists(_overrides(level))
    return Involvement.objects.current().filter(covered)


def _open_referrals_to(user: User):
    """Referrals awaiting an answer from one of the user's agencies: they may see the child's basic details."""
    from referrals.models import Referral

    return Referral.objects.filter(status=Referral.Status.SENT, to_agency_id__in=_user_agency_ids(user))


def _escalations_awaiting(user: User):
    """Escalations awaiting a decision by one of the user's agencies: social care sees the child's basic details."""
    from children.models import SafeguardingEscalation

    return SafeguardingEscalation.objects.filter(
        outcome=SafeguardingEscalation.Outcome.PENDING, social_care_id__in=_user_agency_ids(user)
    )


def children_visible_from_scratch(user: User, level: Level = Level.BASIC, include_emergency: bool = True):
    """The oracle of `children_visible_to`: the children this user may see at `level`, from the inputs."""
    from children.models import Child

    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    visible = Q(Exists(_covered_involvements(user, level).filter(child_id=OuterRef("pk"))))
    if level == Level.BASIC:
        visible |= Q(Exists(_open_referrals_to(user).filter(child_id=OuterRef("pk"))))
        visible |= Q(Exists(_escalations_awaiting(user).filter(child_id=OuterRef("pk"))))
    if include_emergency:
        visible |= Q(Exists(_emergency_grants(user).filter(child_id=OuterRef("pk"))))
    return Child.objects.filter(visible)


def child_access_from_scratch(user: User, child) -> ChildAccess:
    """The oracle of `child_access`: everything this user may do with this child, from the inputs."""
    from children.models import Involvement, LeadProfessional

    if not user.is_authenticated or not user.is_active:
        return NO_CHILD_ACCESS
    if _covered_involvements(user, Level.ADDITIONAL).filter(child=child).exists():
        level = Level.ADDITIONAL
    elif (
        _covered_involvements(user, Level.BASIC).filter(child=child).exists()
        or _open_referrals_to(user).filter(child=child).exists()
        or _escalations_awaiting(user).filter(child=child).exists()
    ):
        level = Level.BASIC
    else:
        level = Level.NONE
    emergency = False
    if level < Level.ADDITIONAL and _emergency_grants(user).filter(child=child).exists():
        level, emergency = Level.ADDITIONAL, True
    is_lead = LeadProfessional.objects.filter(child=child, practitioner=user, ended_on__isnull=True).exists()
    is_involved_manager = (
        Involvement.objects.current()
        .filter(
            child=child,
            agency__memberships__user=user,
            agency__memberships__ended_on__isnull=True,
            agency__memberships__role=Membership.Role.MANAGER,
        )
        .exists()
    )
    # An override lets an agency read what it must; changing the record still needs consent (or owning it).
    may_edit = (
        level == Level.ADDITIONAL
        and not emergency
        and _covered_involvements(user, Level.ADDITIONAL, overrides_count=False).filter(child=child).exists()
    )
    return ChildAccess(
        level=level,
        may_edit=may_edit,
        emergency=emergency,
        is_lead=is_lead and level > Level.NONE,
        is_involved_manager=is_involved_manager and level > Level.NONE,
    )


# --- The coverage table ---------------------------------------------------------------------------------


def coverage_rule(child_ids=None):
    """The coverage rows the rule gives, from the inputs: one query of (agency_id, child_id, why, level), for
    the children `child_ids` (every child if None). Built from the same filters as the oracle above."""
    from children.models import Coverage, Involvement, SafeguardingEscalation
    from referrals.models import Referral

    def rows(queryset, agency, why, level):
        if child_ids is not None:
            queryset = queryset.filter(child_id__in=child_ids)
        return (
            queryset.order_by()
            .annotate(c_agency=F(agency), c_child=F("child_id"), c_why=Value(why), c_level=level)
            .values_list("c_agency", "c_child", "c_why", "c_level")
        )

    two, one = Value(Level.ADDITIONAL.value), Value(Level.BASIC.value)
    involved = Involvement.objects.current()
    own = rows(involved.filter(agency_id=F("child__recording_agency_id")), "agency_id", Coverage.Why.OWN, two)
    consent = rows(
        involved.filter(_involvement_consent(Level.BASIC)),
        "agency_id",
        Coverage.Why.CONSENT,
        Case(When(_involvement_consent(Level.ADDITIONAL), then=two), default=one),
    )
    override = rows(
        involved.filter(Exists(_overrides(Level.BASIC))),
        "agency_id",
        Coverage.Why.OVERRIDE,
        Case(When(Exists(_overrides(Level.ADDITIONAL)), then=two), default=one),
    )
    referral = rows(Referral.objects.filter(status=Referral.Status.SENT), "to_agency_id", Coverage.Why.REFERRAL, one)
    escalation = rows(
        SafeguardingEscalation.objects.filter(
            outcome=SafeguardingEscalation.Outcome.PENDING, social_care_id__isnull=False
        ),
        "social_care_id",
        Coverage.Why.ESCALATION,
        one,
    )
    return own.union(consent, override, referral.distinct(), escalation.distinct(), all=True)


def refresh_coverage(child_ids) -> None:
    """Make the children's coverage rows what the rule gives now: call it, inside the same transaction, after
    any change to an involvement, a consent (or whom it covers), an override, a referral's or escalation's
    state, or the recording agency. Deletes and inserts only the difference (a child has a handful of rows)."""
    from children.models import Child, Coverage

    ids = sorted({int(pk) for pk in child_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The lock every write to the table takes anyway, taken first: a rebuild running now (which holds
            # SHARE ROW EXCLUSIVE) finishes before this reads anything, so this reads what it wrote.
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Coverage._meta.db_table)} IN ROW EXCLUSIVE MODE")
            # One refresh of a child at a time: a second waits for the first to commit, then reads what it
            # wrote, so two changes to one child in two transactions cannot leave the rows of either alone.
            # (FOR NO KEY UPDATE: rows that refer to the child can still be written meanwhile.)
            list(Child.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
        wanted = {(agency, child, why): level for agency, child, why, level in coverage_rule(ids)}
        stale = []
        for pk, agency, child, why, level in Coverage.objects.filter(child_id__in=ids).values_list(
            "pk", "agency_id", "child_id", "why", "level"
        ):
            if wanted.get((agency, child, why)) == level:
                del wanted[(agency, child, why)]
            else:
                stale.append(pk)
        if stale:
            Coverage.objects.filter(pk__in=stale).delete()
        if wanted:
            Coverage.objects.bulk_create(
                Coverage(agency_id=agency, child_id=child, why=why, level=level)
                for (agency, child, why), level in wanted.items()
            )


def rebuild_coverage() -> int:
    """Recompute the whole coverage table from the rule, set-based (after a restore, or to fill it): returns
    the number of rows. Readers see the old table until it commits; it waits for transactions that refreshed
    rows to finish, and refreshes wait for it (SHARE ROW EXCLUSIVE against their ROW EXCLUSIVE)."""
    from children.models import Coverage

    table = connection.ops.quote_name(Coverage._meta.db_table)
    rule, params = coverage_rule().query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} (agency_id, child_id, why, level) SELECT * FROM ({rule}) AS rule", params)
        return cursor.rowcount


def coverage_differences(child_ids=None) -> list[tuple]:
    """Where the coverage table and the rule disagree: (agency_id, child_id, why, level in the table, level the
    rule gives), None for a missing row. Empty when the table is right."""
    from children.models import Coverage

    wanted = {(a, c, w): lv for a, c, w, lv in coverage_rule(child_ids)}
    kept = Coverage.objects.all() if child_ids is None else Coverage.objects.filter(child_id__in=child_ids)
    held = {(a, c, w): lv for a, c, w, lv in kept.values_list("agency_id", "child_id", "why", "level")}
    return sorted(
        (*key, held.get(key), wanted.get(key))
        for key in held.keys() | wanted.keys()
        if held.get(key) != wanted.get(key)
    )


def _coverage(agency_ids, level: Level = Level.BASIC, reasons=None):
    """Coverage rows of these agencies at `level` or above (only for `reasons`, if given)."""
    from children.models import Coverage

    rows = Coverage.objects.filter(agency_id__in=agency_ids)
    if level > Level.BASIC:
        rows = rows.filter(level__gte=level)
    if reasons is not None:
        rows = rows.filter(why__in=reasons)
    return rows


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
        "access_lead": Exists(
            LeadProfessional.objects.filter(child_id=OuterRef("pk"), practitioner=user, ended_on__isnull=True)
        ),
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


def get_child_for_user(request, child_id: int, need: str = "basic"):
    """Fetch a child and what the user may do with it, or record the refusal and raise 404 (two queries).

    `need` is one of "basic", "additional", "edit", "history", "viewers".
    """
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
    permitted = {
        "basic": rights.may_view_basic,
        "additional": rights.may_view_additional,
        "edit": rights.may_edit,
        "history": rights.may_see_history,
        "viewers": rights.may_see_viewers,
    }[need]
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


def primary_agency(user: User):
    """The agency a user acts for when no other is named: their earliest current membership."""
    membership = Membership.objects.current().filter(user=user).order_by("started_on", "pk").first()
    return membership.agency if membership else None


# Break glass is reached only from a match in the child index: each match the user may not see gets a
# random token, held in their (server-side) session, that stands for the child. No id reaches the page,
# a token works only in the session that searched, and anything else is refused exactly like a missing
# child, so nobody learns from the answer whether a child exists.
EMERGENCY_MATCHES_SESSION_KEY = "emergency_matches"
EMERGENCY_MATCHES_KEPT = 50


def emergency_match_tokens(request, results) -> None:
    """Give each index match the user may not see a token for requesting emergency access to it."""
    import secrets

    matches = dict(request.session.get(EMERGENCY_MATCHES_SESSION_KEY, {}))
    for result in results:
        if not result.visible:
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

    return LeadProfessional.objects.filter(child=child, ended_on__isnull=True).select_related("agency").first()


_UNKNOWN = object()


def may_change_lead(user: User, child, rights: ChildAccess, lead=_UNKNOWN) -> bool:
    """`lead` is the child's current lead (or None), when the caller has it already."""
    if not rights.may_view_basic or rights.emergency:
        return False
    lead = current_lead(child) if lead is _UNKNOWN else lead
    if lead is None:
        return rights.is_involved_manager
    return lead.practitioner_id == user.pk or lead.agency_id in rights.managed_agency_ids


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
            LeadProfessional.objects.filter(child=child, ended_on__isnull=False)
            .exclude(pk=lead.pk)
            .order_by("-ended_on", "-pk")
            .first()
        )
    if previous is None or previous.practitioner_id != user.pk or previous.practitioner_id == lead.practitioner_id:
        return None
    if previous.handover_notes_written.filter(to_lead=lead).exists():
        return None
    return previous, lead


def handover_notes_for(user: User, child):
    """Handover notes written for this user as the child's current lead, newest first."""
    from children.models import HandoverNote

    return HandoverNote.objects.filter(
        child=child, to_lead__practitioner=user, to_lead__ended_on__isnull=True
    ).select_related("written_by", "from_lead__agency")


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


# --- CAF ------------------------------------------------------------------------------------------
#
# The CAF is additional information: only users the child's sharing rules cover for additional
# information may read it (emergency access included). The assessor's agency and the child's lead
# professional may edit it and change the plan; an action's owner may update that action.


@dataclass(frozen=True)
class CafAccess:
    child: ChildAccess
    may_read: bool
    may_edit: bool
    may_change_plan: bool


def caf_access(user: User, assessment, child_rights: ChildAccess | None = None) -> CafAccess:
    rights = child_rights or child_access(user, assessment.child)
    may_read = rights.may_view_additional
    in_assessor_agency = assessment.assessor_agency_id in rights.agency_ids
    may_edit = rights.may_edit and (in_assessor_agency or rights.is_lead)
    return CafAccess(
        child=rights, may_read=may_read, may_edit=may_edit, may_change_plan=rights.may_edit and rights.is_lead
    )


def get_assessment_for_user(request, assessment_id: int, need: str = "read"):
    """Fetch a CAF version and what the user may do with it; record the refusal and 404 otherwise.

    `need` is "read", "edit" or "plan".
    """
    from caf.models import Assessment

    assessment = (
        Assessment.objects.select_related("child", "assessor", "assessor_agency").filter(pk=assessment_id).first()
    )
    if assessment is not None:
        child, child_rights = get_child_for_user(request, assessment.child_id, "additional")
        rights = caf_access(request.user, assessment, child_rights)
        if {"read": rights.may_read, "edit": rights.may_edit, "plan": rights.may_change_plan}[need]:
            return assessment, rights
    _record_refusal(request, assessment.child if assessment else None, f"{need} of CAF #{assessment_id}")
    raise Http404("No such assessment")


def may_update_action(user: User, action, rights: CafAccess) -> bool:
    """The owner of an action updates its progress; the lead professional can change the whole plan."""
    return rights.may_change_plan or (rights.may_read and not rights.child.emergency and action.owner_id == user.pk)


# --- Actions of a delivery plan ---------------------------------------------------------------------
#
# An action must reach whoever is to do it, even when the family's consent gives their agency only basic
# details. Its owner sees the action itself (what, why as the lead professional wrote it for them, by
# when, the desired outcome, its progress notes and the lead professional's contact) and never the CAF.
# The owning agency must still be in the team around the child and covered by the record's sharing rules
# at basic level, and the owner must still belong to it. An action given to an agency as a whole is in
# that agency's work queue: its members see it, and its managers (who see all of the agency's actions)
# give it to a named member. The lead professional sees and updates every action of the plan.


@dataclass(frozen=True)
class ActionAccess:
    """What one user may do with one action, and why."""

    is_owner: bool
    in_owning_agency: bool
    manages_owning_agency: bool
    is_lead: bool
    lead_may_change_plan: bool
    assigned: bool
    plan_is_open: bool
    may_read_caf: bool

    @property
    def may_view(self) -> bool:
        return (
            self.is_owner or self.is_lead or self.manages_owning_agency or (self.in_owning_agency and not self.assigned)
        )

    @property
    def may_update(self) -> bool:
        return self.plan_is_open and (self.is_owner or self.lead_may_change_plan)

    @property
    def may_assign(self) -> bool:
        return self.plan_is_open and self.manages_owning_agency


NO_ACTION_ACCESS = ActionAccess(False, False, False, False, False, False, False, False)


def _owning_agency_covered(user: User):
    """The user belongs to the action's agency, which is in the child's team and covered by the sharing rules
    (basic details)."""
    from children.models import Coverage

    return Exists(
        _coverage(_user_agency_ids(user), reasons=Coverage.IN_TEAM).filter(
            child_id=OuterRef("assessment__child_id"), agency_id=OuterRef("owner_agency_id")
        )
    )


def _open_actions():
    from caf.models import Action, Assessment

    return Action.objects.filter(
        status__in=[Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS], assessment__is_current=True
    ).exclude(assessment__status=Assessment.Status.CLOSED)


def actions_owned_by(user: User):
    """Open actions given to this user by name, on plans still open, that they may see (one query)."""
    from caf.models import Action

    if not user.is_authenticated or not user.is_active:
        return Action.objects.none()
    return _open_actions().filter(owner=user).filter(_owning_agency_covered(user))


def actions_queued_for(user: User):
    """Open actions given to one of the user's agencies as a whole, awaiting a named owner (one query)."""
    from caf.models import Action

    if not user.is_authenticated or not user.is_active:
        return Action.objects.none()
    return _open_actions().filter(owner__isnull=True).filter(_owning_agency_covered(user))


def action_access(user: User, action) -> ActionAccess:
    """Everything this user may do with this action, in a handful of queries."""
    from caf.models import Assessment
    from children.models import Coverage

    if not user.is_authenticated or not user.is_active:
        return NO_ACTION_ACCESS
    assessment = action.assessment
    rights = child_access(user, assessment.child)
    in_owning_agency = (
        action.owner_agency_id in rights.agency_ids
        and Coverage.objects.filter(
            child_id=assessment.child_id, agency_id=action.owner_agency_id, why__in=Coverage.IN_TEAM
        ).exists()
    )
    manages = in_owning_agency and action.owner_agency_id in rights.managed_agency_ids
    return ActionAccess(
        is_owner=in_owning_agency and action.owner_id == user.pk,
        in_owning_agency=in_owning_agency,
        manages_owning_agency=manages,
        is_lead=rights.is_lead,
        lead_may_change_plan=rights.is_lead and rights.may_edit,
        assigned=action.owner_id is not None,
        plan_is_open=assessment.is_current and assessment.status != Assessment.Status.CLOSED,
        may_read_caf=rights.may_view_additional,
    )


def get_action_for_owner(request, action_id: int, need: str = "view"):
    """Fetch an action and what the user may do with it (its owner, the owning agency's queue and managers,
    the lead professional); record the refusal and 404 for anyone else.

    `need` is "view", "update" or "assign".
    """
    from caf.models import Action

    action = Action.objects.select_related("assessment__child", "owner", "owner_agency").filter(pk=action_id).first()
    if action is not None:
        rights = action_access(request.user, action)
        if {"view": rights.may_view, "update": rights.may_update, "assign": rights.may_assign}[need]:
            return action, rights
    _record_refusal(request, action.assessment.child if action else None, f"{need} of action #{action_id}")
    raise Http404("No such action")


def agencies_that_may_hold_actions(child):
    """The agencies of the child's team that the record's sharing rules cover (at least basic details).
    Only they may be given an action: an owner who could not see the action would never do it."""
    from children.models import Coverage

    return Agency.objects.filter(
        pk__in=Coverage.objects.filter(child=child, why__in=Coverage.IN_TEAM).values("agency_id")
    )


def refuse(request, child, what: str):
    """Record the refusal and answer 404, for a rule checked after the child itself was fetched."""
    _record_refusal(request, child, what)
    raise Http404("Not found")


def _record_refusal(request, child, what: str) -> None:
    from children.models import AccessEvent

    AccessEvent.objects.create(
        user=request.user,
        agency=primary_agency(request.user),
        child=child,
        action=AccessEvent.Action.REFUSED,
        what=what[:200],
        path=request.path[:300],
        ip_address=request.META.get("REMOTE_ADDR"),
    )


# --- Referrals ------------------------------------------------------------------------------------
#
# A referral is seen by the current members of the agency that sent it and of the agency it was sent
# to (whatever its state: the record of the request stays theirs). While it awaits an answer the
# receiving agency also sees the child's basic details (above) and whatever the referral shared.


def referrals_visible_to(user: User):
    from referrals.models import Referral

    agencies = _user_agency_ids(user)
    return Referral.objects.filter(Q(from_agency_id__in=agencies) | Q(to_agency_id__in=agencies))


def get_referral_for_user(request, referral_id: int):
    """The referral, if the user's agency sent or received it; otherwise record the refusal and 404."""
    referral = (
        referrals_visible_to(request.user)
        .select_related("child", "from_agency", "to_agency", "to_service", "from_user", "answered_by", "caf")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        from referrals.models import Referral

        child = Referral.objects.filter(pk=referral_id).values_list("child", flat=True).first()
        from children.models import Child

        _record_refusal(request, Child.objects.filter(pk=child).first() if child else None, f"referral #{referral_id}")
        raise Http404("No such referral")
    return referral


def may_share_caf(user: User, child) -> bool:
    """Sharing the CAF with a referral passes on additional information: the sender must be allowed to read
    it themselves (through their agency's cover, not break-glass, which is read-only)."""
    rights = child_access(user, child)
    return rights.may_view_additional and not rights.emergency


def may_read_shared_caf(user: User, referral) -> bool:
    """The CAF a referral shared is readable by the receiving agency while the referral is theirs to answer
    or act on, and otherwise only by those who may read the CAF anyway (being the sender is not enough)."""
    if not referral.caf_id:
        return False
    rights = child_access(user, referral.child)
    if referral.is_open and referral.to_agency_id in rights.agency_ids:
        return True
    return rights.may_view_additional


def is_member(user: User, agency_id: int, role: str | None = None) -> bool:
    memberships = Membership.objects.current().filter(user=user, agency_id=agency_id)
    if role:
        memberships = memberships.filter(role=role)
    return memberships.exists()


# --- Directory ------------------------------------------------------------------------------------
#
# An agency's managers keep its information sheet, its services and their opening times true. A
# directory co-ordinator (a current membership with the co-ordinator role) of a setting (a school,
# early years setting or children's centre) builds and publishes that setting's directory. A
# practitioner edits only their own directory profile. The published directory and Open Referral UK
# feed are public and need no check here.


def get_service_for_editing(user: User, service_id: int):
    """A directory service of an agency this user manages; 404 otherwise."""
    from directory.models import Service

    try:
        return Service.objects.select_related("agency").get(pk=service_id, agency__in=agencies_managed_by(user))
    except Service.DoesNotExist:
        raise Http404("No such service") from None


def settings_coordinated_by(user: User):
    """The settings (schools, early years settings, children's centres) whose directory this user co-ordinates."""
    from directory.models import SETTING_KINDS

    if not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    return Agency.objects.filter(
        kind__in=SETTING_KINDS,
        is_active=True,
        memberships__user=user,
        memberships__role=Membership.Role.COORDINATOR,
        memberships__ended_on__isnull=True,
    ).distinct()


def get_setting_for_coordinator(user: User, agency_id: int) -> Agency:
    """A setting this user co-ordinates the directory of; 404 otherwise."""
    try:
        return settings_coordinated_by(user).get(pk=agency_id)
    except Agency.DoesNotExist:
        raise Http404("No such setting") from None


def directories_coordinated_by(user: User):
    """The directories this user may build and publish."""
    from directory.models import Directory

    return Directory.objects.filter(setting__in=settings_coordinated_by(user))


def get_directory_for_coordinator(user: User, directory_id: int):
    """A directory this user co-ordinates; 404 otherwise."""
    from directory.models import Directory

    try:
        return directories_coordinated_by(user).select_related("setting").get(pk=directory_id)
    except Directory.DoesNotExist:
        raise Http404("No such directory") from None


def get_entry_for_coordinator(user: User, directory, entry_id: int):
    """An entry of a directory this user co-ordinates; 404 otherwise."""
    from directory.models import DirectoryEntry

    try:
        return DirectoryEntry.objects.get(pk=entry_id, directory=get_directory_for_coordinator(user, directory.pk))
    except DirectoryEntry.DoesNotExist:
        raise Http404("No such entry") from None


def get_import_for_coordinator(user: User, setting: Agency, run_id: int):
    """An import run started for a setting this user co-ordinates; 404 otherwise (runs from the command line
    belong to no setting and are not shown)."""
    from directory.models import ImportRun

    try:
        return ImportRun.objects.select_related("started_by").get(
            pk=run_id, setting=get_setting_for_coordinator(user, setting.pk)
        )
    except ImportRun.DoesNotExist:
        raise Http404("No such import") from None


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
