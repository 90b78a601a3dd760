"""The directory: agencies' information sheets and services, and settings' own directories."""

from django.http import Http404

from config.current import current_via

from ..models import Agency, Membership, User
from .agencies import agencies_managed_by

# --- Directory ------------------------------------------------------------------------------------
#
# An agency's managers keep its information sheet, its services and their opening times true. A
# directory co-ordinator (a current membership with the co-ordinator role) of a setting (a school,
# early years setting or children's centre) builds and publishes that setting's directory. A
# practitioner edits only their own directory profile. The published directory and Open Referral UK
# feed are public and need no check here.


def get_service_for_editing(user: User, service_id: int):
    """A directory service of an agency this user manages; 404 otherwise."""
    from directory.models import Service

    try:
        return Service.objects.select_related("agency").get(pk=service_id, agency__in=agencies_managed_by(user))
    except Service.DoesNotExist:
        raise Http404("No such service") from None


def settings_coordinated_by(user: User):
    """The settings (schools, early years settings, children's centres) whose directory this user co-ordinates."""
    from directory.models import SETTING_KINDS

    if not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    return Agency.objects.filter(
        current_via("memberships"),
        kind__in=SETTING_KINDS,
        is_active=True,
        memberships__user=user,
        memberships__role=Membership.Role.COORDINATOR,
    ).distinct()


def get_setting_for_coordinator(user: User, agency_id: int) -> Agency:
    """A setting this user co-ordinates the directory of; 404 otherwise."""
    try:
        return settings_coordinated_by(user).get(pk=agency_id)
    except Agency.DoesNotExist:
        raise Http404("No such setting") from None


def directories_coordinated_by(user: User):
    """The directories this user may build and publish."""
    from directory.models import Directory

    return Directory.objects.filter(setting__in=settings_coordinated_by(user))


def get_directory_for_coordinator(user: User, directory_id: int):
    """A directory this user co-ordinates; 404 otherwise."""
    from directory.models import Directory

    try:
        return directories_coordinated_by(user).select_related("setting").get(pk=directory_id)
    except Directory.DoesNotExist:
        raise Http404("No such directory") from None


def get_entry_for_coordinator(user: User, directory, entry_id: int):
    """An entry of a directory this user co-ordinates; 404 otherwise."""
    from directory.models import DirectoryEntry

    try:
        return DirectoryEntry.objects.get(pk=entry_id, directory=get_directory_for_coordinator(user, directory.pk))
    except DirectoryEntry.DoesNotExist:
        raise Http404("No such entry") from None


def get_import_for_coordinator(user: User, setting: Agency, run_id: int):
    """An import run started for a setting this user co-ordinates; 404 otherwise (runs from the command line
    belong to no setting and are not shown)."""
    from directory.models import ImportRun

    try:
        return ImportRun.objects.select_related("started_by").get(
            pk=run_id, setting=get_setting_for_coordinator(user, setting.pk)
        )
    except ImportRun.DoesNotExist:
        raise Http404("No such import") from None
