"""A completed CAF for Wayne Carter (the school as assessor, the health visitor as lead professional),
with a delivery plan of five actions across the agencies (one overdue: housing's, whose officer sees it
although the family's consent gives housing basic details only) and one review. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from children.models import Child
from config.history import acted_by

from . import services
from .models import Action, Assessment, Element
from .sections import SECTIONS, element_key

TEXT = {
    "assessment-information": {
        "who_present": "Jess Carter (mother), Wayne, Tom Barker (class teacher), Sarah Hughes (health visitor).",
        "what_led": "Wayne is often collected late and seems solitary and listless in class. The health visitor "
        "is worried about the family's circumstances since they moved into temporary accommodation.",
    },
    "family": {
        "home_situation": "Wayne lives with his mother Jess (20), her partner Sasha (25), his sister Della (2) and "
        "his brother Zac (3 months) in a two-bedroom flat on the third floor of a block on the Meadow Estate. "
        "The family moved into the area recently.",
    },
    "services": {"notes": "Jess has been referred to her GP for anxiety and depression."},
    "conclusions": {
        "conclusions": "Wayne's listlessness and late collection reflect pressures on the whole family: "
        "overcrowded temporary housing, Jess's low mood and Sasha's drinking. A joined-up plan led by the health "
        "visitor will support Jess, address the housing and give Wayne consistent routines."
    },
    "child-views": {"views": "Wayne says he likes drawing and wants his mum to pick him up on time."},
    "parent-views": {"views": "Jess wants help with the flat and with Sasha's drinking, and support for herself."},
}
ELEMENT_TEXT = {
    "general-health": {"strengths": "Wayne is up to date with immunisations.", "needs": "Often tired in class."},
    "emotional-social": {"strengths": "Warm with his siblings.", "needs": "Solitary at school; few friends."},
    "learning-participation": {"strengths": "Attends every day.", "needs": "Late collection most days."},
    "basic-care": {"strengths": "Clean and fed.", "needs": "Routines at home are inconsistent."},
    "housing-employment-finance": {"needs": "Two-bedroom temporary flat on the third floor for five people."},
}


@transaction.atomic
def load() -> None:
    wayne = Child.objects.filter(first_name="Wayne", last_name="Carter").first()
    if wayne is None or Assessment.objects.filter(child=wayne).exists():
        return
    teacher = User.objects.get(email="reception.teacher@riverside-primary.example.org")
    health_visitor = User.objects.get(email="health.visitor@northfield-health.example.org")
    agencies = {a.name: a for a in Agency.objects.all()}
    caf = services.caf_start(actor=teacher, child=wayne)
    Assessment.objects.filter(pk=caf.pk).update(started_at=timezone.now() - timedelta(days=28))
    caf.refresh_from_db()
    for key, data in TEXT.items():
        services.section_save(actor=teacher, assessment=caf, key=key, data=data, base_revision=0)
    for code, data in ELEMENT_TEXT.items():
        element = Element.objects.get(code=code)
        data = {"strengths": "", "needs": "", **data}
        services.section_save(
            actor=teacher, assessment=caf, key=element_key(code), data=data, base_revision=0, element=element
        )
    for section in SECTIONS:
        services.section_mark_completed(actor=teacher, assessment=caf, key=section.key, completed=True)
    caf = services.caf_complete(actor=teacher, assessment=caf, consent_confirmed=True)

    today = timezone.localdate()
    # What each owner is told of the need: housing's consent covers basic details only, so its officer
    # sees this and the action, not the CAF.
    why = {
        "Riverside Primary School": "Wayne is often collected late and is tired in class.",
        "Northfield Medical Practice": "Jess has told the team she is anxious and low and would like support.",
        "Pathways Drug and Alcohol Service": "Sasha has agreed to talk to the service about his drinking.",
        "Northfield Housing Options": "The family of five lives in a two-bedroom temporary flat on the third floor, "
        "and the overcrowding affects the children's sleep and routines. Jess has asked for help with settled housing.",
        "Northfield Health Visiting Team": "Zac is not gaining weight as expected.",
    }
    plan = [
        (
            "Late collection and tiredness",
            "Agree a collection routine with Jess and a breakfast club place",
            teacher,
            "Riverside Primary School",
            14,
            "Wayne is collected on time every day",
            "3:2",
        ),
        (
            "Jess's anxiety and low mood",
            "Review Jess's mood and discuss talking therapies",
            User.objects.get(email="gp@northfield-medical.example.org"),
            "Northfield Medical Practice",
            21,
            "Jess feels able to cope",
            "1:6",
        ),
        (
            "Sasha's alcohol use",
            "Offer Sasha counselling and a recovery group",
            User.objects.get(email="counsellor@pathways-recovery.example.org"),
            "Pathways Drug and Alcohol Service",
            28,
            "Sasha engages with the service",
            "2:6",
        ),
        (
            "Overcrowded temporary housing",
            "Assess the family for suitable settled accommodation",
            User.objects.get(email="housing.officer@northfield-council.example.org"),
            "Northfield Housing Options",
            35,
            "The family has a suitable home",
            "5:3",
        ),
        (
            "Zac's weight gain",
            "Weekly weighing and feeding support at home",
            health_visitor,
            "Northfield Health Visiting Team",
            7,
            "Zac gains weight steadily",
            "1:1",
        ),
    ]
    for need, what, owner, agency, days, outcome, aim in plan:
        action = services.action_save(
            actor=health_visitor,
            action=Action(
                assessment=caf,
                need=need,
                what=what,
                why_for_owner=why[agency],
                owner=owner,
                owner_agency=agencies[agency],
                due_on=today + timedelta(days=days),
                desired_outcome=outcome,
                ecm_aim=aim,
            ),
        )
        if agency == "Northfield Housing Options":
            # Agreed four weeks ago and due last week: the demo's overdue action.
            action.due_on = today - timedelta(days=7)
            action.created_at = timezone.now() - timedelta(days=28)
            acted_by(action, health_visitor).save()
    services.action_progress(
        actor=teacher,
        action=caf.actions.get(owner=teacher),
        status=Action.Status.IN_PROGRESS,
        note="Breakfast club place agreed from Monday.",
    )
    services.review_record(
        actor=health_visitor,
        assessment=caf,
        practitioners=[teacher, health_visitor],
        held_on=today - timedelta(days=14),
        family_present="Jess Carter",
        progress="Breakfast club agreed; GP appointment booked; housing assessment not yet started.",
        next_steps="Housing to contact Jess this week.",
        child_comments="Wayne likes breakfast club.",
        parent_comments="Jess feels listened to.",
        next_review_on=today + timedelta(days=28),
    )
    # What beat would do within the hour: housing's officer and the lead are told the action is overdue.
    services.actions_overdue_notify()
