from django import forms

from agencies.govuk_forms import DateField, GovukForm, GovukModelForm
from agencies.models import Agency, User

from .models import ECM_AIM_CHOICES, Action, Assessment


class SectionForm(GovukForm):
    """The text fields of one section (or one element), plus the revision it was opened at."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, text_fields=(), with_completed=True, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in text_fields:
            self.fields[spec.name] = forms.CharField(
                label=spec.label,
                required=False,
                max_length=spec.max_length,
                # style_fields() adds "You can enter up to N characters." to every limited text box.
                help_text=spec.hint,
                widget=forms.Textarea(attrs={"rows": spec.rows}),
                error_messages={
                    "max_length": f"{spec.label} must be {spec.max_length:,} characters or fewer "
                    f"(you have %(show_value)d)"
                },
            )
        self.text_names = [spec.name for spec in text_fields]
        if with_completed:
            self.fields["completed"] = forms.ChoiceField(
                label="Have you completed this section?",
                choices=[("yes", "Yes, I've completed this section"), ("no", "No, I'll come back to it later")],
                widget=forms.RadioSelect,
                required=False,
            )
        self.style_fields()

    def text_data(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.text_names}


class CompleteForm(GovukForm):
    consent_confirmed = forms.BooleanField(
        label="The family's consent to store and share this information still stands",
        required=False,
    )


class ActionForm(GovukModelForm):
    due_on = DateField(label="By when")
    owner_email = forms.EmailField(
        label="Practitioner responsible (email address, optional)",
        required=False,
        help_text="Leave blank to give the action to the agency as a whole",
    )

    class Meta:
        model = Action
        fields = ["need", "what", "owner_agency", "due_on", "desired_outcome", "ecm_aim"]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 2}),
            "what": forms.Textarea(attrs={"rows": 3}),
            "desired_outcome": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"owner_agency": "Agency responsible"}
        error_messages = {
            "need": {"required": "Enter the need the action addresses"},
            "what": {"required": "Enter what will be done"},
            "owner_agency": {"required": "Select the agency responsible"},
            "desired_outcome": {"required": "Enter the desired outcome"},
            "ecm_aim": {"required": "Select the Every Child Matters outcome and aim"},
        }

    def __init__(self, *args, team_agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = team_agencies if team_agencies is not None else Agency.objects.none()
        self.fields["ecm_aim"] = forms.ChoiceField(
            label="Every Child Matters outcome and aim",
            choices=[("", "Choose an outcome and aim"), *ECM_AIM_CHOICES],
            error_messages={"required": "Select the Every Child Matters outcome and aim"},
        )
        self.style_fields()
        if self.instance.pk and self.instance.owner_id:
            self.initial.setdefault("owner_email", self.instance.owner.email)

    def clean(self):
        data = super().clean()
        email = (data.get("owner_email") or "").strip().lower()
        data["owner"] = None
        if email:
            owner = User.objects.filter(email=email, is_active=True).first()
            if owner is None:
                self.add_error("owner_email", "There is no practitioner with that email address")
            data["owner"] = owner
        return data


class ActionProgressForm(GovukForm):
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Progress note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReviewForm(GovukForm):
    held_on = DateField(label="Date of the meeting")
    practitioners = forms.ModelMultipleChoiceField(
        label="Practitioners who attended",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    family_present = forms.CharField(label="Family members who attended", max_length=500, required=False)
    progress = forms.CharField(
        label="Progress on each action",
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the progress on the plan"},
    )
    next_steps = forms.CharField(
        label="Next steps", max_length=8000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    child_comments = forms.CharField(
        label="The child's comments", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent_comments = forms.CharField(
        label="The parent's or carer's comments",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_review_on = DateField(
        label="Next review date", required=False, help_text="Reviews are usually every 4 to 12 weeks"
    )
    close_reason = forms.ChoiceField(
        label="Or close the CAF at this review",
        choices=[("", "No, the support continues"), *Assessment.ClosureReason.choices],
        required=False,
    )

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioners"].queryset = team if team is not None else User.objects.none()


class CloseForm(GovukForm):
    reason = forms.ChoiceField(
        label="Why is the CAF closing?",
        choices=Assessment.ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the CAF is closing"},
    )
    notes = forms.CharField(label="Notes", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self):
        data = super().clean()
        if data.get("reason") == Assessment.ClosureReason.OTHER and not data.get("notes", "").strip():
            self.add_error("notes", "Enter the reason for closing the CAF")
        return data
