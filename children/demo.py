"""The Carter family of DOMAIN.md: Wayne (5), Della (2 years 3 months) and Zac (3 months), their
mother Jess and her partner Sasha, the agencies involved, Jess's consent (housing excluded from
additional information) and the health visitor as lead professional. Idempotent."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User

from . import services
from .models import Child, Consent, FamilyMember, Involvement, LeadProfessional

DELLA_HANDOVER = (
    "Jess is most at ease with home visits on Tuesday mornings, before Sasha is up. Della's speech is behind for her "
    "age: the speech and language drop-in at the children's centre has a place for her from next month. Jess has "
    "asked that nobody raises Sasha's drinking in front of the children."
)
WAYNE_CONCERN = (
    "Wayne arrived at school with a burn mark on the back of his hand and said his dad's friend did it. He was "
    "collected at 5:15pm by an adult the school did not know, who smelled strongly of alcohol."
)
ADDRESS = "Flat 31, Kestrel House\nMeadow Estate\nNorthfield"
POSTCODE = "NF4 6KH"


def _months_ago(months: int, today: date) -> date:
    year, month = divmod(today.month - 1 - months, 12)
    return date(today.year + year, month + 1, min(today.day, 28))


@transaction.atomic
def load() -> None:
    if Child.objects.filter(last_name="Carter", postcode=POSTCODE).exists():
        return
    today = timezone.localdate()
    agency = {a.name: a for a in Agency.objects.all()}
    school = agency["Riverside Primary School"]
    gp = agency["Northfield Medical Practice"]
    hv_team = agency["Northfield Health Visiting Team"]
    health_visitor = User.objects.get(email="health.visitor@northfield-health.example.org")
    teacher = User.objects.get(email="reception.teacher@riverside-primary.example.org")
    hv_manager = User.objects.get(email="hv.lead@northfield-health.example.org")
    common = {
        "last_name": "Carter",
        "address": ADDRESS,
        "postcode": POSTCODE,
        "phone": "07700 900 461",
        "ethnicity": "white_british",
        "first_language": "English",
        "parents_first_language": "English",
        "gp_practice": gp,
    }
    wayne = services.child_create(
        actor=teacher,
        agency=school,
        role="Reception class teacher",
        first_name="Wayne",
        sex="male",
        date_of_birth=date(today.year - 5, 3, 14),
        school=school,
        religion="None",
        has_disability="no",
        special_requirements="Often collected late; seems solitary and listless in class.",
        **common,
    )
    della = services.child_create(
        actor=health_visitor,
        agency=hv_team,
        role="Health visitor",
        first_name="Della",
        sex="female",
        date_of_birth=_months_ago(27, today),
        has_disability="not_known",
        **common,
    )
    zac = services.child_create(
        actor=health_visitor,
        agency=hv_team,
        role="Health visitor",
        first_name="Zac",
        sex="male",
        date_of_birth=_months_ago(3, today),
        has_disability="not_known",
        special_requirements="Not gaining weight as expected: weekly weighing with the health visitor.",
        **common,
    )
    children = [wayne, della, zac]
    for child in children:
        for name, relationship, pr, born in [
            ("Jess Carter", "Mother", True, date(today.year - 20, 6, 2)),
            (
                "Sasha Doyle",
                "Mother's partner" if child is not zac else "Father",
                child is zac,
                date(today.year - 25, 1, 9),
            ),
        ]:
            services.family_member_save(
                actor=health_visitor,
                member=FamilyMember(
                    child=child,
                    kind=FamilyMember.Kind.PARENT_CARER,
                    name=name,
                    relationship=relationship,
                    parental_responsibility=pr,
                    lives_with_child=True,
                    date_of_birth=born,
                    phone="07700 900 461" if name.startswith("Jess") else "",
                    first_language="English",
                ),
            )
        for sibling in children:
            if sibling is not child:
                services.family_member_save(
                    actor=health_visitor,
                    member=FamilyMember(
                        child=child,
                        kind=FamilyMember.Kind.SIBLING,
                        name=sibling.display_name,
                        relationship="Brother" if sibling.sex == "male" else "Sister",
                        lives_with_child=True,
                        date_of_birth=sibling.date_of_birth,
                        linked_child=sibling,
                    ),
                )
        # Everyone in DOMAIN.md's case works with the whole family.
        roles = {
            "Riverside Primary School": "Wayne's school",
            "Northfield Medical Practice": "GP practice",
            "Northfield Health Visiting Team": "Health visitor for Della and Zac",
            "Northfield Children's Social Care": "Advice to the team",
            "Pathways Drug and Alcohol Service": "Counselling for Sasha",
            "Northfield Housing Options": "Temporary accommodation",
        }
        for name, role in roles.items():
            if not Involvement.objects.current().filter(child=child, agency=agency[name]).exists():
                services.involvement_add(actor=health_visitor, child=child, agency=agency[name], role=role)
        consent = services.consent_record(
            actor=health_visitor,
            child=child,
            given_by=Consent.GivenBy.PARENT,
            given_by_name="Jess Carter",
            given_on=today - timedelta(days=21),
            method=Consent.Method.WRITTEN,
            scope=Consent.Scope.ADDITIONAL,
            all_involved_agencies=True,
            agencies_excluded=[agency["Northfield Housing Options"]],
            purposes="To assess the family's needs together and co-ordinate support (CAF).",
            review_on=today + timedelta(days=344),
        )
        assert consent.pk
        if not LeadProfessional.objects.current().filter(child=child).exists():
            # With no lead yet, a manager of an involved agency records the family's choice.
            services.lead_professional_set(
                actor=hv_manager,
                child=child,
                practitioner=hv_manager if child is della else health_visitor,
                family_agreed=True,
                agreed_on=today - timedelta(days=20),
            )
    # Della's first lead, the health visiting team leader, has handed over to Sarah Hughes with a note,
    # which Sarah sees first when she opens Della's record.
    services.lead_professional_set(
        actor=hv_manager,
        child=della,
        practitioner=health_visitor,
        family_agreed=True,
        agreed_on=today - timedelta(days=2),
        handover_note=DELLA_HANDOVER,
    )
    # Wayne's teacher has rung children's social care about him and recorded it: awaiting their decision.
    services.escalation_record(
        actor=teacher,
        child=wayne,
        concern=WAYNE_CONCERN,
        contacted_at=timezone.now() - timedelta(hours=2),
        contacted_whom="Duty social worker, Northfield Children's Social Care front door",
    )
