"""The audit trail cannot be rewritten, not even by the application's own database role (ASVS 16.4).

Every history table and both event tables refuse UPDATE and DELETE at the database, tested on real
rows (the demo area's) as a role with every row privilege and as the superuser the suite connects as;
only the tables' owner could switch the triggers off, and the application's role is refused that too.
The admin site offers no change or delete on any of them.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from config import append_only

pytestmark = pytest.mark.django_db

PROBE_ROLE = "tac_audit_probe"


def expected_audit_models():
    """Worked out again here, independently of the module under test: every historical model and the two event logs."""
    models = [m for m in apps.get_models() if m.__name__.startswith("Historical") and hasattr(m, "history_id")]
    models += [apps.get_model("children", "AccessEvent"), apps.get_model("agencies", "SignInEvent")]
    return models


@pytest.fixture
def demo_area(db):
    call_command("load_demo_data", verbosity=0)


@pytest.fixture
def application_role(db):
    """A role like production's application role: every row privilege on every table, owner of none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {PROBE_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {PROBE_ROLE}")
    return PROBE_ROLE


def _refused(sql, role=None) -> str | None:
    """Run `sql` in a savepoint (as `role` if given); the database's refusal message, or None if it did it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if role:
                cursor.execute(f"SET LOCAL ROLE {role}")
            cursor.execute(sql)
            raise _Done
    except _Done:
        return None
    except DatabaseError as error:
        return str(error)


class _Done(Exception):
    """Raised to roll the savepoint back after a statement the database accepted."""


def _tables_with_rows():
    tables = []
    with connection.cursor() as cursor:
        for model in expected_audit_models():
            table = model._meta.db_table
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                tables.append((table, model._meta.pk.column))
    return tables


def test_every_history_table_and_event_log_carries_the_trigger():
    expected = {m._meta.db_table for m in expected_audit_models()}
    assert set(append_only.audit_tables()) == expected
    assert len(expected) > 30  # every simple_history table, the m2m ones included
    assert append_only.installed_tables() >= expected


def test_a_table_added_after_migrate_is_covered_by_the_next_migrate():
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER {append_only.TRIGGER} ON "children_accessevent"')
    assert "children_accessevent" not in append_only.installed_tables()
    call_command("migrate", verbosity=0)
    assert "children_accessevent" in append_only.installed_tables()


def test_update_and_delete_are_refused_on_every_audit_table_that_holds_rows(demo_area, application_role):
    tables = _tables_with_rows()
    assert len(tables) >= 20, tables  # the demo area touches most of the record; enough to mean something
    for table, pk in tables:
        for sql in (f'UPDATE "{table}" SET "{pk}" = "{pk}"', f'DELETE FROM "{table}"'):
            for role in (application_role, None):
                message = _refused(sql, role)
                assert message and "append-only" in message, (table, sql, role, message)


def test_inserting_still_works_as_the_application_role(demo_area, application_role):
    from agencies.models import SignInEvent

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {application_role}")
        before = SignInEvent.objects.count()
        SignInEvent.objects.create(kind=SignInEvent.Kind.FAILED, email="someone@example.org")
        assert SignInEvent.objects.count() == before + 1


def test_the_application_role_cannot_switch_the_triggers_off(application_role):
    for table in ("children_accessevent", "agencies_signinevent", "children_historicalchild"):
        message = _refused(f'ALTER TABLE "{table}" DISABLE TRIGGER {append_only.TRIGGER}', application_role)
        assert message and "owner" in message, (table, message)


def test_the_orm_cannot_edit_or_delete_an_access_event(demo_area):
    from agencies.models import User
    from children.models import AccessEvent, Child

    event = AccessEvent.objects.create(
        user=User.objects.get(email="health.visitor@northfield-health.example.org"),
        child=Child.objects.first(),
        action=AccessEvent.Action.VIEW,
        what="the record",
    )
    event.what = "something else"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.what == "the record"


def test_the_admin_site_offers_no_change_or_delete_on_audit_rows(rf, platform_admin):
    request = rf.get("/admin/")
    request.user = platform_admin
    audit = set(expected_audit_models())
    registered = [m for m in admin.site._registry if m in audit]
    for model in registered:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert not model_admin.has_add_permission(request), model


def test_an_administrator_posting_a_delete_of_a_sign_in_event_is_refused(client, platform_admin, demo_area):
    from agencies.models import SignInEvent

    event = SignInEvent.objects.create(kind=SignInEvent.Kind.FAILED, email="someone@example.org")
    client.force_login(platform_admin)
    response = client.post(f"/admin/agencies/signinevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert SignInEvent.objects.filter(pk=event.pk).exists()
