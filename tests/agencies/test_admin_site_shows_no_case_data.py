"""The administration site never renders case data, on any page, and grants only ever follow memberships.

The class test walks every registered model's pages (the list, each object's change, delete and
history pages, each historical version and the "delete selected" confirmation) with the Carter demo
loaded, and asserts that no child's name or reference, no family member and no text written about a
child appears. Models registered later are walked too: nothing here names them.
"""

from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.urls import NoReverseMatch, reverse

from agencies.models import Agency, Membership, User

from ..factories import AgencyFactory, member_of

pytestmark = pytest.mark.django_db

CASE_APPS = ("children", "caf", "referrals")
# Reference data in the case apps (the national wording of the CAF's elements), not about any child.
REFERENCE_DATA = {"caf.Element"}
# Per-object pages walked for each model; the list page shows the rest.
OBJECTS_PER_MODEL = 12


def case_texts() -> set[str]:
    """Every name, reference and piece of free text held about children, from every case-data model."""
    texts = set()
    for model in apps.get_models():
        if model._meta.app_label not in CASE_APPS or model.__name__.startswith("Historical"):
            continue
        if model._meta.label in REFERENCE_DATA:
            continue
        text_fields = [f for f in model._meta.get_fields() if isinstance(f, models.TextField)]
        for obj in model.objects.all():
            for field in text_fields:
                value = getattr(obj, field.name) or ""
                for line in value.splitlines():
                    if len(line.strip()) >= 20:
                        texts.add(line.strip()[:60])
            data = getattr(obj, "data", None)  # a CAF section's answers
            if isinstance(data, dict):
                for value in data.values():
                    if isinstance(value, str) and len(value) >= 20:
                        texts.add(value.splitlines()[0][:60])
    from caf.models import Action
    from children.models import Child, FamilyMember

    for child in Child.objects.all():
        texts.update({child.display_name, child.reference})
    texts.update(FamilyMember.objects.values_list("name", flat=True))
    texts.update(what[:60] for what in Action.objects.values_list("what", flat=True))
    return {t for t in texts if t}


def admin_pages(model, model_admin):
    """The URLs of every page the admin site serves for this model, with objects of the demo."""
    info = (model._meta.app_label, model._meta.model_name)
    yield reverse("admin:{}_{}_changelist".format(*info))
    try:
        yield reverse("admin:{}_{}_add".format(*info))
    except NoReverseMatch:
        pass
    for obj in model.objects.order_by("pk")[:OBJECTS_PER_MODEL]:
        for page in ("change", "delete", "history"):
            try:
                yield reverse(f"admin:{info[0]}_{info[1]}_{page}", args=[obj.pk])
            except NoReverseMatch:
                pass
        history = getattr(obj, "history", None)
        if history is not None and hasattr(history, "all"):
            for record in history.all()[:3]:
                try:
                    yield reverse(f"admin:{info[0]}_{info[1]}_simple_history", args=[obj.pk, record.history_id])
                except NoReverseMatch:
                    pass


@pytest.fixture
def demo(db):
    call_command("load_demo_data", stdout=open("/dev/null", "w"))
    return User.objects.get(email="admin@team-around-the-child.example.org")


def test_no_admin_page_shows_case_data(client, demo):
    texts = case_texts()
    assert any("Carter" in t for t in texts) and len(texts) > 20  # the demo's case data is really there
    client.force_login(demo)
    walked = 0
    for model, model_admin in admin.site._registry.items():
        for url in admin_pages(model, model_admin):
            response = client.get(url)
            walked += 1
            assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
            body = response.content.decode()
            leaked = sorted(t for t in texts if t in body)
            assert not leaked, (url, leaked[:5])
        # The "delete selected" action's confirmation lists related objects too.
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True)[:OBJECTS_PER_MODEL])
        if pks:
            info = (model._meta.app_label, model._meta.model_name)
            response = client.post(
                reverse("admin:{}_{}_changelist".format(*info)),
                {"action": "delete_selected", "_selected_action": pks},
            )
            assert response.status_code in (200, 302, 403), model
            body = response.content.decode()
            assert not [t for t in texts if t in body], model
    assert walked > 50
    assert client.get(reverse("admin:index")).status_code == 200


def test_deleting_what_case_data_depends_on_is_not_offered_deactivating_is(client, demo):
    client.force_login(demo)
    school = Agency.objects.get(name="Riverside Primary School")
    person = Membership.objects.current().filter(agency=school).first().user
    for url in (
        reverse("admin:agencies_agency_delete", args=[school.pk]),
        reverse("admin:agencies_user_delete", args=[person.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert Agency.objects.filter(pk=school.pk).exists() and User.objects.filter(pk=person.pk).exists()
    change = client.get(reverse("admin:agencies_agency_change", args=[school.pk])).content.decode()
    assert 'name="is_active"' in change


# --- Grants follow memberships only ---------------------------------------------------------------


@pytest.fixture
def school(db):
    return AgencyFactory(name="Riverside Primary School")


@pytest.fixture
def head(school):
    return member_of(school, Membership.Role.MANAGER, full_name="Harriet Head")


def test_there_is_no_object_permissions_page_for_agencies(client, platform_admin, school):
    client.force_login(platform_admin)
    change = client.get(reverse("admin:agencies_agency_change", args=[school.pk]))
    assert change.status_code == 200
    assert "permissions/" not in change.content.decode()
    # The old guardian page's address now only leads back to the admin site's own pages.
    followed = client.get(f"/admin/agencies/agency/{school.pk}/permissions/", follow=True)
    assert "Object permissions" not in followed.content.decode()
    assert "permissions/user-manage" not in followed.content.decode()
    with pytest.raises(NoReverseMatch):
        reverse("admin:agencies_agency_permissions", args=[school.pk])


def test_groups_are_not_edited_in_the_admin_site(client, platform_admin):
    client.force_login(platform_admin)
    response = client.get("/admin/auth/group/")
    assert response.status_code == 404, response.get("Location")


def test_an_administrator_cannot_give_himself_a_membership(client, platform_admin, school, head):
    client.force_login(platform_admin)
    response = client.post(
        reverse("admin:agencies_membership_add"),
        {"user": platform_admin.pk, "agency": school.pk, "role": "manager", "started_on": date.today().isoformat()},
    )
    assert response.status_code == 200
    assert "You cannot add or change your own membership" in response.content.decode()
    assert not Membership.objects.filter(user=platform_admin).exists()
    from agencies import access

    assert not access.agencies_managed_by(platform_admin).exists()


def test_an_administrator_cannot_change_his_own_membership(client, platform_admin, school, head):
    own = Membership.objects.create(agency=school, user=platform_admin, role=Membership.Role.PRACTITIONER)
    client.force_login(platform_admin)
    url = reverse("admin:agencies_membership_change", args=[own.pk])
    client.post(url, {"user": platform_admin.pk, "agency": school.pk, "role": "manager", "started_on": "2026-01-01"})
    own.refresh_from_db()
    assert own.role == Membership.Role.PRACTITIONER
    # Nor through the memberships listed on his own account.
    page = client.get(reverse("admin:agencies_user_change", args=[platform_admin.pk])).content.decode()
    assert 'name="memberships-0-role"' not in page


def test_a_membership_change_made_in_the_admin_is_shown_to_the_agencys_managers(
    client, platform_admin, school, head, outsider
):
    newcomer = member_of(AgencyFactory(name="Elsewhere"), full_name="Nina Newcomer")
    client.force_login(platform_admin)
    response = client.post(
        reverse("admin:agencies_membership_add"),
        {"user": newcomer.pk, "agency": school.pk, "role": "manager", "started_on": date.today().isoformat()},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The managers are notified, once, through the notification service.
    from agencies.models import Notification

    told = Notification.objects.get(user=head, event=Notification.Event.MEMBERSHIP_CHANGED)
    assert "Nina Newcomer" in told.text and "administration site" in told.text
    assert not Notification.objects.filter(user=outsider).exists()
    client.force_login(head)
    page = client.get(reverse("agency-detail", args=[school.pk])).content.decode()
    assert "Changes made in the administration site" in page
    assert "Nina Newcomer" in page and platform_admin.full_name in page
    # A practitioner who does not manage the agency is not shown the notice.
    client.force_login(outsider)
    page = client.get(reverse("agency-detail", args=[school.pk])).content.decode()
    assert "Changes made in the administration site" not in page
    # The outsider to the admin site itself: a practitioner gets no admin page.
    assert client.get(reverse("admin:agencies_membership_changelist")).status_code == 302
