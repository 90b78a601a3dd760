"""Pages that belong to no one app: "My work" (the home page, which reads from every app) and the error page
for a database that cannot be reached (settings' handler500)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies import access
from agencies import selectors as agency_selectors
from caf import selectors as caf_selectors
from children import selectors as children_selectors
from children import services as child_services
from children.models import AccessEvent
from config.context_processors import UnreadCount
from referrals import selectors as referral_selectors

# --- My work --------------------------------------------------------------------------------------

HOME_QUEUE_LENGTH = 10
HOME_OVERDUE_LENGTH = 20


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(agency_selectors.memberships_of(request.user))
    counts = _home_counts(request.user, [m.agency_id for m in memberships])
    # Ten of the queue on the home page (the queue page has the rest); one row more says whether there is more.
    # Each list is read only when the counts' query found something in it.
    queued = (
        list(caf_selectors.actions_queued_for(request.user)[: HOME_QUEUE_LENGTH + 1]) if counts["has_queued"] else []
    )
    if queued:
        managed = set(access.agencies_managed_by(request.user).values_list("pk", flat=True))
        for action in queued:
            action.may_assign = action.owner_agency_id in managed
    overdue = (
        list(caf_selectors.overdue_actions_led_by(request.user)[: HOME_OVERDUE_LENGTH + 1])
        if counts["has_overdue_actions"]
        else []
    )
    lead_rows = caf_selectors.lead_dashboard(request.user)
    named = (
        list(access.children_named_for(request.user).only(*children_selectors.CHILD_LINK_FIELDS)[:50])
        if counts["has_named_children"]
        else []
    )
    my_actions = list(caf_selectors.actions_owned_by(request.user)) if counts["has_my_actions"] else []
    recent = caf_selectors.recent_changes_for_lead(request.user)
    emergency = (
        list(children_selectors.emergency_accesses_to_show(request.user)) if counts["has_emergency_accesses"] else []
    )
    shown = _children_shown(
        [row["child"].pk for row in lead_rows],
        [child.pk for child in named],
        [a.assessment.child_id for a in [*my_actions, *queued[:HOME_QUEUE_LENGTH], *overdue[:HOME_OVERDUE_LENGTH]]],
        [change["child_id"] for change in recent],
        [access_.child_id for access_ in emergency],
    )
    if shown:
        # The page names these children: one access event says so (issue 15), in the response's transaction.
        child_services.access_event_record(
            request=request, child=None, action=AccessEvent.Action.LIST, what="My work", children_shown=shown
        )
    return render(
        request,
        "home.html",
        {
            "memberships": memberships,
            "lead_rows": lead_rows,
            "named_children": named,
            "my_actions": my_actions,
            "queued_actions": queued[:HOME_QUEUE_LENGTH],
            "more_queued": len(queued) > HOME_QUEUE_LENGTH,
            "overdue_actions": overdue[:HOME_OVERDUE_LENGTH],
            "more_overdue": len(overdue) > HOME_OVERDUE_LENGTH,
            "recent_changes": recent,
            "referral_counts": {"awaiting": counts["referrals_awaiting"], "overdue": counts["referrals_overdue"]},
            # The five newest unread, asked only when the count says there are any.
            "notifications": agency_selectors.unread_notifications(request.user)[:5] if counts["unread"] else [],
            # The header's count, from the same query (no second count for the base template).
            "unread_notifications": UnreadCount(request.user, counts["unread"]),
            "emergency_accesses": emergency,
            "manages_an_agency": counts["manages_an_agency"],
            "escalation_counts": children_selectors.escalation_counts_for(request.user, counts["in_social_care"]),
        },
    )


def _children_shown(*groups) -> list[int]:
    """The ids of the children a page names, each once, in the order the page shows them."""
    return list(dict.fromkeys(child_id for group in groups for child_id in group if child_id is not None))


def _home_counts(user, agency_ids) -> dict:
    """The home page's counts and yes/no answers in one query of one row: each one the selectors' or the access
    module's own queryset, asked as a subquery (a round trip fewer for each, and none for a list found empty)."""
    from django.db.models import Exists

    from agencies.models import User

    referrals = referral_selectors.inbox_count_subqueries(agency_ids, ["awaiting", "overdue"])
    return (
        User.objects.filter(pk=user.pk)
        .values(
            unread=UnreadCount.subquery(user),
            referrals_awaiting=referrals["awaiting"],
            referrals_overdue=referrals["overdue"],
            manages_an_agency=Exists(access.agencies_managed_by(user)),
            in_social_care=Exists(access.social_care_agencies_of(user)),
            # Whether each list has anything to show (most people's home page has few of them).
            has_queued=Exists(caf_selectors.actions_queued_for(user)),
            has_overdue_actions=Exists(caf_selectors.overdue_actions_led_by(user)),
            has_my_actions=Exists(caf_selectors.actions_owned_by(user)),
            has_named_children=Exists(access.children_named_for(user)),
            has_emergency_accesses=Exists(children_selectors.emergency_accesses_to_show(user)),
        )
        .get()
    )


# --- When the database is away ----------------------------------------------------------------------------


def _database_unavailable(error) -> bool:
    from django.db import InterfaceError, OperationalError

    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _stylesheet() -> str:
    from django.templatetags.static import static

    try:
        return static("dist/app.css")
    except ValueError:  # no manifest entry: the page still reads without its styles
        return ""


def server_error(request):
    """settings' handler500. A database that cannot be reached (restarting, failing over) is a 503 that says,
    in words, that nothing was saved and the text is kept: an autosave gets a status line for its page (which
    keeps what was typed in the form), and a form post gets a page holding every field it posted, with a
    button that posts them again. No session, user or database is touched here: they are what failed."""
    import sys

    from django.http import HttpResponse, HttpResponseServerError
    from django.template import loader

    error = sys.exc_info()[1]
    if not _database_unavailable(error):
        try:
            return HttpResponseServerError(loader.render_to_string("500.html", {}))
        except Exception:
            return HttpResponseServerError("Sorry, there is a problem with the service. Try again later.")
    if request.headers.get("X-Autosave"):
        response = HttpResponse(
            loader.render_to_string("unavailable_autosave.html", {}), status=503, headers={"Retry-After": "5"}
        )
        response["X-Not-Saved"] = "database-unavailable"
        return response
    fields = []
    if request.method == "POST":
        try:
            fields = [
                (name, value)
                for name, values in request.POST.lists()
                for value in values
                if name not in ("csrfmiddlewaretoken",)
            ]
        except Exception:
            fields = []
    context = {
        "stylesheet": _stylesheet(),
        "fields": fields,
        "action": request.path,
        "csrf_token": request.POST.get("csrfmiddlewaretoken", "") if request.method == "POST" else "",
        # Text a person wrote (not ids and choices), shown so they can see it is kept.
        "typed": [(name, value) for name, value in fields if " " in value.strip() or "\n" in value],
    }
    return HttpResponse(loader.render_to_string("unavailable.html", context), status=503, headers={"Retry-After": "5"})
