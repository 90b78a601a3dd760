from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("inbox/", views.inbox, name="referral-inbox"),
    path("sent/", views.sent, name="referral-sent"),
    # Referrals had the only notifications page; notifications now have their own, for every app.
    path("notifications/", RedirectView.as_view(pattern_name="notifications"), name="referral-notifications"),
    path("measures/", views.measures, name="referral-measures"),
    path("new/<int:child_id>/", views.referral_new, name="referral-new"),
    path("<int:referral_id>/", views.referral_detail, name="referral-detail"),
    path("<int:referral_id>/<slug:action>/", views.referral_answer, name="referral-answer"),
]
