"""Two changes to one child in two transactions at once: the coverage table ends with what both give.

Each service runs in a thread with its own connection. Both make their change, then meet at a barrier
before refreshing the table, so each refresh starts while the other's change is not yet committed. The
refresh locks the child first, so the second waits for the first to commit and then reads both changes.
"""

import threading

import pytest
from django.db import connection

from agencies import access
from agencies.models import Agency
from children import services

from ..factories import AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agency_joining_while_an_override_names_it_is_covered(child, lead_professional, hv_manager, monkeypatch):
    camhs = AgencyFactory(name="Northfield CAMHS", kind=Agency.Kind.CAMHS)
    refresh = access.refresh_coverage
    barrier = threading.Barrier(2)

    def refresh_after_both_changed(child_ids):
        barrier.wait(timeout=30)
        refresh(child_ids)

    monkeypatch.setattr(access, "refresh_coverage", refresh_after_both_changed)
    errors = []

    def run(call):
        try:
            call()
        except Exception as error:  # the test reports whatever happened
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run,
            args=(
                lambda: services.involvement_add(actor=lead_professional, child=child, agency=camhs, role="Therapy"),
            ),
        ),
        threading.Thread(
            target=run,
            args=(
                lambda: services.disclosure_record(
                    actor=hv_manager,
                    child=child,
                    shared_with=camhs,
                    scope="additional",
                    what="Needs",
                    purpose="Safety",
                    basis="override",
                    lawful_basis="Children Act 1989 s47",
                    reason="Risk of harm",
                ),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a refresh never finished: a deadlock?"
    assert errors == []
    assert access.coverage_differences() == []
    assert child.coverage.filter(agency=camhs, why="override", level=2).exists()
