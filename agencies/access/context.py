"""Who is asking: the user's agencies (read once a request, `request_memo`), the agency they act for, and
recording a refusal (an `AccessEvent`) before the 404 that answers it."""

from contextvars import ContextVar

from django.http import Http404

from ..models import Agency, Membership, User
from .vocabulary import _Agencies


def _user_agency_ids(user: User):
    return Membership.objects.current().filter(user=user).values("agency_id")


# Within one request, the user's agencies and emergency accesses are read once however many lists and checks
# the page makes (`RequestMemoMiddleware` opens the memo; a membership saved or an emergency access granted
# during the request empties it). Outside a request (services, tasks, tests) nothing is remembered.
_REQUEST_MEMO: ContextVar[dict | None] = ContextVar("access_request_memo", default=None)


def request_memo():
    """A context manager for one request's memo."""
    from contextlib import contextmanager

    @contextmanager
    def scope():
        token = _REQUEST_MEMO.set({})
        try:
            yield
        finally:
            _REQUEST_MEMO.reset(token)

    return scope()


def forget_request_memo() -> None:
    memo = _REQUEST_MEMO.get()
    if memo is not None:
        memo.clear()


def _remembered(key, compute):
    memo = _REQUEST_MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _memberships(user: User) -> _Agencies:
    """The user's current agencies, those they manage, and the one they act for (one query, once a request)."""
    return _remembered(("memberships", user.pk), lambda: _read_memberships(user))


def _read_memberships(user: User) -> _Agencies:
    rows = list(
        Membership.objects.current().filter(user=user).order_by("started_on", "pk").values_list("agency_id", "role")
    )
    return _Agencies(
        ids=frozenset(agency for agency, _ in rows),
        managed=frozenset(agency for agency, role in rows if role == Membership.Role.MANAGER),
        primary=rows[0][0] if rows else None,
    )


def primary_agency_id(user: User) -> int | None:
    """The id of the agency a user acts for when no other is named: their earliest current membership (read
    with the user's other agencies, once a request)."""
    return _memberships(user).primary


def primary_agency(user: User):
    """The agency a user acts for when no other is named: their earliest current membership."""
    agency_id = primary_agency_id(user)
    return Agency.objects.get(pk=agency_id) if agency_id is not None else None


def is_member(user: User, agency_id: int, role: str | None = None) -> bool:
    memberships = Membership.objects.current().filter(user=user, agency_id=agency_id)
    if role:
        memberships = memberships.filter(role=role)
    return memberships.exists()


def may_authorise_override(user: User, agency_id) -> bool:
    """THE rule of sharing without consent (a safeguarding override): only a current manager of the agency that
    shares authorises it, whether recording a sharing decision, referring on that basis, or passing on (redirecting)
    a referral that was. Asked of the user's memberships, read once a request."""
    return bool(user.is_authenticated and agency_id is not None and agency_id in _memberships(user).managed)


def refuse(request, child, what: str):
    """Record the refusal and answer 404, for a rule checked after the child itself was fetched."""
    _record_refusal(request, child, what)
    raise Http404("Not found")


def _record_refusal(request, child, what: str) -> None:
    # Through the one mapping of a request to an access event (children.services.access_event_record).
    from children.models import AccessEvent
    from children.services import access_event_record

    access_event_record(request=request, child=child, action=AccessEvent.Action.REFUSED, what=what)


def acting_role(user: User, agency_id, rights=None) -> str:
    """In which capacity `user` acts for `agency_id` (an `AccessEvent.Role`), from what this request already
    knows: the child's rights if given, else the user's memberships (read once a request)."""
    from children.models import AccessEvent

    Role = AccessEvent.Role
    if rights is not None:
        if rights.is_lead:
            return Role.LEAD
        if rights.emergency:  # emergency access is only granted to someone who had no other
            return Role.EMERGENCY
    agencies = _memberships(user)
    if agency_id is None or agency_id not in agencies.ids:
        return Role.EMERGENCY if rights is not None and rights.emergency else Role.NO_AGENCY
    return Role.MANAGER if agency_id in agencies.managed else Role.PRACTITIONER
