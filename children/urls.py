from django.urls import path

from . import views

urlpatterns = [
    path("", views.child_list, name="child-list"),
    path("search/", views.child_search, name="child-search"),
    path("new/", views.child_create, name="child-create"),
    path("<int:child_id>/", views.child_detail, name="child-detail"),
    path("<int:child_id>/edit/", views.child_edit, name="child-edit"),
    path("<int:child_id>/family/add/", views.family_member_edit, name="family-member-add"),
    path("<int:child_id>/family/<int:member_id>/", views.family_member_edit, name="family-member-edit"),
    path("<int:child_id>/family/<int:member_id>/remove/", views.family_member_remove, name="family-member-remove"),
    path("<int:child_id>/team/add/", views.involvement_add, name="involvement-add"),
    path("<int:child_id>/team/<int:involvement_id>/end/", views.involvement_end, name="involvement-end"),
    path("<int:child_id>/lead-professional/", views.lead_professional_choose, name="lead-professional-choose"),
    path("<int:child_id>/consent/new/", views.consent_new, name="consent-new"),
    path("<int:child_id>/consent/confirm/", views.consent_confirm, name="consent-confirm"),
    path("<int:child_id>/lead-professional/handover/", views.handover_note_new, name="handover-note-new"),
    path(
        "<int:child_id>/lead-professional/handover/<int:note_id>/read/",
        views.handover_note_read,
        name="handover-note-read",
    ),
    path("escalations/", views.escalation_queue, name="escalation-queue"),
    path("<int:child_id>/consent/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("<int:child_id>/sharing/new/", views.disclosure_new, name="disclosure-new"),
    path("<int:child_id>/escalations/new/", views.escalation_new, name="escalation-new"),
    path(
        "<int:child_id>/escalations/<int:escalation_id>/decision/",
        views.escalation_decide,
        name="escalation-decide",
    ),
    path("<int:child_id>/viewers/", views.child_viewers, name="child-viewers"),
    path("<int:child_id>/history/", views.child_history, name="child-history"),
    path("emergency-access/", views.emergency_access_request, name="emergency-access"),
    path("<int:child_id>/emergency-access/", views.emergency_access_by_id, name="emergency-access-by-id"),
]
