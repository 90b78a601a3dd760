from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailDelivery, Referral

SUBJECTS = {
    "received": "New referral for {to}",
    "accepted": "{to} accepted your referral",
    "declined": "{to} declined your referral",
    "redirected": "{to} redirected your referral",
    "completed": "{to} completed your referral",
}


@shared_task(
    name="referrals.send_referral_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def send_referral_email(referral_id: int, event: str) -> int:
    """Email everyone who should hear of this event, once each: a recipient already claimed is skipped,
    so a task that runs twice (a retry, a redelivery after a lost worker) sends nothing twice."""
    from .services import email_recipients

    referral = Referral.objects.select_related("child", "from_agency", "to_agency", "from_user").get(pk=referral_id)
    sent = 0
    for recipient in email_recipients(referral, event):
        try:
            with transaction.atomic():
                delivery = EmailDelivery.objects.create(referral=referral, event=event, recipient=recipient)
        except IntegrityError:
            continue  # already sent (or being sent) by an earlier run
        # No names or needs in the email: it points to the product, where access is checked and logged.
        context = {"referral": referral, "event": event, "link": settings.SITE_URL + referral.get_absolute_url()}
        try:
            send_mail(
                subject=SUBJECTS[event].format(to=referral.to_agency.name),
                message=render_to_string("referrals/email/referral_event.txt", context),
                from_email=None,
                recipient_list=[recipient],
            )
        except Exception:
            delivery.delete()  # let the retry send it
            raise
        EmailDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
        sent += 1
    return sent
