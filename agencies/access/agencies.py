"""Agencies and their members: who manages an agency, and the guardian grants that say so."""

from django.contrib.auth.models import Permission
from django.db import transaction
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from config.current import current_via

from ..models import Agency, AgencyUserObjectPermission, Membership, User

MANAGE_AGENCY = "agencies.manage_agency"


# --- Agencies -------------------------------------------------------------------------------------


def agencies_managed_by(user: User):
    """The agencies whose details and members this user may change (never through superuser status)."""
    if not user.is_authenticated:
        return Agency.objects.none()
    return get_objects_for_user(user, MANAGE_AGENCY, klass=Agency, accept_global_perms=False, with_superuser=False)


def may_manage_agency(user: User, agency: Agency) -> bool:
    return agencies_managed_by(user).filter(pk=agency.pk).exists()


def get_agency_for_user(user: User, agency_id: int) -> Agency:
    """Any signed-in practitioner may read an agency's public details; a missing one is a 404."""
    try:
        return Agency.objects.get(pk=agency_id)
    except Agency.DoesNotExist:
        raise Http404("No such agency") from None


def get_agency_for_manager(user: User, agency_id: int) -> Agency:
    """The agency, if this user manages it; otherwise 404, as if it did not exist."""
    try:
        return agencies_managed_by(user).get(pk=agency_id)
    except Agency.DoesNotExist:
        raise Http404("No such agency") from None


def get_membership_for_manager(user: User, agency: Agency, membership_id: int) -> Membership:
    """A current membership of an agency this user manages; 404 otherwise."""
    if not may_manage_agency(user, agency):
        raise Http404("No such membership")
    try:
        return Membership.objects.current().select_related("user").get(pk=membership_id, agency=agency)
    except Membership.DoesNotExist:
        raise Http404("No such membership") from None


def agencies_of(user: User):
    """The agencies this user currently belongs to."""
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(current_via("memberships"), memberships__user=user).distinct()


@transaction.atomic
def sync_agency_grants(agency: Agency, user: User) -> None:
    """Make the user's guardian grants and group membership on the agency match their membership."""
    current = Membership.objects.current().filter(agency=agency, user=user).first()
    if current:
        user.groups.add(agency.group)
    else:
        user.groups.remove(agency.group)
    is_manager = bool(current and current.role == Membership.Role.MANAGER)
    has_grant = AgencyUserObjectPermission.objects.filter(
        user=user, content_object=agency, permission=_permission("manage_agency")
    ).exists()
    if is_manager and not has_grant:
        assign_perm(MANAGE_AGENCY, user, agency)
    elif has_grant and not is_manager:
        remove_perm(MANAGE_AGENCY, user, agency)


def _permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="agencies", codename=codename)
