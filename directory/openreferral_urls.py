from django.urls import path, re_path

from . import openreferral_views as views

# Open Referral UK's paths have no trailing slash.
urlpatterns = [
    path("", views.api_root, name="openreferral-root"),
    path("services", views.service_list, name="openreferral-services"),
    path("services/<str:service_id>", views.service_detail, name="openreferral-service"),
    path("service_at_locations", views.service_at_location_list, name="openreferral-service-at-locations"),
    path(
        "service_at_locations/<str:link_id>",
        views.service_at_location_detail,
        name="openreferral-service-at-location",
    ),
    path("taxonomies", views.taxonomy_list, name="openreferral-taxonomies"),
    path("taxonomies/<str:taxonomy_id>", views.taxonomy_detail, name="openreferral-taxonomy"),
    path("taxonomy_terms", views.taxonomy_term_list, name="openreferral-taxonomy-terms"),
    path("taxonomy_terms/<str:term_id>", views.taxonomy_term_detail, name="openreferral-taxonomy-term"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
