from django.urls import path

from . import pdf_views, plan_views, views

urlpatterns = [
    path("start/<int:child_id>/", views.caf_start, name="caf-start"),
    path("<int:assessment_id>/", views.task_list, name="caf-task-list"),
    path("<int:assessment_id>/sections/<slug:key>/", views.section, name="caf-section"),
    path("<int:assessment_id>/sections/<slug:key>/autosave/", views.autosave, name="caf-section-autosave"),
    path("<int:assessment_id>/strengths-and-needs/", views.strengths_needs, name="caf-strengths-needs"),
    path("<int:assessment_id>/elements/<slug:code>/", views.element, name="caf-element"),
    path("<int:assessment_id>/elements/<slug:code>/autosave/", views.autosave, name="caf-element-autosave"),
    path("<int:assessment_id>/check-your-answers/", views.check_answers, name="caf-check-answers"),
    path("<int:assessment_id>/revise/", views.revise, name="caf-revise"),
    path("<int:assessment_id>/versions/", views.versions, name="caf-versions"),
    path("<int:assessment_id>/plan/", plan_views.plan, name="caf-plan"),
    path("<int:assessment_id>/plan/actions/new/", plan_views.action_edit, name="caf-action-new"),
    path("<int:assessment_id>/plan/actions/<int:action_id>/", plan_views.action_edit, name="caf-action-edit"),
    path(
        "<int:assessment_id>/plan/actions/<int:action_id>/progress/",
        plan_views.action_progress,
        name="caf-action-progress",
    ),
    path("<int:assessment_id>/reviews/new/", plan_views.review_new, name="caf-review-new"),
    path("<int:assessment_id>/close/", plan_views.close, name="caf-close"),
]

# PDF copies, rendered by workers (the shared pipeline, config/documents/).
urlpatterns += [
    path("<int:assessment_id>/pdf/", pdf_views.pdf_request, name="caf-pdf-request"),
    path("<int:assessment_id>/pdf/<int:job_id>/", pdf_views.pdf_status, name="caf-pdf-status"),
    path("<int:assessment_id>/pdf/<int:job_id>/status/", pdf_views.pdf_status_fragment, name="caf-pdf-status-fragment"),
    path("<int:assessment_id>/pdf/<int:job_id>/download/", pdf_views.pdf_download, name="caf-pdf-download"),
]
