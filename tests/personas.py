"""The personas every test folder shares, and the Carter-style family with its team around the child.

One registry, built once per test (as zulip's `example_user`): `personas("lead_professional")` makes the
health visitor the first time a test asks and hands back the same user after, so the conftests' fixtures
(`lead_professional`, `team["lead"]`, `sender`…) are thin aliases that can be mixed in one test without
building anyone twice. Agencies are built through the factories (a membership's save keeps guardian grants
and groups in step); the family is built through the product's own services.

The casts differ where the folders' tests read different names; the agencies they share are one row each
(an agency's name is unique, so no test could ever have had two Riverside Primary Schools). See tests/README.md.
"""

from datetime import date, timedelta

from django.utils import timezone

from agencies.models import Agency, Membership
from children import services as child_services
from children.models import Consent, EmergencyAccess

from .children.form_data import consent_fields
from .factories import AgencyFactory, UserFactory, appoint_lead, member_of

PRACTITIONER, MANAGER, COORDINATOR = Membership.Role.PRACTITIONER, Membership.Role.MANAGER, Membership.Role.COORDINATOR

AGENCIES = {
    # Shared by every folder.
    "school": {"name": "Riverside Primary School", "kind": Agency.Kind.SCHOOL},
    "health_visiting": {"name": "Northfield Health Visiting Team", "kind": Agency.Kind.HEALTH_VISITING},
    "unrelated": {"name": "Faraway Youth Club", "kind": Agency.Kind.VOLUNTARY, "sector": Agency.Sector.VOLUNTARY},
    # The children folder's team around Keziah.
    "housing": {"name": "Northfield Housing Services", "kind": Agency.Kind.HOUSING},
    "emergency_department": {"name": "Northfield Hospital Emergency Department", "kind": Agency.Kind.OTHER},
    # The referrals folder's agencies.
    "camhs": {"name": "Northfield CAMHS", "kind": Agency.Kind.CAMHS, "email": "referrals@camhs.example.org"},
    "family_support": {
        "name": "Northfield Family Support",
        "kind": Agency.Kind.VOLUNTARY,
        "sector": Agency.Sector.VOLUNTARY,
    },
    "housing_options": {"name": "Northfield Housing Options", "kind": Agency.Kind.HOUSING},
    # The CAF folder's team around Wayne (shorter names, which its assertions read).
    "caf.health_visiting": {"name": "Health Visiting", "kind": Agency.Kind.HEALTH_VISITING},
    "caf.school": {"name": "Primary School", "kind": Agency.Kind.SCHOOL},
    "caf.housing": {"name": "Housing Options", "kind": Agency.Kind.HOUSING},
    "police": {"name": "Northfield Police", "kind": Agency.Kind.POLICE},
}

# key: (agency key or None, role, the user's fields). A persona with no email gets a factory sequence one.
PERSONAS = {
    # Shared by every folder (tests/conftest.py).
    "manager": ("school", MANAGER, {"full_name": "Helen Manager", "email": "manager@school.example.org"}),
    "colleague": ("school", PRACTITIONER, {"full_name": "Tom Colleague", "email": "colleague@school.example.org"}),
    "coordinator": ("school", COORDINATOR, {"full_name": "Priya Coordinator"}),
    "other_manager": ("health_visiting", MANAGER, {"full_name": "Joanne Othermanager"}),
    "outsider": ("unrelated", PRACTITIONER, {"full_name": "Olly Outsider", "email": "outsider@faraway.example.org"}),
    "platform_admin": (None, None, {"full_name": "Ada Admin", "is_staff": True, "is_superuser": True}),
    # Keziah's team (tests/children/).
    "lead_professional": (
        "health_visiting",
        PRACTITIONER,
        {"full_name": "Hannah Lead", "job_title": "Health visitor", "email": "hannah.lead@hv.example.org"},
    ),
    "hv_colleague": (
        "health_visiting",
        PRACTITIONER,
        {"full_name": "Colin Colleague", "email": "colin@hv.example.org"},
    ),
    "hv_manager": (
        "health_visiting",
        MANAGER,
        {"full_name": "Maria Manager", "email": "maria.manager@hv.example.org"},
    ),
    "teacher": (
        "school",
        PRACTITIONER,
        {"full_name": "Sam Teacher", "job_title": "Class teacher", "email": "sam@school.example.org"},
    ),
    "school_manager": ("school", MANAGER, {"full_name": "Harriet Head", "email": "head@school.example.org"}),
    "housing_officer": (
        "housing",
        PRACTITIONER,
        {"full_name": "Harry Housing", "job_title": "Housing officer", "email": "harry@housing.example.org"},
    ),
    "emergency_practitioner": (
        "emergency_department",
        PRACTITIONER,
        {"full_name": "Emeka Emergency", "email": "emeka@ed.example.org"},
    ),
    "expired_emergency_practitioner": (
        "emergency_department",
        PRACTITIONER,
        {"full_name": "Esme Expired", "email": "esme@ed.example.org"},
    ),
    "platform_admin_in_uninvolved_agency": (
        "unrelated",
        PRACTITIONER,
        {"full_name": "Adam Admin", "email": "adam.admin@faraway.example.org", "is_staff": True, "is_superuser": True},
    ),
    # The referral from the school to CAMHS (tests/referrals/).
    "sender": (
        "school",
        PRACTITIONER,
        {"full_name": "Sam Sender", "job_title": "Class teacher", "email": "sam.sender@school.example.org"},
    ),
    "sender_colleague": ("school", PRACTITIONER, {"full_name": "Sadia Colleague", "email": "sadia@school.example.org"}),
    "receiving_member": (
        "camhs",
        PRACTITIONER,
        {"full_name": "Ravi Receiver", "job_title": "Mental health practitioner", "email": "ravi@camhs.example.org"},
    ),
    "receiving_colleague": ("camhs", PRACTITIONER, {"full_name": "Rosa Receiver", "email": "rosa@camhs.example.org"}),
    "receiving_manager": ("camhs", MANAGER, {"full_name": "Morag Manager", "email": "morag.manager@camhs.example.org"}),
    "third_agency_practitioner": (
        "family_support",
        PRACTITIONER,
        {"full_name": "Tariq Third", "email": "tariq@familysupport.example.org"},
    ),
    # The referrals folder's housing officer: the same name as `housing_officer`, of the other housing agency.
    "housing_options_officer": (
        "housing_options",
        PRACTITIONER,
        {"full_name": "Harry Housing", "email": "harry@housingoptions.example.org"},
    ),
    # Wayne's team (tests/caf/, tests/documents/): the `team` fixture's people.
    "caf.lead": ("caf.health_visiting", PRACTITIONER, {"full_name": "Sarah Lead", "email": "lead@hv.example.org"}),
    "caf.hv_colleague": ("caf.health_visiting", PRACTITIONER, {"full_name": "Hana Colleague"}),
    "caf.hv_manager": ("caf.health_visiting", MANAGER, {"full_name": "Joanne Manager"}),
    "caf.assessor": ("caf.school", PRACTITIONER, {"full_name": "Tom Assessor", "email": "assessor@school.example.org"}),
    "caf.school_colleague": ("caf.school", PRACTITIONER, {"full_name": "Sam Schoolcolleague"}),
    "caf.housing": ("caf.housing", PRACTITIONER, {"full_name": "Mark Housing"}),
    "caf.emergency": ("police", PRACTITIONER, {"full_name": "PC Emma Urgent"}),
    "caf.emergency_expired": ("police", PRACTITIONER, {"full_name": "PC Ed Expired"}),
}


KEZIAH = {
    "first_name": "Keziah",
    "last_name": "Carter",
    "sex": "female",
    "date_of_birth": date(2021, 3, 27),
    "address": "14 Mill Lane\nNorthfield",
    "postcode": "NF1 3AB",
    "religion": "Church of England",
    "first_language": "English",
    "special_requirements": "Needs a quiet space to settle",
}


class Personas:
    """The registry for one test: each agency and persona is built the first time it is asked for."""

    def __init__(self):
        self._agencies = {}
        self._people = {}

    def __call__(self, key: str):
        if key not in self._people:
            agency_key, role, fields = PERSONAS[key]
            if agency_key is None:
                self._people[key] = UserFactory(**fields)
            else:
                # An agency's member is made staff after joining, as the conftests always did it.
                staff = {name: fields[name] for name in ("is_staff", "is_superuser") if name in fields}
                user = member_of(self.agency(agency_key), role, **{k: v for k, v in fields.items() if k not in staff})
                if staff:
                    for name, value in staff.items():
                        setattr(user, name, value)
                    user.save()
                self._people[key] = user
        return self._people[key]

    def agency(self, key: str, **overrides):
        """The agency called `key`; `overrides` (a folder's extra field, e.g. the referrals' school's email) are
        set on it whether it is built now or was built earlier in the test."""
        if key not in self._agencies:
            self._agencies[key] = AgencyFactory(**{**AGENCIES[key], **overrides})
        elif overrides:
            agency = self._agencies[key]
            for name, value in overrides.items():
                setattr(agency, name, value)
            agency.save(update_fields=list(overrides))
        return self._agencies[key]

    def family(self, **shape):
        """A Carter child with the team around them (`carter_family`)."""
        return carter_family(self, **shape)


def carter_family(
    personas: Personas,
    *,
    recorded_by: str = "lead_professional",
    recording_agency: str | None = None,
    details: dict | None = None,
    involvements=(("school", "Class teacher", "teacher"), ("housing", "Housing officer", None)),
    consent: dict | None = None,
    consent_excluded=("housing",),
    consent_included=(),
    lead: str | None = "lead_professional",
    lead_chosen_by: str | None = "hv_manager",
    lead_agreed_on: date | None = None,
):
    """A Carter child recorded by `recorded_by`, with her team, the family's consent and her lead professional.

    The defaults are Keziah's (tests/children/): recorded by the health visitor, who leads; the school (with
    the teacher named) and housing in the team; the parent's written consent to additional information for the
    whole team except housing; the lead chosen a week ago by the health visiting manager. `details` are the
    child's fields (Keziah's, `KEZIAH`, by default); `consent` the consent's (`consent_fields()` by default,
    tests/children/form_data.py); `consent_excluded`/`consent_included` agency keys. `involvements` are
    (agency, role, practitioner or None); `lead=None` leaves the child without one; `lead_chosen_by=None` lets
    `appoint_lead` find a manager of the lead's agency.
    """
    actor = personas(recorded_by)
    fields = dict(KEZIAH if details is None else details)
    if recording_agency:
        fields["agency"] = personas.agency(recording_agency)
    child = child_services.child_create(actor=actor, **fields)
    for agency_key, role, practitioner in involvements:
        extra = {"practitioner": personas(practitioner)} if practitioner else {}
        child_services.involvement_add(actor=actor, child=child, agency=personas.agency(agency_key), role=role, **extra)
    if consent is None:
        consent = consent_fields()
    child_services.consent_record(
        actor=actor,
        child=child,
        agencies_excluded=[personas.agency(key) for key in consent_excluded],
        agencies_included=[personas.agency(key) for key in consent_included],
        **consent,
    )
    if lead and lead_chosen_by:
        # With no lead yet, a manager of an involved agency records the family's choice.
        child_services.lead_professional_set(
            actor=personas(lead_chosen_by),
            child=child,
            practitioner=personas(lead),
            family_agreed=True,
            agreed_on=lead_agreed_on or timezone.localdate() - timedelta(days=7),
        )
    elif lead:
        appoint_lead(child, personas(lead), lead_agreed_on)
    child.refresh_from_db()
    return child


def emergency_access(child, practitioner, reason: str, expired: bool = False) -> EmergencyAccess:
    """Break glass for `practitioner`; `expired` moves the grant's end into the past."""
    grant = child_services.emergency_access_grant(actor=practitioner, child=child, reason=reason)
    if expired:
        # EmergencyAccess keeps no history, so moving the expiry back directly is faithful to the real thing.
        EmergencyAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        grant.refresh_from_db()
    return grant


def caf_consent() -> dict:
    """Jess Carter's written consent to additional information for Wayne's whole team, for the CAF."""
    return {
        "given_by": Consent.GivenBy.PARENT,
        "given_by_name": "Jess Carter",
        "given_on": date.today() - timedelta(days=3),
        "method": "written",
        "scope": "additional",
        "all_involved_agencies": True,
        "purposes": "CAF",
    }
