"""No answer is ever dropped: every form page of the product, opened on rich data and submitted exactly as
rendered, changes nothing.

Every named URL of the product must be listed below, either as a page that edits something that exists
(`EDIT_PAGES`, submitted unchanged), a page that makes something new (`NEW_PAGES`, whose multi-choice
questions must render as checkboxes) or a page with no form of stored answers (`NOT_FORM_PAGES`, with the
reason). A new URL fails `test_every_url_is_classified` until someone says which it is.
"""

import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from simple_history.models import HistoricalChanges

from caf.models import Element
from caf.sections import SECTIONS
from children.models import FamilyMember
from directory.models import Contact, DirectoryEntry, OpeningTime, PractitionerProfile, Service, ServiceLocation

from .forms_html import rendered_forms
from .forms_world import HEAD, HEALTH_VISITOR, SENCO, TEACHER, _user

# Where the product's stored answers live; audit trails and sessions are allowed to grow when a page is read.
APPS = ("agencies", "children", "caf", "directory", "referrals")
NOT_ANSWERS = {
    "agencies.signinevent",
    "agencies.pendingsubmission",
    "children.accessevent",
}


def _names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin" or (entry.app_name == "admin"):
                continue
            yield from _names(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name


def _service(world):
    return Service.objects.filter(agency=world["school"]).first() or Service.objects.first()


# Each page: who opens it, and where. The user may edit the thing (they are the page's intended user).
EDIT_PAGES: dict[str, Callable] = {
    "profile": lambda w: (TEACHER, reverse("profile")),
    "agency-edit": lambda w: (HEAD, reverse("agency-edit", args=[w["school"].pk])),
    "member-change-role": lambda w: (
        HEAD,
        reverse(
            "member-change-role",
            args=[w["school"].pk, w["school"].memberships.get(user__email=TEACHER, ended_on__isnull=True).pk],
        ),
    ),
    "child-edit": lambda w: (HEALTH_VISITOR, reverse("child-edit", args=[w["wayne"].pk])),
    "family-member-edit": lambda w: (
        HEALTH_VISITOR,
        reverse("family-member-edit", args=[w["wayne"].pk, FamilyMember.objects.filter(child=w["wayne"]).first().pk]),
    ),
    "caf-section": lambda w: [
        (TEACHER, reverse("caf-section", args=[w["caf"].pk, s.key])) for s in SECTIONS if s.key != "strengths-needs"
    ],
    "caf-element": lambda w: [
        (TEACHER, reverse("caf-element", args=[w["caf"].pk, e.code])) for e in Element.objects.all()
    ],
    "caf-action-edit": lambda w: [
        (HEALTH_VISITOR, reverse("caf-action-edit", args=[w["caf"].pk, a.pk])) for a in w["caf"].actions.all()
    ],
    "directory-practitioner-profile": lambda w: [
        (p.user.email, reverse("directory-practitioner-profile")) for p in PractitionerProfile.objects.all()
    ],
    "directory-agency-edit": lambda w: (HEAD, reverse("directory-agency-edit", args=[w["school"].pk])),
    "directory-agency-times": lambda w: (HEAD, reverse("directory-agency-times", args=[w["school"].pk])),
    "directory-service-edit": lambda w: [
        (
            s.agency.memberships.filter(role="manager", ended_on__isnull=True).first().user.email,
            reverse("directory-service-edit", args=[s.pk]),
        )
        for s in Service.objects.all()
    ],
    "directory-service-location-edit": lambda w: [
        (
            link.service.agency.memberships.filter(role="manager", ended_on__isnull=True).first().user.email,
            reverse("directory-service-location-edit", args=[link.service_id, link.pk]),
        )
        for link in ServiceLocation.objects.select_related("service__agency")
    ],
    "directory-service-contact-edit": lambda w: [
        (
            c.service.agency.memberships.filter(role="manager", ended_on__isnull=True).first().user.email,
            reverse("directory-service-contact-edit", args=[c.service_id, c.pk]),
        )
        for c in Contact.objects.select_related("service__agency")[:4]
    ],
    "directory-service-schedule-edit": lambda w: [
        (
            row.service.agency.memberships.filter(role="manager", ended_on__isnull=True).first().user.email,
            reverse("directory-service-schedule-edit", args=[row.service_id, row.pk]),
        )
        # The sessions with dates (fortnightly, and monthly on a date); the world's others are on the service page.
        for row in OpeningTime.objects.filter(
            service=_service(w), service_location=None, valid_from__isnull=False
        ).select_related("service__agency")
    ],
    "notification-preferences": lambda w: (TEACHER, reverse("notification-preferences")),
    "directory-edit": lambda w: (SENCO, reverse("directory-edit", args=[w["school"].directory.pk])),
    "directory-entry-edit": lambda w: [
        (SENCO, reverse("directory-entry-edit", args=[e.directory_id, e.pk]))
        for e in DirectoryEntry.objects.filter(directory=w["school"].directory)
    ],
}

# Fields a rich record still leaves empty because they apply to another kind of record.
NOT_APPLICABLE = {
    # Wayne is born: the unborn baby's mother and expected date of delivery do not apply.
    "child-edit": {"unborn_mother_name", "expected_date_of_delivery"},
    # A session is either on a date of the month or every few weeks from a first date, never both.
    "directory-service-schedule-edit": {"day_of_month", "starts_on"},
}

# Pages that make a new record: there is nothing stored to drop, but every multi-choice question must
# still let the practitioner choose more than one (checked in test_multi_choice_renders_as_checkboxes).
NEW_PAGES: dict[str, Callable] = {
    "child-create": lambda w: (HEALTH_VISITOR, reverse("child-create")),
    "family-member-add": lambda w: (HEALTH_VISITOR, reverse("family-member-add", args=[w["wayne"].pk])),
    "involvement-add": lambda w: (HEALTH_VISITOR, reverse("involvement-add", args=[w["wayne"].pk])),
    "lead-professional-choose": lambda w: (
        HEALTH_VISITOR,
        reverse("lead-professional-choose", args=[w["wayne"].pk]),
    ),
    "consent-new": lambda w: (HEALTH_VISITOR, reverse("consent-new", args=[w["wayne"].pk])),
    "disclosure-new": lambda w: (HEALTH_VISITOR, reverse("disclosure-new", args=[w["wayne"].pk])),
    "escalation-new": lambda w: (HEALTH_VISITOR, reverse("escalation-new", args=[w["wayne"].pk])),
    "caf-action-new": lambda w: (HEALTH_VISITOR, reverse("caf-action-new", args=[w["caf"].pk])),
    "action-detail": lambda w: (HEALTH_VISITOR, reverse("action-detail", args=[w["caf"].actions.first().pk])),
    "caf-review-new": lambda w: (HEALTH_VISITOR, reverse("caf-review-new", args=[w["caf"].pk])),
    "referral-new": lambda w: (HEALTH_VISITOR, reverse("referral-new", args=[w["wayne"].pk])),
    "member-add": lambda w: (HEAD, reverse("member-add", args=[w["school"].pk])),
    "directory-service-add": lambda w: (HEAD, reverse("directory-service-add", args=[w["school"].pk])),
    "directory-section-add": lambda w: (SENCO, reverse("directory-section-add", args=[w["school"].directory.pk])),
    "directory-service-location-add": lambda w: [
        (
            s.agency.memberships.filter(role="manager", ended_on__isnull=True).first().user.email,
            reverse("directory-service-location-add", args=[s.pk]),
        )
        for s in Service.objects.all()[:1]
    ],
    "directory-service-contact-add": lambda w: (
        _service(w).agency.memberships.filter(role="manager", ended_on__isnull=True).first().user.email,
        reverse("directory-service-contact-add", args=[_service(w).pk]),
    ),
    "directory-service-schedule-add": lambda w: (
        _service(w).agency.memberships.filter(role="manager", ended_on__isnull=True).first().user.email,
        reverse("directory-service-schedule-add", args=[_service(w).pk]),
    ),
    "directory-imports": lambda w: (SENCO, reverse("directory-imports", args=[w["school"].pk])),
    "directory-entry-add": lambda w: [
        (SENCO, reverse("directory-entry-add", args=[w["school"].directory.pk, kind]))
        for kind in ("agency", "service", "practitioner")
    ],
}

NOT_FORM_PAGES = {
    # Pages that only show things, or filter them (GET forms change nothing).
    "home": "shows the user's work",
    "signed-out": "a message",
    "sessions": "a list of the user's sessions; its buttons are POST-only actions that end one",
    "agency-list": "a list",
    "agency-detail": "shows an agency; its buttons are POST-only actions",
    "agency-history": "a history",
    "child-list": "a list",
    "child-search": "a search: nothing is stored",
    "child-detail": "shows the record",
    "child-viewers": "a list of viewers",
    "child-history": "a history",
    "caf-task-list": "a list of sections",
    "caf-strengths-needs": "a list of elements",
    "caf-versions": "a list of versions",
    "caf-plan": "shows the plan",
    "caf-action-progress": "the older address of an action's progress: redirects to action-detail",
    "caf-pdf-status": "shows a job",
    "caf-pdf-status-fragment": "part of the status page",
    "caf-pdf-download": "a file",
    "directory-pdf": "a file",
    "directory-pdf-download": "a file",
    "referral-inbox": "a list with a GET filter",
    "referral-sent": "a list",
    "referral-notifications": "redirects to the notifications list",
    "notifications": "a list",
    "action-queue": "a list",
    "escalation-queue": "a list",
    "referral-measures": "figures",
    "referral-detail": "shows a referral; its answers are made on referral-answer",
    "directory-home": "a list",
    "directory-agency": "shows a sheet",
    "directory-agency-history": "a history",
    "directory-draft": "shows a draft",
    "directory-history": "a history",
    "directory-public": "the public directory, with a GET filter",
    "directory-public-version": "the public directory, with a GET filter",
    # Signing in and passwords: nothing stored is shown in them.
    "sign-in": "credentials, never prefilled",
    "sign-out": "a POST-only action",
    "password_reset": "an email address, never stored",
    "password_reset_done": "a message",
    "password_reset_confirm": "a new password, never prefilled",
    "password_reset_complete": "a message",
    "password-change": "passwords, never prefilled",
    # Buttons and decisions: each makes one new fact (a state change) and shows no stored answers.
    "session-keep-alive": "a POST-only action",
    "member-end": "a decision to end a membership",
    "family-member-remove": "a decision to remove someone",
    "involvement-end": "a decision to end an involvement, with its reason",
    "consent-withdraw": "a decision to withdraw, with its reason",
    "escalation-decide": "social care's decision, made once",
    "emergency-access": "a POST-only request",
    "caf-start": "a POST-only action on a confirmation page",
    "caf-section-autosave": "a POST-only save of the section page, covered there",
    "caf-element-autosave": "a POST-only save of the element page, covered there",
    "caf-check-answers": "a decision to complete the CAF",
    "caf-revise": "a POST-only action",
    "caf-close": "a decision to close the CAF",
    "caf-pdf-request": "a POST-only action",
    "notifications-read": "a POST-only action",
    "notification-open": "marks a notification read and redirects to its thing",
    "handover-note-read": "a POST-only action",
    "handover-note-new": "a new note, written once; no stored answers are shown",
    "consent-confirm": "a decision: the family's consent confirmed for one agency, recorded once",
    "action-assign": "a decision: the action given to one named member",
    "emergency-access-by-id": "the old address, answering 404 whatever the id",
    "referral-answer": "a decision on a referral, made once",
    "directory-agency-confirm": "a POST-only action",
    "directory-service-confirm": "a POST-only action",
    "directory-start": "makes the directory (once per setting)",
    "directory-entry-remove": "a decision to remove an entry",
    "directory-service-location-remove": "a decision to remove a place",
    "directory-service-contact-remove": "a decision to remove a contact",
    "directory-service-schedule-remove": "a decision to remove a service's times",
    "directory-import": "shows an import's progress and report",
    "directory-publish": "a decision to publish",
}

# Names from other URL modules that are not the product's pages (the Open Referral API is JSON).
API_PREFIXES = ("openreferral",)


def _classified(name: str) -> bool:
    return name in EDIT_PAGES or name in NEW_PAGES or name in NOT_FORM_PAGES or name.startswith(API_PREFIXES)


def test_every_url_is_classified():
    names = set(_names())
    unclassified = sorted(n for n in names if not _classified(n))
    assert unclassified == [], f"Say which kind of page each of these is (edit, new or not a form): {unclassified}"
    listed = set(EDIT_PAGES) | set(NEW_PAGES) | set(NOT_FORM_PAGES)
    assert sorted(listed - names) == [], "These are listed but no longer exist"


# --- The snapshot of every stored answer -------------------------------------------------------------


def _answer_models():
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in APPS or label in NOT_ANSWERS:
            continue
        if issubclass(model, HistoricalChanges) or model.__name__.startswith("Historical"):
            continue
        yield model


def _history_models():
    return [m for m in apps.get_models() if m.__name__.startswith("Historical")]


def snapshot() -> dict:
    rows = {}
    for model in _answer_models():
        m2m = [f.name for f in model._meta.many_to_many]
        for obj in model.objects.all().prefetch_related(*m2m):
            values = model_to_dict(obj, fields=[f.name for f in model._meta.concrete_fields])
            for name in m2m:
                values[name] = sorted(o.pk for o in getattr(obj, name).all())
            rows[(model._meta.label, obj.pk)] = values
    return rows


def history_counts() -> dict:
    return {m._meta.label: m.objects.count() for m in _history_models()}


def _difference(before: dict, after: dict) -> list[str]:
    lines = []
    for key in sorted(set(before) | set(after), key=str):
        if key not in after:
            lines.append(f"{key} deleted")
        elif key not in before:
            lines.append(f"{key} created: {after[key]}")
        elif before[key] != after[key]:
            changed = {
                f: (before[key].get(f), after[key].get(f))
                for f in after[key]
                if before[key].get(f) != after[key].get(f)
            }
            lines.append(f"{key} changed: {changed}")
    return lines


def _cases(table, world):
    for name, make in table.items():
        made = make(world)
        for user, url in made if isinstance(made, list) else [made]:
            yield name, user, url


def _page_form(html: str, url: str):
    """The page's own form: posted to the page itself (the header's sign-out form is not it)."""
    candidates = [f for f in rendered_forms(html) if f.method == "post" and f.action in ("", url)]
    assert candidates, f"{url} has no form posting to itself"
    return candidates[0]


def _multi_choice_fields(form) -> list[str]:
    multiple = forms.MultipleChoiceField | forms.ModelMultipleChoiceField
    return [form.add_prefix(n) for n, f in form.fields.items() if isinstance(f, multiple)]


@pytest.mark.django_db
def test_every_edit_page_submitted_as_rendered_changes_nothing(world, client):
    failures = []
    for name, email, url in _cases(EDIT_PAGES, world):
        client.force_login(_user(email))
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        rendered = _page_form(response.content.decode(), url)
        django_form = response.context["form"]
        for field_name in _multi_choice_fields(django_form):
            ticked = [c for c in rendered.checkable(field_name) if c.checked]
            if len(ticked) < 2:
                failures.append(f"{name} {url}: {field_name} shows {len(ticked)} ticked; the data has several")
        before, history_before = snapshot(), history_counts()
        empty = [
            c.name
            for c in rendered.controls
            if c.tag in ("input", "textarea") and c.type not in ("checkbox", "radio", "hidden") and not c.value.strip()
        ]
        empty = [n for n in empty if n.rstrip("_012") not in NOT_APPLICABLE.get(name, ())]
        if empty:
            failures.append(f"{name} {url}: the world leaves {empty} empty; fill every optional field")
        response = client.post(url, urlencode(rendered.submission()), content_type="application/x-www-form-urlencoded")
        if response.status_code != 302:
            errors = response.context["form"].errors if response.context and "form" in response.context else ""
            failures.append(f"{name} {url}: submitting it unchanged answered {response.status_code} {errors}")
            continue
        changed = _difference(before, snapshot())
        history_after = history_counts()
        new_history = {k: history_after[k] - v for k, v in history_before.items() if history_after[k] != v}
        if changed or new_history:
            failures.append(f"{name} {url}: changed {changed} and wrote history {new_history}")
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_every_form_page_offers_checkboxes_for_multi_choice_and_states_each_limit_once(world, client):
    failures = []
    seen = 0
    for name, email, url in [*_cases(EDIT_PAGES, world), *_cases(NEW_PAGES, world)]:
        client.force_login(_user(email))
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        html = response.content.decode()
        rendered = _page_form(html, url)
        for hint in re.findall(r'class="govuk-hint[^"]*">(.*?)</div>', html, flags=re.S):
            if hint.count("You can enter up to") > 1:
                failures.append(f"{name} {url}: a hint states its character limit twice: {hint.strip()}")
        django_form = response.context["form"]
        for field_name in _multi_choice_fields(django_form):
            seen += 1
            kinds = {c.type for c in rendered.checkable(field_name)}
            if kinds != {"checkbox"}:
                failures.append(f"{name} {url}: {field_name} renders as {kinds or 'nothing'}, not checkboxes")
    assert failures == [], "\n".join(failures)
    assert seen >= 7, "the consent, review, sheet, service and practitioner forms' multi-choice fields were checked"
