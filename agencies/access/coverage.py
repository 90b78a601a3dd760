"""Whom the family's consent covers, the rule from scratch (the oracle) and the coverage table that keeps
its answer (see "Children" in `agencies.access.children`)."""

from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from config.current import current_via

from ..models import Agency, Membership, User
from .context import _user_agency_ids
from .vocabulary import NO_CHILD_ACCESS, ChildAccess, Level


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
    is_lead = LeadProfessional.objects.current().filter(child=child, practitioner=user).exists()
    is_involved_manager = (
        Involvement.objects.current()
        .filter(
            current_via("agency__memberships"),
            child=child,
            agency__memberships__user=user,
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
