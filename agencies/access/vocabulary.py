"""The words every part of the access module shares: levels of access to a child's record, what one user
may do with one child (`ChildAccess`), and the needs a page states of what it shows (`ChildNeed`, `CafNeed`,
`ActionNeed`, `ReferralNeed`)."""

import enum
from dataclasses import dataclass


class Need(enum.StrEnum):
    """What a page needs to be allowed of the thing it shows. Each member is a word (recorded in a refusal) and
    the name of the property of the rights object that grants it; a need of another kind, or a bare string,
    is refused loudly (`TypeError`), never read as "no"."""

    def __new__(cls, word: str, grant: str):
        member = str.__new__(cls, word)
        member._value_ = word
        member.grant = grant
        return member

    @classmethod
    def check(cls, need) -> "Need":
        if not isinstance(need, cls):
            raise TypeError(f"{need!r} is not a {cls.__name__}: name the need as {cls.__name__}.<NAME>")
        return need

    def granted_by(self, rights) -> bool:
        return bool(getattr(rights, self.grant))


class ChildNeed(Need):
    """Of a child's record (granted by `ChildAccess`)."""

    BASIC = "basic", "may_view_basic"
    ADDITIONAL = "additional", "may_view_additional"
    EDIT = "edit", "may_edit"
    HISTORY = "history", "may_see_history"
    VIEWERS = "viewers", "may_see_viewers"


class CafNeed(Need):
    """Of a CAF (granted by `CafAccess`)."""

    READ = "read", "may_read"
    EDIT = "edit", "may_edit"
    PLAN = "plan", "may_change_plan"


class ActionNeed(Need):
    """Of an action of a delivery plan (granted by `ActionAccess`)."""

    VIEW = "view", "may_view"
    UPDATE = "update", "may_update"
    ASSIGN = "assign", "may_assign"


class ReferralNeed(Need):
    """Of a referral (granted by `ReferralAccess`)."""

    SEE = "see", "may_see"
    ANSWER = "answer", "may_answer"
    COMPLETE = "complete", "may_complete"
    WITHDRAW = "withdraw", "may_withdraw"


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
