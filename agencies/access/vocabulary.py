"""The words every part of the access module shares: levels of access to a child's record and what one user
may do with one child (`ChildAccess`)."""

import enum
from dataclasses import dataclass


class Level(enum.IntEnum):
    NONE = 0
    BASIC = 1
    ADDITIONAL = 2


@dataclass(frozen=True)
class ChildAccess:
    """What one user may do with one child's record, and why.

    `agency_ids` and `managed_agency_ids` are the user's current agencies (and those they manage) when the
    answer was computed, so the rules that follow from it on the same page ask no further query."""

    level: Level
    may_edit: bool
    emergency: bool
    is_lead: bool
    is_involved_manager: bool
    agency_ids: frozenset = frozenset()
    managed_agency_ids: frozenset = frozenset()
    primary_agency_id: int | None = None  # the agency the user acts for (`primary_agency`)

    @property
    def may_view_basic(self) -> bool:
        return self.level >= Level.BASIC

    @property
    def may_view_additional(self) -> bool:
        return self.level >= Level.ADDITIONAL

    @property
    def may_see_history(self) -> bool:
        return self.may_edit

    @property
    def may_see_viewers(self) -> bool:
        return self.is_lead or self.is_involved_manager


NO_CHILD_ACCESS = ChildAccess(Level.NONE, False, False, False, False)


@dataclass(frozen=True)
class _Agencies:
    ids: frozenset
    managed: frozenset
    primary: int | None

    def __bool__(self):
        return bool(self.ids)
