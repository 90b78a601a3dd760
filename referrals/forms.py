from django import forms

from agencies.models import Agency
from config.govuk_forms import DateField, GovukForm

from .models import Referral


class ReferralForm(GovukForm):
    from_agency = forms.ModelChoiceField(
        label="Referring on behalf of",
        queryset=Agency.objects.none(),
        error_messages={"required": "Select your agency"},
    )
    # Every agency is a valid choice here so that an inactive one gets the service's clear message.
    to_agency = forms.ModelChoiceField(
        label="Refer to",
        queryset=Agency.objects.all(),
        error_messages={"required": "Select the agency you are referring to"},
    )
    to_service = forms.ModelChoiceField(
        label="A particular service of that agency (optional)",
        queryset=None,
        required=False,
        help_text="From the multi-agency directory",
    )
    reason = forms.CharField(
        label="Reason for the referral and the child's needs",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the reason for the referral and the child's needs"},
    )
    tried = forms.CharField(
        label="What has been tried already", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    urgency = forms.ChoiceField(
        label="Urgency", choices=Referral.Urgency.choices, initial=Referral.Urgency.ROUTINE, widget=forms.RadioSelect
    )
    share_caf = forms.BooleanField(label="Share the child's current CAF with the referral", required=False)
    basis = forms.ChoiceField(
        label="Sharing basis",
        choices=Referral.Basis.choices,
        initial=Referral.Basis.CONSENT,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the sharing basis"},
    )
    lawful_basis = forms.CharField(label="Lawful basis (for sharing without consent)", max_length=300, required=False)
    override_reason = forms.CharField(
        label="Reason for sharing without consent",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, my_agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_agency"].queryset = my_agencies if my_agencies is not None else Agency.objects.none()
        self.fields["to_agency"].widget.choices = [
            ("", "Choose an agency"),
            *((a.pk, a.name) for a in Agency.objects.filter(is_active=True)),
        ]
        from directory.models import Service

        self.fields["to_service"].queryset = (
            Service.objects.filter(status=Service.Status.ACTIVE, agency__is_active=True)
            .select_related("agency")
            .order_by("agency__name", "name")
        )
        self.fields["to_service"].label_from_instance = lambda service: f"{service.agency.name}: {service.name}"
        if my_agencies is not None and len(my_agencies) == 1:
            self.fields["from_agency"].initial = my_agencies[0].pk


class ReasonForm(GovukForm):
    reason = forms.CharField(
        label="Reason",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reason"},
    )


class RedirectForm(ReasonForm):
    to_agency = forms.ModelChoiceField(
        label="Redirect to",
        queryset=Agency.objects.filter(is_active=True),
        error_messages={"required": "Select the agency to redirect to"},
    )
    field_order = ["to_agency", "reason"]


class OutcomeForm(GovukForm):
    outcome = forms.CharField(
        label="Outcome",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the outcome"},
    )


class InboxFilterForm(GovukForm):
    urgency = forms.ChoiceField(label="Urgency", choices=[("", "Any"), *Referral.Urgency.choices], required=False)
    sent_from = DateField(label="Sent on or after", required=False)
    sent_to = DateField(label="Sent on or before", required=False)
