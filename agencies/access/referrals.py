"""Referrals between agencies."""

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q
from django.http import Http404

from config.current import current_via

from ..models import User
from .children import child_access
from .context import _memberships, _record_refusal, _user_agency_ids, may_authorise_override
from .vocabulary import NO_CHILD_ACCESS, ChildAccess, Level, ReferralNeed

# --- Referrals ------------------------------------------------------------------------------------
#
# A referral is seen by the current members of the agency that sent it and of the agency it was sent
# to (whatever its state: the record of the request stays theirs). While it awaits an answer the
# receiving agency also sees the child's basic details (above) and whatever the referral shared.
# The receiving agency's members answer it (accept, decline, redirect) while it is sent and record its
# outcome once accepted; the sending agency's members withdraw it while it is unanswered. A referral shared
# without consent is passed on (redirected) only by a manager of the receiving agency.
#
# What one user may do with one referral is worked out once a request (`referral_access`, from the user's
# memberships and the child's coverage) and handed to the services, whose guards read it instead of asking
# again. The state itself is checked by the services on the locked row: who got there first is theirs to say.


@dataclass(frozen=True)
class ReferralAccess:
    """What one user may do with one referral, and why (the referral's state as it was read). The user's rights
    on the referral's child (`child`) are read the first time a page or a guard asks for them, and then kept."""

    user_id: int | None
    referral_id: int | None
    status: str
    receiving: bool  # a current member of the agency it was sent to
    sending: bool  # a current member of the agency that sent it
    manages_receiving: bool  # a current manager of the agency it was sent to
    shares_caf: bool
    is_open: bool
    _user: User | None = field(default=None, compare=False, repr=False)
    _child: object = field(default=None, compare=False, repr=False)

    @cached_property
    def child(self) -> ChildAccess:
        if self._user is None or self._child is None:
            return NO_CHILD_ACCESS
        return child_access(self._user, self._child)

    @property
    def may_see(self) -> bool:
        return self.receiving or self.sending

    @property
    def may_answer(self) -> bool:
        from referrals.models import Referral

        return self.receiving and self.status == Referral.Status.SENT

    @property
    def may_complete(self) -> bool:
        from referrals.models import Referral

        return self.receiving and self.status == Referral.Status.ACCEPTED

    @property
    def may_withdraw(self) -> bool:
        from referrals.models import Referral

        return self.sending and self.status == Referral.Status.SENT

    @property
    def may_see_shared_caf(self) -> bool:
        """The CAF a referral shared is readable by the receiving agency while the referral is theirs to answer
        or act on, and otherwise only by those who may read the CAF anyway (being the sender is not enough)."""
        return self.shares_caf and ((self.is_open and self.receiving) or self.child.may_view_additional)

    @property
    def may_see_child(self) -> bool:
        return self.child.may_view_basic

    @property
    def may_pass_on_without_consent(self) -> bool:
        return self.manages_receiving

    def is_for(self, user: User, referral) -> bool:
        return self.user_id == user.pk and self.referral_id == referral.pk


NO_REFERRAL_ACCESS = ReferralAccess(None, None, "", False, False, False, False, False)


def referrals_visible_to(user: User):
    from referrals.models import Referral

    agencies = _user_agency_ids(user)
    return Referral.objects.filter(Q(from_agency_id__in=agencies) | Q(to_agency_id__in=agencies))


def referral_access(user: User, referral) -> ReferralAccess:
    """Everything this user may do with this referral: the user's memberships (once a request) and the child's
    coverage (one query)."""
    if not user.is_authenticated or not user.is_active or referral is None:
        return NO_REFERRAL_ACCESS
    agencies = _memberships(user)
    receiving = referral.to_agency_id in agencies.ids
    sending = referral.from_agency_id in agencies.ids
    return ReferralAccess(
        user_id=user.pk,
        referral_id=referral.pk,
        status=referral.status,
        receiving=receiving,
        sending=sending,
        manages_receiving=may_authorise_override(user, referral.to_agency_id),
        shares_caf=bool(referral.caf_id),
        is_open=referral.is_open,
        _user=user,
        _child=referral.child,
    )


def referral_access_for(user: User, referral, rights: ReferralAccess | None) -> ReferralAccess:
    """The rights a service was handed, if they are this user's on this referral; else worked out now."""
    if rights is not None and rights.is_for(user, referral):
        return rights
    return referral_access(user, referral)


def get_referral_for_user(request, referral_id: int, need: ReferralNeed = ReferralNeed.SEE):
    """The referral and what the user may do with it, if the user's agency sent or received it and `need` is
    granted; otherwise record the refusal and 404."""
    from referrals.models import Referral

    ReferralNeed.check(need)
    referral = (
        Referral.objects.select_related(
            "child", "from_agency", "to_agency", "to_service", "from_user", "answered_by", "caf"
        )
        .filter(pk=referral_id)
        .first()
    )
    rights = referral_access(request.user, referral)
    if not (rights.may_see and need.granted_by(rights)):
        _record_refusal(request, referral.child if referral else None, f"referral #{referral_id}")
        raise Http404("No such referral")
    return referral, rights


def agencies_that_may_refer(user: User, child):
    """The user's agencies in the child's team around the child: only they refer the child."""
    from ..models import Agency
    from .agencies import agencies_of

    in_team = agencies_of(user).filter(current_via("involvements"), involvements__child=child)
    return Agency.objects.filter(pk__in=in_team.values("pk"))


def referral_consent_covers(child, agency, with_caf: bool) -> bool:
    """Whether the family's consent lets a referral share the child's basic details (and the CAF, `with_caf`) with
    the agency: the coverage rule itself (`consent_covers`), at the level the referral shares."""
    from .coverage import consent_covers

    return consent_covers(child, agency, Level.ADDITIONAL if with_caf else Level.BASIC)


def may_share_caf(user: User, child, rights: ChildAccess | None = None) -> bool:
    """Sharing the CAF with a referral passes on additional information: the sender must be allowed to read
    it themselves (through their agency's cover, not break-glass, which is read-only)."""
    rights = rights or child_access(user, child)
    return rights.may_view_additional and not rights.emergency


def may_read_shared_caf(user: User, referral) -> bool:
    """See `ReferralAccess.may_see_shared_caf`."""
    return referral_access(user, referral).may_see_shared_caf
