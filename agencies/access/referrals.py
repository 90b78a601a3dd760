"""Referrals between agencies."""

from django.db.models import Q
from django.http import Http404

from ..models import User
from .children import child_access
from .context import _record_refusal, _user_agency_ids

# --- Referrals ------------------------------------------------------------------------------------
#
# A referral is seen by the current members of the agency that sent it and of the agency it was sent
# to (whatever its state: the record of the request stays theirs). While it awaits an answer the
# receiving agency also sees the child's basic details (above) and whatever the referral shared.


def referrals_visible_to(user: User):
    from referrals.models import Referral

    agencies = _user_agency_ids(user)
    return Referral.objects.filter(Q(from_agency_id__in=agencies) | Q(to_agency_id__in=agencies))


def get_referral_for_user(request, referral_id: int):
    """The referral, if the user's agency sent or received it; otherwise record the refusal and 404."""
    referral = (
        referrals_visible_to(request.user)
        .select_related("child", "from_agency", "to_agency", "to_service", "from_user", "answered_by", "caf")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        from referrals.models import Referral

        child = Referral.objects.filter(pk=referral_id).values_list("child", flat=True).first()
        from children.models import Child

        _record_refusal(request, Child.objects.filter(pk=child).first() if child else None, f"referral #{referral_id}")
        raise Http404("No such referral")
    return referral


def may_share_caf(user: User, child) -> bool:
    """Sharing the CAF with a referral passes on additional information: the sender must be allowed to read
    it themselves (through their agency's cover, not break-glass, which is read-only)."""
    rights = child_access(user, child)
    return rights.may_view_additional and not rights.emergency


def may_read_shared_caf(user: User, referral) -> bool:
    """The CAF a referral shared is readable by the receiving agency while the referral is theirs to answer
    or act on, and otherwise only by those who may read the CAF anyway (being the sender is not enough)."""
    if not referral.caf_id:
        return False
    rights = child_access(user, referral.child)
    if referral.is_open and referral.to_agency_id in rights.agency_ids:
        return True
    return rights.may_view_additional
