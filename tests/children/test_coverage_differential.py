"""The coverage table gives the same answers as the access rule evaluated from scratch, whatever happens.

Hypothesis runs random sequences of the real services (involvements started and ended, consent recorded,
withdrawn and confirmed for another agency, sharing decisions and overrides, referrals sent and answered,
escalations recorded and decided, lead professionals, emergency access and its expiry, memberships) on
PostgreSQL, and after every step compares, for every user and child of a small world, what the pages read
(`children_visible_to`, `child_access`, `children_named_for`, who may hold an action) with the oracle
(`children_visible_from_scratch`, `child_access_from_scratch`, the involvement filters) and the table
row by row with the rule (`coverage_differences`). A service that forgot to refresh the table fails here.

More examples: TAC_COVERAGE_EXAMPLES=200 pytest tests/children/test_coverage_differential.py
"""

import os
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from agencies import access
from agencies import services as agency_services
from agencies.access import Level
from agencies.models import Agency, Membership
from children import services
from children.models import Child, Consent, Disclosure, EmergencyAccess, SafeguardingEscalation
from referrals import services as referral_services
from referrals.models import Referral

from ..factories import AgencyFactory, member_of

pytestmark = pytest.mark.django_db

KINDS = [
    ("School", Agency.Kind.SCHOOL),
    ("Health visiting", Agency.Kind.HEALTH_VISITING),
    ("Social care", Agency.Kind.SOCIAL_CARE),
    ("Housing", Agency.Kind.HOUSING),
    ("CAMHS", Agency.Kind.CAMHS),
]
REFUSED = (ValidationError, PermissionDenied, referral_services.AlreadyAnswered, services.AlreadyDecided)

agency_index = st.integers(0, len(KINDS) - 1)
child_index = st.integers(0, 2)
some_agencies = st.sets(agency_index, max_size=3)


def attempt(service, **arguments):
    """Run a service; a refusal (its own rule said no) changes nothing, as on a page."""
    try:
        return service(**arguments)
    except REFUSED:
        return None


class CoverageMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint of the test's transaction, rolled back at its end.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.agencies = [AgencyFactory(name=f"{name} {n}", kind=kind) for n, (name, kind) in enumerate(KINDS)]
        # A practitioner and a manager in every agency, and one practitioner in two (school and CAMHS).
        self.practitioners = [member_of(a, full_name=f"Practitioner of {a.name}") for a in self.agencies]
        self.managers = [member_of(a, Membership.Role.MANAGER, full_name=f"Manager of {a.name}") for a in self.agencies]
        self.both = member_of(self.agencies[0], full_name="In two agencies")
        agency_services.membership_add(actor=None, agency=self.agencies[4], email=self.both.email)
        self.users = [*self.practitioners, *self.managers, self.both]
        # Whose answers are compared after every step: everyone but three managers (time; the managers of the
        # school and the health visitors stand for them, and every user's memberships change anyway).
        self.readers = [*self.practitioners, self.both, self.managers[0], self.managers[1]]
        self.children = [
            services.child_create(actor=self.practitioners[1], first_name="Ada", last_name="First"),
            services.child_create(actor=self.practitioners[0], first_name="Ben", last_name="Second"),
        ]
        self.steps = 0
        self.referrals: list[int] = []
        self.escalations: list[int] = []
        self.emergencies: list[int] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def child(self, index):
        return Child.objects.get(pk=self.children[index % len(self.children)].pk)

    # --- The record and the team ------------------------------------------------------------------------

    @precondition(lambda self: len(self.children) < 3)
    @rule(agency=agency_index)
    def open_a_record(self, agency):
        child = services.child_create(
            actor=self.practitioners[agency], first_name="Cal", last_name=f"Third {len(self.children)}"
        )
        self.children.append(child)

    @rule(child=child_index, agency=agency_index, named=st.booleans())
    def add_to_the_team(self, child, agency, named):
        attempt(
            services.involvement_add,
            actor=self.practitioners[1],
            child=self.child(child),
            agency=self.agencies[agency],
            role="Worker",
            practitioner=self.practitioners[agency] if named else None,
        )

    @rule(child=child_index, agency=agency_index, by_manager=st.booleans())
    def end_an_involvement(self, child, agency, by_manager):
        involvement = self.child(child).involvements.filter(agency=self.agencies[agency], ended_on__isnull=True)
        if involvement.exists():
            actor = (self.managers if by_manager else self.practitioners)[agency]
            attempt(services.involvement_end, actor=actor, involvement=involvement.get(), reason="Work finished")

    @rule(child=child_index, practitioner=agency_index)
    def choose_the_lead(self, child, practitioner):
        child = self.child(child)
        for actor in [*self.practitioners, *self.managers]:
            if access.may_change_lead(actor, child, access.child_access_from_scratch(actor, child)):
                attempt(
                    services.lead_professional_set,
                    actor=actor,
                    child=child,
                    practitioner=self.practitioners[practitioner],
                    family_agreed=True,
                    agreed_on=timezone.localdate(),
                )
                return

    # --- Consent and sharing ----------------------------------------------------------------------------

    @rule(
        child=child_index,
        additional=st.booleans(),
        whole_team=st.booleans(),
        included=some_agencies,
        excluded=some_agencies,
        days_ago=st.integers(0, 3),
    )
    def record_consent(self, child, additional, whole_team, included, excluded, days_ago):
        services.consent_record(
            actor=self.practitioners[1],
            child=self.child(child),
            agencies_included=[self.agencies[i] for i in included] if not whole_team else [],
            agencies_excluded=[self.agencies[i] for i in excluded],
            given_by=Consent.GivenBy.PARENT,
            given_by_name="A parent",
            given_on=timezone.localdate() - timedelta(days=days_ago),
            method=Consent.Method.WRITTEN,
            scope=Consent.Scope.ADDITIONAL if additional else Consent.Scope.BASIC,
            all_involved_agencies=whole_team,
            purposes="To co-ordinate support",
        )

    @rule(child=child_index)
    def withdraw_consent(self, child):
        consent = self.child(child).current_consent
        if consent is not None:
            attempt(
                services.consent_withdraw,
                actor=self.practitioners[1],
                consent=consent,
                withdrawn_on=timezone.localdate(),
                reason="The family changed their mind",
            )

    @rule(child=child_index, agency=agency_index)
    def confirm_consent_for_another_agency(self, child, agency):
        child = self.child(child)
        editors = [u for u in self.users if access.child_access_from_scratch(u, child).may_edit]
        if editors:
            attempt(
                services.consent_confirm_for_agency,
                actor=editors[0],
                child=child,
                agency=self.agencies[agency],
                agreed_by_name="A parent",
                agreed_on=timezone.localdate(),
                method=Consent.Method.VERBAL,
            )

    @rule(
        child=child_index,
        by=agency_index,
        shared_with=agency_index,
        basis=st.sampled_from(Disclosure.Basis.values),
        additional=st.booleans(),
    )
    def record_a_sharing_decision(self, child, by, shared_with, basis, additional):
        attempt(
            services.disclosure_record,
            actor=self.managers[by],
            child=self.child(child),
            shared_with=self.agencies[shared_with],
            scope=Disclosure.Scope.ADDITIONAL if additional else Disclosure.Scope.BASIC,
            what="Contact details",
            purpose="To keep the child safe",
            basis=basis,
            lawful_basis="Children Act 1989" if basis == Disclosure.Basis.OVERRIDE else "",
            reason="Risk of significant harm" if basis == Disclosure.Basis.OVERRIDE else "",
        )

    # --- Referrals --------------------------------------------------------------------------------------

    @rule(child=child_index, sender=agency_index, to=agency_index, override=st.booleans())
    def send_a_referral(self, child, sender, to, override):
        referral = attempt(
            referral_services.referral_send,
            actor=self.managers[sender],
            child=self.child(child),
            from_agency=self.agencies[sender],
            to_agency=self.agencies[to],
            reason="Needs support",
            basis=Referral.Basis.OVERRIDE if override else Referral.Basis.CONSENT,
            lawful_basis="Children Act 1989" if override else "",
            override_reason="Risk of harm" if override else "",
        )
        if referral is not None:
            self.referrals.append(referral.pk)

    @precondition(lambda self: self.referrals)
    @rule(
        which=st.integers(0, 20),
        answer=st.sampled_from(["accept", "decline", "redirect", "withdraw", "complete"]),
        onward=agency_index,
    )
    def answer_a_referral(self, which, answer, onward):
        referral = Referral.objects.get(pk=self.referrals[which % len(self.referrals)])
        receiver = self.managers[self.agencies.index(referral.to_agency)]
        sender = self.managers[self.agencies.index(referral.from_agency)]
        if answer == "accept":
            attempt(referral_services.referral_accept, actor=receiver, referral=referral)
        elif answer == "decline":
            attempt(referral_services.referral_decline, actor=receiver, referral=referral, reason="Not for us")
        elif answer == "withdraw":
            attempt(referral_services.referral_withdraw, actor=sender, referral=referral)
        elif answer == "complete":
            attempt(referral_services.referral_complete, actor=receiver, referral=referral, outcome="Done")
        else:
            onward_referral = attempt(
                referral_services.referral_redirect,
                actor=receiver,
                referral=referral,
                to_agency=self.agencies[onward],
                reason="Better placed",
            )
            if onward_referral is not None:
                self.referrals.append(onward_referral.pk)

    # --- Safeguarding and emergency access ----------------------------------------------------------------

    @rule(child=child_index, by=agency_index)
    def record_an_escalation(self, child, by):
        escalation = attempt(
            services.escalation_record,
            actor=self.practitioners[by],
            child=self.child(child),
            concern="A bruise",
            contacted_at=timezone.now() - timedelta(minutes=30),
            contacted_whom="Duty social worker",
        )
        if escalation is not None:
            self.escalations.append(escalation.pk)

    @precondition(lambda self: self.escalations)
    @rule(which=st.integers(0, 20), outcome=st.sampled_from(SafeguardingEscalation.DECISIONS))
    def decide_an_escalation(self, which, outcome):
        escalation = SafeguardingEscalation.objects.get(pk=self.escalations[which % len(self.escalations)])
        social_worker = self.practitioners[2]
        attempt(
            services.escalation_decide,
            actor=social_worker,
            escalation=escalation,
            outcome=outcome,
            decided_by=social_worker,
            decided_at=timezone.now(),
            note="Decided",
        )

    @rule(child=child_index, user=st.integers(0, 10))
    def break_glass(self, child, user):
        grant = attempt(
            services.emergency_access_grant,
            actor=self.users[user],
            child=self.child(child),
            reason="Brought into A&E",
        )
        if grant is not None:
            self.emergencies.append(grant.pk)

    @precondition(lambda self: self.emergencies)
    @rule(which=st.integers(0, 20), sweep=st.booleans())
    def an_emergency_access_runs_out(self, which, sweep):
        EmergencyAccess.objects.filter(pk=self.emergencies[which % len(self.emergencies)]).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        if sweep:
            services.emergency_access_sweep()

    # --- Memberships (not an input of the table, but of who reads it) -----------------------------------

    @rule(user=st.integers(0, 10), agency=agency_index, join=st.booleans())
    def join_or_leave_an_agency(self, user, agency, join):
        user, agency = self.users[user], self.agencies[agency]
        membership = Membership.objects.current().filter(user=user, agency=agency).first()
        if join and membership is None:
            agency_services.membership_add(actor=None, agency=agency, email=user.email)
        elif not join and membership is not None:
            attempt(agency_services.membership_end, actor=None, membership=membership)

    # --- After every step: the table's answers are the rule's ---------------------------------------------

    @invariant()
    def the_tables_answers_are_the_rules(self):
        # Row by row first: a service that forgot to refresh shows here at once, whoever reads the child.
        assert access.coverage_differences() == []
        # Then what the pages read, for two readers in turn at each step (every reader every few steps; all
        # of them after every step would take five times as long for little more).
        self.steps += 1
        readers = [self.readers[(2 * self.steps + i) % len(self.readers)] for i in range(2)]
        children = [Child.objects.get(pk=c.pk) for c in self.children]
        for child in children:
            table = set(access.agencies_that_may_hold_actions(child).values_list("pk", flat=True))
            oracle = set(
                access.coverage._involvements_covered(Level.BASIC)
                .filter(child=child)
                .values_list("agency_id", flat=True)
            )
            assert table == oracle, child
        for user in readers:
            for level, emergency in ((Level.BASIC, True), (Level.ADDITIONAL, True), (Level.BASIC, False)):
                table = set(access.children_visible_to(user, level, emergency).values_list("pk", flat=True))
                oracle = set(access.children_visible_from_scratch(user, level, emergency).values_list("pk", flat=True))
                assert table == oracle, (user, level, emergency)
            named = get_objects_for_user(
                user,
                "children.view_child_named",
                klass=access.children_visible_from_scratch(user, include_emergency=False),
                accept_global_perms=False,
                with_superuser=False,
            )
            assert list(access.children_named_for(user)) == list(named.order_by("last_name", "first_name", "pk"))
            for child in children:
                table, oracle = access.child_access(user, child), access.child_access_from_scratch(user, child)
                assert (table.level, table.may_edit, table.emergency, table.is_lead, table.is_involved_manager) == (
                    oracle.level,
                    oracle.may_edit,
                    oracle.emergency,
                    oracle.is_lead,
                    oracle.is_involved_manager,
                ), (user, child)


def test_the_coverage_table_gives_the_rules_answers_after_any_sequence_of_services():
    run_state_machine_as_test(
        CoverageMachine,
        settings=settings(
            max_examples=int(os.environ.get("TAC_COVERAGE_EXAMPLES", 10)),
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
