"""The CAF and the actions of its delivery plan."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404

from ..models import Agency, User
from .children import child_access, get_child_for_user
from .context import _record_refusal, _user_agency_ids
from .coverage import _coverage
from .vocabulary import ChildAccess

# --- CAF ------------------------------------------------------------------------------------------
#
# The CAF is additional information: only users the child's sharing rules cover for additional
# information may read it (emergency access included). The assessor's agency and the child's lead
# professional may edit it and change the plan; an action's owner may update that action.


@dataclass(frozen=True)
class CafAccess:
    child: ChildAccess
    may_read: bool
    may_edit: bool
    may_change_plan: bool


def caf_access(user: User, assessment, child_rights: ChildAccess | None = None) -> CafAccess:
    rights = child_rights or child_access(user, assessment.child)
    may_read = rights.may_view_additional
    in_assessor_agency = assessment.assessor_agency_id in rights.agency_ids
    may_edit = rights.may_edit and (in_assessor_agency or rights.is_lead)
    return CafAccess(
        child=rights, may_read=may_read, may_edit=may_edit, may_change_plan=rights.may_edit and rights.is_lead
    )


def get_assessment_for_user(request, assessment_id: int, need: str = "read"):
    """Fetch a CAF version and what the user may do with it; record the refusal and 404 otherwise.

    `need` is "read", "edit" or "plan".
    """
    from caf.models import Assessment

    assessment = (
        Assessment.objects.select_related("child", "assessor", "assessor_agency").filter(pk=assessment_id).first()
    )
    if assessment is not None:
        child, child_rights = get_child_for_user(request, assessment.child_id, "additional")
        rights = caf_access(request.user, assessment, child_rights)
        if {"read": rights.may_read, "edit": rights.may_edit, "plan": rights.may_change_plan}[need]:
            return assessment, rights
    _record_refusal(request, assessment.child if assessment else None, f"{need} of CAF #{assessment_id}")
    raise Http404("No such assessment")


def may_update_action(user: User, action, rights: CafAccess) -> bool:
    """The owner of an action updates its progress; the lead professional can change the whole plan."""
    return rights.may_change_plan or (rights.may_read and not rights.child.emergency and action.owner_id == user.pk)


# --- Actions of a delivery plan ---------------------------------------------------------------------
#
# An action must reach whoever is to do it, even when the family's consent gives their agency only basic
# details. Its owner sees the action itself (what, why as the lead professional wrote it for them, by
# when, the desired outcome, its progress notes and the lead professional's contact) and never the CAF.
# The owning agency must still be in the team around the child and covered by the record's sharing rules
# at basic level, and the owner must still belong to it. An action given to an agency as a whole is in
# that agency's work queue: its members see it, and its managers (who see all of the agency's actions)
# give it to a named member. The lead professional sees and updates every action of the plan.


@dataclass(frozen=True)
class ActionAccess:
    """What one user may do with one action, and why."""

    is_owner: bool
    in_owning_agency: bool
    manages_owning_agency: bool
    is_lead: bool
    lead_may_change_plan: bool
    assigned: bool
    plan_is_open: bool
    may_read_caf: bool

    @property
    def may_view(self) -> bool:
        return (
            self.is_owner or self.is_lead or self.manages_owning_agency or (self.in_owning_agency and not self.assigned)
        )

    @property
    def may_update(self) -> bool:
        return self.plan_is_open and (self.is_owner or self.lead_may_change_plan)

    @property
    def may_assign(self) -> bool:
        return self.plan_is_open and self.manages_owning_agency


NO_ACTION_ACCESS = ActionAccess(False, False, False, False, False, False, False, False)


def _owning_agency_covered(user: User):
    """The user belongs to the action's agency, which is in the child's team and covered by the sharing rules
    (basic details)."""
    from children.models import Coverage

    return Exists(
        _coverage(_user_agency_ids(user), reasons=Coverage.IN_TEAM).filter(
            child_id=OuterRef("assessment__child_id"), agency_id=OuterRef("owner_agency_id")
        )
    )


def _open_actions():
    from caf.models import Action, Assessment

    return Action.objects.filter(
        status__in=[Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS], assessment__is_current=True
    ).exclude(assessment__status=Assessment.Status.CLOSED)


def actions_owned_by(user: User):
    """Open actions given to this user by name, on plans still open, that they may see (one query)."""
    from caf.models import Action

    if not user.is_authenticated or not user.is_active:
        return Action.objects.none()
    return _open_actions().filter(owner=user).filter(_owning_agency_covered(user))


def actions_queued_for(user: User):
    """Open actions given to one of the user's agencies as a whole, awaiting a named owner (one query)."""
    from caf.models import Action

    if not user.is_authenticated or not user.is_active:
        return Action.objects.none()
    return _open_actions().filter(owner__isnull=True).filter(_owning_agency_covered(user))


def action_access(user: User, action) -> ActionAccess:
    """Everything this user may do with this action, in a handful of queries."""
    from caf.models import Assessment
    from children.models import Coverage

    if not user.is_authenticated or not user.is_active:
        return NO_ACTION_ACCESS
    assessment = action.assessment
    rights = child_access(user, assessment.child)
    in_owning_agency = (
        action.owner_agency_id in rights.agency_ids
        and Coverage.objects.filter(
            child_id=assessment.child_id, agency_id=action.owner_agency_id, why__in=Coverage.IN_TEAM
        ).exists()
    )
    manages = in_owning_agency and action.owner_agency_id in rights.managed_agency_ids
    return ActionAccess(
        is_owner=in_owning_agency and action.owner_id == user.pk,
        in_owning_agency=in_owning_agency,
        manages_owning_agency=manages,
        is_lead=rights.is_lead,
        lead_may_change_plan=rights.is_lead and rights.may_edit,
        assigned=action.owner_id is not None,
        plan_is_open=assessment.is_current and assessment.status != Assessment.Status.CLOSED,
        may_read_caf=rights.may_view_additional,
    )


def get_action_for_owner(request, action_id: int, need: str = "view"):
    """Fetch an action and what the user may do with it (its owner, the owning agency's queue and managers,
    the lead professional); record the refusal and 404 for anyone else.

    `need` is "view", "update" or "assign".
    """
    from caf.models import Action

    action = Action.objects.select_related("assessment__child", "owner", "owner_agency").filter(pk=action_id).first()
    if action is not None:
        rights = action_access(request.user, action)
        if {"view": rights.may_view, "update": rights.may_update, "assign": rights.may_assign}[need]:
            return action, rights
    _record_refusal(request, action.assessment.child if action else None, f"{need} of action #{action_id}")
    raise Http404("No such action")


def agencies_that_may_hold_actions(child):
    """The agencies of the child's team that the record's sharing rules cover (at least basic details).
    Only they may be given an action: an owner who could not see the action would never do it."""
    from children.models import Coverage

    return Agency.objects.filter(
        pk__in=Coverage.objects.filter(child=child, why__in=Coverage.IN_TEAM).values("agency_id")
    )
