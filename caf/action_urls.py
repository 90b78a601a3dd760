"""The pages an action's owner works from (caf.action_views), under /actions/."""

from django.urls import path

from . import action_views

urlpatterns = [
    path("", action_views.action_queue, name="action-queue"),
    path("<int:action_id>/", action_views.action_detail, name="action-detail"),
    path("<int:action_id>/assign/", action_views.action_assign, name="action-assign"),
]
