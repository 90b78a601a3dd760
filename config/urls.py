from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Team Around the Child administration"
admin.site.site_title = "Team Around the Child administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("children/", include("children.urls")),
    path("caf/", include("caf.urls")),
    path("actions/", include("caf.action_urls")),
    path("directory/", include("directory.urls")),
    path("openreferral/", include("directory.openreferral_urls")),
    path("referrals/", include("referrals.urls")),
    path("", views.home, name="home"),
    path("", include("agencies.urls")),
]

# A database that cannot be reached is a 503 that keeps what was typed (config.views.server_error).
handler500 = "config.views.server_error"
