"""The receiving agency's inbox: tabs, order, filters and pages, so no referral is ever out of reach."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals import views

pytestmark = pytest.mark.django_db


def _rows(body: str) -> int:
    return body.count('<tr class="govuk-table__row">') - 1  # less the header row


def test_every_referral_in_a_tab_can_be_reached_page_by_page(client_for, send, camhs, receiving_member, monkeypatch):
    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    for _ in range(5):
        send(urgency="urgent")
    client = client_for(receiving_member)
    url = f"/referrals/inbox/?agency={camhs.pk}&tab=awaiting&urgency=urgent"
    first = client.get(url).content.decode()
    assert _rows(first) == 2 and "Awaiting response (5)" in first
    # The next page keeps the agency, the tab and the filter.
    assert f'href="?agency={camhs.pk}&amp;tab=awaiting&amp;urgency=urgent&amp;page=2" rel="next"' in first
    third = client.get(url + "&page=3").content.decode()
    assert _rows(third) == 1 and 'rel="prev"' in third and 'rel="next"' not in third
    assert _rows(client.get(url + "&page=40").content.decode()) == 1  # past the end: the last page

    with CaptureQueriesContext(connection) as captured:
        client.get(url + "&page=2")
    assert not [q for q in captured if "COUNT(*)" in q["sql"].upper() and "LIMIT" in q["sql"].upper()]


def test_closed_referrals_are_listed_most_recent_first(client_for, referral_in, camhs, receiving_member):
    older = referral_in("declined")
    newer = referral_in("completed")
    body = client_for(receiving_member).get(f"/referrals/inbox/?agency={camhs.pk}&tab=closed").content.decode()
    assert "Most recently sent first" in body
    assert body.index(f"/referrals/{newer.pk}/") < body.index(f"/referrals/{older.pk}/")


@pytest.mark.parametrize("persona_name", ["outsider", "third_agency_practitioner"])
def test_someone_outside_the_receiving_agency_cannot_open_its_inbox(client_for, send, camhs, persona, persona_name):
    send()
    body = client_for(persona(persona_name)).get(f"/referrals/inbox/?agency={camhs.pk}").content.decode()
    assert camhs.name not in body and "Keziah" not in body and "No referrals here." in body
