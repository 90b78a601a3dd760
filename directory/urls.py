from django.urls import path

from . import pdf_views, public_views, sheet_views, views

urlpatterns = [
    path("", views.directory_home, name="directory-home"),
    path("your-profile/", views.practitioner_profile_edit, name="directory-practitioner-profile"),
    path("agencies/<int:agency_id>/", sheet_views.agency_sheet, name="directory-agency"),
    path("agencies/<int:agency_id>/edit/", sheet_views.agency_sheet_edit, name="directory-agency-edit"),
    path("agencies/<int:agency_id>/history/", sheet_views.agency_sheet_history, name="directory-agency-history"),
    path("agencies/<int:agency_id>/times/", sheet_views.agency_opening_times_edit, name="directory-agency-times"),
    path("agencies/<int:agency_id>/confirm/", sheet_views.agency_sheet_confirm, name="directory-agency-confirm"),
    path("agencies/<int:agency_id>/services/add/", sheet_views.service_add, name="directory-service-add"),
    path("services/<int:service_id>/edit/", sheet_views.service_edit, name="directory-service-edit"),
    path("services/<int:service_id>/confirm/", sheet_views.service_confirm, name="directory-service-confirm"),
    path(
        "services/<int:service_id>/places/add/", sheet_views.service_location_add, name="directory-service-location-add"
    ),
    path(
        "services/<int:service_id>/places/<int:link_id>/",
        sheet_views.service_location_edit,
        name="directory-service-location-edit",
    ),
    path(
        "services/<int:service_id>/places/<int:link_id>/remove/",
        sheet_views.service_location_remove,
        name="directory-service-location-remove",
    ),
    path(
        "services/<int:service_id>/contacts/add/", sheet_views.service_contact_add, name="directory-service-contact-add"
    ),
    path(
        "services/<int:service_id>/contacts/<int:contact_id>/",
        sheet_views.service_contact_edit,
        name="directory-service-contact-edit",
    ),
    path(
        "services/<int:service_id>/contacts/<int:contact_id>/remove/",
        sheet_views.service_contact_remove,
        name="directory-service-contact-remove",
    ),
    path(
        "services/<int:service_id>/times/add/", sheet_views.service_schedule_add, name="directory-service-schedule-add"
    ),
    path(
        "services/<int:service_id>/times/<int:row_id>/",
        sheet_views.service_schedule_edit,
        name="directory-service-schedule-edit",
    ),
    path(
        "services/<int:service_id>/times/<int:row_id>/remove/",
        sheet_views.service_schedule_remove,
        name="directory-service-schedule-remove",
    ),
    path("settings/<int:agency_id>/start/", views.directory_start, name="directory-start"),
    path("settings/<int:agency_id>/imports/", views.import_list, name="directory-imports"),
    path("settings/<int:agency_id>/imports/<int:run_id>/", views.import_detail, name="directory-import"),
    path("directories/<int:directory_id>/", views.directory_draft, name="directory-draft"),
    path("directories/<int:directory_id>/edit/", views.directory_edit, name="directory-edit"),
    path("directories/<int:directory_id>/history/", views.directory_history, name="directory-history"),
    path("directories/<int:directory_id>/groups/add/", views.section_add, name="directory-section-add"),
    path("directories/<int:directory_id>/add/<str:kind>/", views.entry_add, name="directory-entry-add"),
    path("directories/<int:directory_id>/entries/<int:entry_id>/", views.entry_edit, name="directory-entry-edit"),
    path(
        "directories/<int:directory_id>/entries/<int:entry_id>/remove/",
        views.entry_remove,
        name="directory-entry-remove",
    ),
    path("directories/<int:directory_id>/publish/", views.directory_publish, name="directory-publish"),
    path("published/<slug:slug>/", public_views.public_directory, name="directory-public"),
    path(
        "published/<slug:slug>/versions/<int:number>/", public_views.public_directory, name="directory-public-version"
    ),
    path("published/<slug:slug>/versions/<int:number>/pdf/", pdf_views.directory_pdf, name="directory-pdf"),
    path(
        "published/<slug:slug>/versions/<int:number>/pdf/download/",
        pdf_views.directory_pdf_download,
        name="directory-pdf-download",
    ),
]
