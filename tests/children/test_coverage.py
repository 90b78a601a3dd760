"""The coverage table: every service keeps it in step with the rule, the migration fills it, and
`manage.py coverage` rebuilds and verifies it (after a restore)."""

import importlib
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies import access
from agencies.access import Level
from agencies.models import Agency, Membership
from children import services
from children.models import Consent, Coverage
from referrals import services as referral_services

from ..factories import AgencyFactory, member_of
from .form_data import consent_fields

pytestmark = pytest.mark.django_db


def rows(child):
    return set(Coverage.objects.filter(child=child).values_list("agency__name", "why", "level"))


def in_step():
    assert access.coverage_differences() == []
    return True


@pytest.fixture
def social_care(db):
    return AgencyFactory(name="Northfield Children's Social Care", kind=Agency.Kind.SOCIAL_CARE)


@pytest.fixture
def camhs(db):
    return AgencyFactory(name="Northfield CAMHS", kind=Agency.Kind.CAMHS)


def test_every_service_that_changes_who_is_covered_keeps_the_table_in_step(
    child, health_visiting, school, housing, camhs, social_care, lead_professional, hv_manager, teacher
):
    # Keziah: opened by health visiting, the school and housing in the team, consent excluding housing.
    assert rows(child) == {
        (health_visiting.name, "own", 2),
        (health_visiting.name, "consent", 2),
        (school.name, "consent", 2),
        (housing.name, "consent", 1),
    }
    camhs_manager = member_of(camhs, Membership.Role.MANAGER)
    social_worker = member_of(social_care, Membership.Role.MANAGER)

    services.involvement_add(actor=lead_professional, child=child, agency=camhs, role="Therapy")
    assert in_step() and (camhs.name, "consent", 2) not in rows(child)  # joined after consent was given
    services.consent_confirm_for_agency(
        actor=lead_professional,
        child=child,
        agency=camhs,
        agreed_by_name="Jade",
        agreed_on=timezone.localdate(),
        method="verbal",
    )
    assert in_step() and (camhs.name, "consent", 2) in rows(child)

    services.disclosure_record(
        actor=hv_manager,
        child=child,
        shared_with=housing,
        scope="additional",
        what="Needs",
        purpose="Safety",
        basis="override",
        lawful_basis="Children Act 1989 s47",
        reason="Risk of harm",
    )
    assert in_step() and (housing.name, "override", 2) in rows(child)

    referral = referral_services.referral_send(
        actor=hv_manager,
        child=child,
        from_agency=health_visiting,
        to_agency=social_care,
        reason="Support",
        basis="override",
        lawful_basis="Children Act 1989",
        override_reason="Risk",
    )
    assert in_step() and (social_care.name, "referral", 1) in rows(child)
    referral_services.referral_withdraw(actor=hv_manager, referral=referral)
    assert in_step() and (social_care.name, "referral", 1) not in rows(child)
    referral = referral_services.referral_send(
        actor=hv_manager,
        child=child,
        from_agency=health_visiting,
        to_agency=social_care,
        reason="Support",
        basis="override",
        lawful_basis="Children Act 1989",
        override_reason="Risk",
    )
    onward = referral_services.referral_redirect(
        actor=social_worker, referral=referral, to_agency=camhs, reason="Better placed"
    )
    assert in_step() and (social_care.name, "referral", 1) not in rows(child)
    referral_services.referral_decline(actor=camhs_manager, referral=onward, reason="Already in the team")
    assert in_step()

    escalation = services.escalation_record(
        actor=teacher,
        child=child,
        concern="A bruise",
        contacted_at=timezone.now() - timedelta(hours=1),
        contacted_whom="Duty social worker",
    )
    assert in_step() and (social_care.name, "escalation", 1) in rows(child)
    services.escalation_decide(
        actor=social_worker,
        escalation=escalation,
        outcome="assessment_s17",
        decided_by=social_worker,
        decided_at=timezone.now(),
        note="Assessment",
    )
    assert in_step() and (social_care.name, "escalation", 1) not in rows(child)

    referral = referral_services.referral_send(
        actor=hv_manager,
        child=child,
        from_agency=health_visiting,
        to_agency=social_care,
        reason="Support",
        basis="override",
        lawful_basis="Children Act 1989",
        override_reason="Risk",
    )
    referral_services.referral_accept(actor=social_worker, referral=referral)
    assert in_step() and (social_care.name, "override", 1) in rows(child)  # joined the team, on the override
    referral_services.referral_complete(actor=social_worker, referral=referral, outcome="Done")
    assert in_step()

    involvement = child.involvements.get(agency=school, ended_on__isnull=True)
    services.involvement_end(actor=teacher, involvement=involvement, reason="Left the school")
    assert in_step() and not {r for r in rows(child) if r[0] == school.name}

    services.consent_withdraw(
        actor=lead_professional, consent=child.current_consent, withdrawn_on=timezone.localdate(), reason="No"
    )
    assert in_step() and (camhs.name, "consent", 2) not in rows(child)
    assert (health_visiting.name, "own", 2) in rows(child)  # the record stays its own
    services.consent_record(actor=lead_professional, child=child, **consent_fields(scope=Consent.Scope.BASIC))
    assert in_step() and (camhs.name, "consent", 1) in rows(child)

    other = services.child_create(actor=teacher, first_name="Lily", last_name="Carter")
    assert in_step() and rows(other) == {(school.name, "own", 2)}


def test_verify_finds_a_table_out_of_step_and_rebuild_puts_it_right(child, school, capsys):
    call_command("coverage", "--verify")
    assert "agrees with the access rule" in capsys.readouterr().out

    Coverage.objects.filter(child=child, agency=school).delete()
    Coverage.objects.filter(child=child, why="own").update(level=1)
    with pytest.raises(CommandError, match="differs from the access rule in 2 rows"):
        call_command("coverage", "--verify")
    assert f"child {child.pk}, consent: the table has no row, the rule gives 2" in capsys.readouterr().err
    assert not access.children_visible_to(member_of(school), Level.BASIC).filter(pk=child.pk).exists()

    call_command("coverage", "--rebuild")
    assert "Rebuilt the coverage table: 4 rows" in capsys.readouterr().out
    assert access.coverage_differences() == []
    assert access.children_visible_to(member_of(school), Level.BASIC).filter(pk=child.pk).exists()


def test_a_service_that_forgot_to_refresh_would_be_found(child, health_visiting, hv_manager, monkeypatch):
    """What the differential test relies on: a missing refresh leaves the table out of step with the rule."""
    housing_options = AgencyFactory(name="Housing Options", kind=Agency.Kind.HOUSING)
    monkeypatch.setattr(access, "refresh_coverage", lambda child_ids: None)
    referral_services.referral_send(
        actor=hv_manager,
        child=child,
        from_agency=health_visiting,
        to_agency=housing_options,
        reason="Rehousing",
        basis="override",
        lawful_basis="Housing Act 1996",
        override_reason="Risk",
    )
    assert access.coverage_differences() == [(housing_options.pk, child.pk, "referral", None, 1)]
    with pytest.raises(CommandError):
        call_command("coverage", "--verify")


def test_the_migration_fills_the_table_as_the_rule_does(child, school, hv_manager, social_care):
    services.disclosure_record(
        actor=hv_manager,
        child=child,
        shared_with=school,
        scope="basic",
        what="Contact",
        purpose="Safety",
        basis="override",
        lawful_basis="Children Act 1989",
        reason="Risk",
    )
    services.escalation_record(
        actor=hv_manager,
        child=child,
        concern="A bruise",
        contacted_at=timezone.now() - timedelta(hours=1),
        contacted_whom="Duty social worker",
    )
    before = set(Coverage.objects.values_list("agency_id", "child_id", "why", "level"))
    migration = importlib.import_module("children.migrations.0004_coverage")
    Coverage.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
    assert set(Coverage.objects.values_list("agency_id", "child_id", "why", "level")) == before
    assert access.coverage_differences() == []


def test_a_refresh_with_nothing_changed_writes_nothing(child):
    with CaptureQueriesContext(connection) as captured:
        access.refresh_coverage([child.pk])
    writes = [q["sql"] for q in captured if q["sql"].startswith(("INSERT", "DELETE", "UPDATE"))]
    assert writes == []
