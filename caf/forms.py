from django import forms

from agencies.models import User
from config.govuk_forms import DateField, GovukForm, GovukModelForm

from .models import ECM_AIM_CHOICES, Action, Assessment


class AnswersForm(GovukForm):
    """The text fields of one section (or one element), plus the revision it was opened at."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, text_fields=(), with_completed=True, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in text_fields:
            self.fields[spec.name] = forms.CharField(
                label=spec.label,
                required=False,
                max_length=spec.max_length,
                # style_fields() makes every limited text box a character count ("You can enter up to N characters").
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


def owner_choice(agency_id: int, user_id: int | None = None) -> str:
    """The value of one option of "who will do it": an agency as a whole, or one of its practitioners."""
    return f"{agency_id}" if user_id is None else f"{agency_id}:{user_id}"


class ActionForm(GovukModelForm):
    """An action of the delivery plan. Its owner is chosen from the team around the child (an agency as a
    whole, or one of its practitioners), never typed: `team` is [(agency, [users])] from
    caf.selectors.action_owner_choices."""

    due_on = DateField(label="By when")

    class Meta:
        model = Action
        fields = ["need", "what", "why_for_owner", "due_on", "desired_outcome", "ecm_aim"]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 2}),
            "what": forms.Textarea(attrs={"rows": 3}),
            "why_for_owner": forms.Textarea(attrs={"rows": 3}),
            "desired_outcome": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"why_for_owner": "Why it is needed, for whoever does it"}
        help_texts = {
            "why_for_owner": "Whoever does the action sees this, not the CAF: the family may have agreed to share "
            "only basic details with their agency. Say what they need to know to do it, and no more."
        }
        error_messages = {
            "need": {"required": "Enter the need the action addresses"},
            "what": {"required": "Enter what will be done"},
            "why_for_owner": {"required": "Enter why the action is needed, for whoever does it"},
            "desired_outcome": {"required": "Enter the desired outcome"},
            "ecm_aim": {"required": "Select the Every Child Matters outcome and aim"},
        }

    field_order = ["need", "what", "why_for_owner", "owner", "due_on", "desired_outcome", "ecm_aim"]

    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["why_for_owner"].required = True
        self._owners = {}
        groups = []
        for agency, members in team:
            options = [(owner_choice(agency.pk), f"{agency.name} (the agency as a whole)")]
            self._owners[owner_choice(agency.pk)] = (agency, None)
            for user in members:
                label = f"{user.full_name}, {user.job_title}" if user.job_title else user.full_name
                options.append((owner_choice(agency.pk, user.pk), label))
                self._owners[owner_choice(agency.pk, user.pk)] = (agency, user)
            groups.append((agency.name, options))
        self.fields["owner"] = forms.ChoiceField(
            label="Who will do it",
            help_text="Choose a practitioner from the team around the child, or an agency as a whole: its "
            "managers will give the action to one of their practitioners.",
            choices=[("", "Choose who will do it"), *groups],
            error_messages={
                "required": "Select who will do the action",
                "invalid_choice": "Select who will do the action from the team around the child",
            },
        )
        if self.instance.pk and self.instance.owner_agency_id:
            self.initial.setdefault("owner", owner_choice(self.instance.owner_agency_id, self.instance.owner_id))
        self.fields["ecm_aim"] = forms.ChoiceField(
            label="Every Child Matters outcome and aim",
            choices=[("", "Choose an outcome and aim"), *ECM_AIM_CHOICES],
            error_messages={"required": "Select the Every Child Matters outcome and aim"},
        )
        self.order_fields(self.field_order)
        self.style_fields()

    def clean(self):
        data = super().clean()
        chosen = self._owners.get(data.get("owner") or "")
        data["owner_agency"], data["owner"] = chosen if chosen else (None, None)
        return data


class ActionAssignForm(GovukForm):
    """A manager gives an action their agency holds to one of its practitioners."""

    owner = forms.ModelChoiceField(
        label="Who will do it",
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Select the practitioner who will do the action",
            "invalid_choice": "Select a practitioner of your agency",
        },
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members if members is not None else User.objects.none()
        self.fields["owner"].label_from_instance = lambda user: (
            f"{user.full_name}, {user.job_title}" if user.job_title else user.full_name
        )


class ActionProgressForm(GovukForm):
    status = forms.ChoiceField(label="Where the action stands", choices=Action.Status.choices, widget=forms.RadioSelect)
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
