"""The CAF's delivery plan: its actions and their progress, reviews, and closing the CAF. Served like every CAF
page through `views.caf_page` (the access module, then the page and its access event in one transaction)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect

from agencies import access
from agencies.models import User

from . import selectors, services
from .forms import ActionForm, CloseForm, ReviewForm
from .models import Action
from .views import _render, caf_page

# --- The delivery plan ------------------------------------------------------------------------------


@caf_page("read", "delivery plan")
def plan(request, assessment, rights):
    actions = selectors.plan_actions(assessment)
    for item in actions:
        item.may_update = access.may_update_action(request.user, item, rights)
    return _render(
        request,
        "caf/plan.html",
        assessment,
        rights,
        actions=actions,
        reviews=assessment.reviews.prefetch_related("practitioners_present"),
    )


def _team_users(assessment):
    return (
        User.objects.filter(
            memberships__ended_on__isnull=True,
            memberships__agency__involvements__child=assessment.child,
            memberships__agency__involvements__ended_on__isnull=True,
        )
        .distinct()
        .order_by("full_name")
    )


@caf_page("plan", "change an action")
def action_edit(request, assessment, rights, action_id=None):
    action = (
        get_object_or_404(Action, pk=action_id, assessment=assessment) if action_id else Action(assessment=assessment)
    )
    form = ActionForm(request.POST or None, instance=action, team=selectors.action_owner_choices(assessment.child))
    if request.method == "POST" and form.is_valid():
        form.instance.owner_agency = form.cleaned_data["owner_agency"]
        form.instance.owner = form.cleaned_data["owner"]
        try:
            services.action_save(actor=request.user, action=form.instance)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "The delivery plan has been updated")
            return redirect("caf-plan", assessment.pk)
    return _render(request, "caf/action_edit.html", assessment, rights, form=form, action=action)


@login_required
def action_progress(request, assessment_id: int, action_id: int):
    """Progress is recorded on the action's own page, which its owner can open whatever the CAF's sharing:
    307 keeps the method and body of a form posted to this older address."""
    response = redirect("action-detail", action_id)
    response.status_code = 307
    return response


@caf_page("plan", "record a review")
def review_new(request, assessment, rights):
    form = ReviewForm(request.POST or None, team=_team_users(assessment))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.review_record(
                actor=request.user, assessment=assessment, practitioners=data.pop("practitioners"), **data
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "The review has been recorded")
            return redirect("caf-plan", assessment.pk)
    return _render(request, "caf/review_new.html", assessment, rights, form=form)


@caf_page("plan", "close")
def close(request, assessment, rights):
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.caf_close(actor=request.user, assessment=assessment, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "The CAF has been closed")
            return redirect(assessment)
    decision = services.stepped_up_decision_for(assessment.child)
    return _render(request, "caf/close.html", assessment, rights, form=form, step_up_decision=decision)
