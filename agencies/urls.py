from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("session/keep-alive/", views.session_keep_alive, name="session-keep-alive"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html",
            extra_context={"link_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("profile/sessions/", views.session_list, name="sessions"),
    path("profile/notifications/", views.notification_preferences, name="notification-preferences"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications-read"),
    path("notifications/<int:notification_id>/", views.notification_open, name="notification-open"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/<int:agency_id>/", views.agency_detail, name="agency-detail"),
    path("agencies/<int:agency_id>/edit/", views.agency_edit, name="agency-edit"),
    path("agencies/<int:agency_id>/history/", views.agency_history, name="agency-history"),
    path("agencies/<int:agency_id>/members/add/", views.member_add, name="member-add"),
    path(
        "agencies/<int:agency_id>/members/<int:membership_id>/role/",
        views.member_change_role,
        name="member-change-role",
    ),
    path("agencies/<int:agency_id>/members/<int:membership_id>/end/", views.member_end, name="member-end"),
]
