from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox, name="referral-inbox"),
    path("sent/", views.sent, name="referral-sent"),
    path("notifications/", views.notifications, name="referral-notifications"),
    path("notifications/read/", views.notifications_read, name="referral-notifications-read"),
    path("measures/", views.measures, name="referral-measures"),
    path("new/<int:child_id>/", views.referral_new, name="referral-new"),
    path("<int:referral_id>/", views.referral_detail, name="referral-detail"),
    path("<int:referral_id>/<slug:action>/", views.referral_answer, name="referral-answer"),
]
