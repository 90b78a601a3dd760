"""The CAF's delivery plan: its actions and their progress, reviews, and closing the CAF. Served like every CAF
page through `views.caf_page` (the access module, then the page and its access event in one transaction)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from agencies import access
from agencies.access import CafNeed

from . import selectors, services
from .forms import ActionForm, CloseForm, ReviewForm
from .models import Action
from .views import _render, caf_page

# --- The delivery plan ------------------------------------------------------------------------------


@caf_page(CafNeed.READ, "delivery plan")
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


@caf_page(CafNeed.PLAN, "change an action")
def action_edit(request, assessment, rights, action_id=None):
    action = selectors.plan_action(assessment, action_id) if action_id else Action(assessment=assessment)
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


@caf_page(CafNeed.PLAN, "record a review")
def review_new(request, assessment, rights):
    form = ReviewForm(request.POST or None, team=selectors.team_users(assessment))
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


@caf_page(CafNeed.PLAN, "close")
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
