from datetime import timedelta

from django import forms
from django.utils import timezone

from agencies.models import Agency, User, normalise_postcode
from config.govuk_forms import DateField, GovukForm, GovukModelForm

from .models import Child, Consent, Disclosure, FamilyMember, SafeguardingEscalation

# An expected date of delivery more than this long ago means the baby has been born: record a date of birth.
EDD_PAST_WINDOW = timedelta(weeks=4)
EDD_FUTURE_WINDOW = timedelta(weeks=44)


class ChildSearchForm(GovukForm):
    first_name = forms.CharField(label="First name", required=False, max_length=100)
    last_name = forms.CharField(label="Last name", required=False, max_length=100)
    date_of_birth = DateField(label="Date of birth", required=False, help_text="For example, 27 3 2021")
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    input_widths = {"postcode": "govuk-input--width-10"}

    def _a_name(self, field: str, label: str) -> str:
        value = self.cleaned_data.get(field, "").strip()
        # Names are searched by how they sound: one with no letter in it can match nobody, so say so.
        if value and not any(character.isalpha() for character in value):
            raise forms.ValidationError(f"{label} must include letters")
        return value

    def clean_first_name(self):
        return self._a_name("first_name", "First name")

    def clean_last_name(self):
        return self._a_name("last_name", "Last name")

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("first_name", "last_name", "date_of_birth", "postcode")):
            raise forms.ValidationError("Enter a name, a date of birth or a postcode to search for")
        return data


class ChildForm(GovukModelForm):
    date_of_birth = DateField(label="Date of birth", required=False, help_text="For example, 27 3 2021")
    expected_date_of_delivery = DateField(
        label="Expected date of delivery", required=False, help_text="Only for an unborn baby"
    )
    input_widths = {"postcode": "govuk-input--width-10", "phone": "govuk-input--width-20"}

    class Meta:
        model = Child
        fields = [
            "first_name",
            "last_name",
            "other_names",
            "sex",
            "is_unborn",
            "unborn_mother_name",
            "date_of_birth",
            "expected_date_of_delivery",
            "address",
            "postcode",
            "phone",
            "religion",
            "ethnicity",
            "first_language",
            "parents_first_language",
            "has_disability",
            "disability_details",
            "interpreter_needed",
            "special_requirements",
            "school",
            "gp_practice",
        ]
        widgets = {
            "sex": forms.RadioSelect,
            "has_disability": forms.RadioSelect,
            "address": forms.Textarea(attrs={"rows": 3}),
            "disability_details": forms.Textarea(attrs={"rows": 3}),
            "special_requirements": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "is_unborn": "This is an unborn baby",
            "unborn_mother_name": "Mother's name (for an unborn baby)",
        }
        error_messages = {"last_name": {"required": "Enter the child's last name"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = Agency.objects.filter(is_active=True, kind__in=Agency.SETTING_KINDS)
        self.fields["gp_practice"].queryset = Agency.objects.filter(is_active=True, kind=Agency.Kind.GP_PRACTICE)
        self.fields["sex"].choices = Child.Sex.choices
        self.fields["has_disability"].choices = Child.YesNoUnknown.choices

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"]
        return normalise_postcode(postcode) if postcode else postcode

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        dob = data.get("date_of_birth")
        edd = data.get("expected_date_of_delivery")
        if data.get("is_unborn"):
            if dob:
                self.add_error(
                    "date_of_birth", "An unborn baby has no date of birth yet: enter the expected date of delivery"
                )
            if not edd and "expected_date_of_delivery" not in self.errors:
                self.add_error("expected_date_of_delivery", "Enter the expected date of delivery")
            elif edd and edd < today - EDD_PAST_WINDOW:
                self.add_error(
                    "expected_date_of_delivery",
                    "The expected date of delivery is more than 4 weeks ago: if the baby has been born, "
                    "record their date of birth instead",
                )
            elif edd and edd > today + EDD_FUTURE_WINDOW:
                self.add_error("expected_date_of_delivery", "The expected date of delivery must be within 44 weeks")
            if not data.get("unborn_mother_name", "").strip():
                self.add_error("unborn_mother_name", "Enter the mother's name")
        else:
            if edd:
                self.add_error("expected_date_of_delivery", "Only an unborn baby has an expected date of delivery")
            if not data.get("first_name", "").strip() and "first_name" not in self.errors:
                self.add_error("first_name", "Enter the child's first name")
            if dob and dob > today:
                self.add_error("date_of_birth", "The date of birth must be today or in the past")
            elif dob and dob.year < today.year - 25:
                self.add_error("date_of_birth", "The date of birth must be within the last 25 years")
        return data


class FamilyMemberForm(GovukModelForm):
    date_of_birth = DateField(label="Date of birth", required=False)
    input_widths = {"phone": "govuk-input--width-20"}

    class Meta:
        model = FamilyMember
        fields = [
            "kind",
            "name",
            "relationship",
            "parental_responsibility",
            "lives_with_child",
            "date_of_birth",
            "phone",
            "email",
            "address",
            "first_language",
            "linked_child",
        ]
        widgets = {"kind": forms.RadioSelect, "address": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "kind": "Who are they?",
            "parental_responsibility": "Has parental responsibility",
            "linked_child": "Their own record, if they are a child with one",
        }
        error_messages = {
            "name": {"required": "Enter their name"},
            "relationship": {"required": "Enter their relationship to the child"},
            "kind": {"required": "Select who they are"},
        }

    def __init__(self, *args, linkable_children=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = FamilyMember.Kind.choices
        self.fields["linked_child"].queryset = (
            linkable_children if linkable_children is not None else Child.objects.none()
        )
        self.fields["linked_child"].label_from_instance = lambda c: f"{c.display_name} ({c.reference})"


class InvolvementForm(GovukForm):
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.filter(is_active=True),
        error_messages={"required": "Select the agency"},
    )
    role = forms.CharField(
        label="Their role with the child",
        max_length=200,
        help_text="For example, health visitor, class teacher, housing officer",
        error_messages={"required": "Enter the agency's role with the child"},
    )
    practitioner_email = forms.EmailField(
        label="Named practitioner's email address (optional)",
        required=False,
        help_text="If one practitioner of that agency will be the child's contact",
    )

    def clean(self):
        data = super().clean()
        email = (data.get("practitioner_email") or "").strip().lower()
        data["practitioner"] = None
        if email:
            practitioner = User.objects.filter(email=email, is_active=True).first()
            if practitioner is None:
                self.add_error("practitioner_email", "There is no practitioner with that email address")
            data["practitioner"] = practitioner
        return data


class InvolvementEndForm(GovukForm):
    reason = forms.CharField(
        label="Why is the agency leaving the team?",
        max_length=300,
        error_messages={"required": "Enter why the agency is leaving the team"},
    )


class LeadProfessionalForm(GovukForm):
    practitioner = forms.ModelChoiceField(
        label="Lead professional",
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": "Select the lead professional"},
    )
    family_agreed = forms.BooleanField(
        label="The family agreed to this lead professional",
        required=True,
        error_messages={"required": "The lead professional is chosen with the family: confirm they agreed"},
    )
    agreed_on = DateField(label="Date the family agreed")
    handover_note = forms.CharField(
        label="Handover note for the new lead professional (optional)",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the new lead needs to know first. Only they will read it, at the top of the child's record.",
    )

    def __init__(self, *args, candidates=None, may_hand_over=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = candidates if candidates is not None else User.objects.none()
        self.fields["practitioner"].label_from_instance = lambda u: f"{u.full_name}, {u.job_title}".rstrip(", ")
        if not may_hand_over:
            # Only the lead who hands over writes the note; a manager making the change does not.
            del self.fields["handover_note"]

    def clean_agreed_on(self):
        agreed_on = self.cleaned_data["agreed_on"]
        if agreed_on and agreed_on > timezone.localdate():
            raise forms.ValidationError("The date the family agreed must be today or in the past")
        return agreed_on


class ConsentForm(GovukModelForm):
    given_on = DateField(label="Date consent was given")
    review_on = DateField(label="Review date", required=False, help_text="Usually within a year")

    class Meta:
        model = Consent
        fields = [
            "given_by",
            "given_by_name",
            "capacity",
            "given_on",
            "method",
            "scope",
            "all_involved_agencies",
            "agencies_included",
            "agencies_excluded",
            "purposes",
            "review_on",
        ]
        widgets = {
            "given_by": forms.RadioSelect,
            "method": forms.RadioSelect,
            "scope": forms.RadioSelect,
            "agencies_included": forms.CheckboxSelectMultiple,
            "agencies_excluded": forms.CheckboxSelectMultiple,
            "purposes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "given_by": "Who gave consent?",
            "agencies_included": "If not every agency: the agencies it covers",
            "agencies_excluded": "Agencies that may not see additional information",
            "purposes": "What the information will be used for",
        }
        # The model's help text says the label again; the hint says what the label does not.
        help_texts = {"agencies_excluded": "They still see the basic details the consent covers"}
        error_messages = {
            "given_by": {"required": "Select who gave consent"},
            "given_by_name": {"required": "Enter the name of the person who gave consent"},
            "method": {"required": "Select how consent was given"},
            "scope": {"required": "Select what the consent covers"},
            "purposes": {"required": "Enter what the information will be used for"},
        }

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("given_by", "method", "scope"):
            self.fields[name].choices = (
                self.fields[name].choices[1:] if self.fields[name].choices[0][0] == "" else self.fields[name].choices
            )
        queryset = agencies if agencies is not None else Agency.objects.none()
        self.fields["agencies_included"].queryset = queryset
        self.fields["agencies_excluded"].queryset = queryset

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        given_on, review_on = data.get("given_on"), data.get("review_on")
        if given_on and given_on > today:
            self.add_error("given_on", "The date consent was given must be today or in the past")
        if given_on and review_on and review_on <= given_on:
            self.add_error("review_on", "The review date must be after the date consent was given")
        if not data.get("all_involved_agencies") and not data.get("agencies_included"):
            self.add_error(
                "agencies_included", "Select the agencies the consent covers, or that it covers every agency"
            )
        if data.get("given_by") in (Consent.GivenBy.YOUNG_PERSON, Consent.GivenBy.BOTH) and not data.get("capacity"):
            self.add_error("capacity", "Enter how you judged the young person's capacity to consent")
        return data


class ConsentWithdrawForm(GovukForm):
    withdrawn_on = DateField(label="Date consent was withdrawn")
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason consent was withdrawn"},
    )

    def clean_withdrawn_on(self):
        value = self.cleaned_data["withdrawn_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("The date consent was withdrawn must be today or in the past")
        return value


class DisclosureForm(GovukModelForm):
    class Meta:
        model = Disclosure
        fields = ["shared_with", "scope", "what", "purpose", "basis", "lawful_basis", "reason"]
        widgets = {
            "scope": forms.RadioSelect,
            "basis": forms.RadioSelect,
            "what": forms.Textarea(attrs={"rows": 3}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "reason": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "shared_with": "Shared with (or decided not to share with)",
            "basis": "Basis for the decision",
            "lawful_basis": "Lawful basis (for sharing without consent)",
            "reason": "Reasons for the decision",
        }
        help_texts = {
            "lawful_basis": "For example, UK GDPR Article 6(1)(e) and Schedule 8 DPA 2018: safeguarding of children",
        }
        error_messages = {
            "shared_with": {"required": "Select the agency"},
            "what": {"required": "Enter what was shared"},
            "purpose": {"required": "Enter the purpose"},
            "basis": {"required": "Select the basis for the decision"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shared_with"].queryset = Agency.objects.filter(is_active=True)
        for name in ("scope", "basis"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0] != ""]


class EscalationForm(GovukModelForm):
    class Meta:
        model = SafeguardingEscalation
        fields = ["concern", "contacted_at", "contacted_whom"]
        widgets = {
            "concern": forms.Textarea(attrs={"rows": 5}),
            "contacted_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
        labels = {"contacted_at": "When you contacted children's social care"}
        error_messages = {
            "concern": {"required": "Describe the concern"},
            "contacted_at": {
                "required": "Enter when you contacted children's social care",
                "invalid": "Enter a real date and time",
            },
            "contacted_whom": {"required": "Enter who you spoke to"},
        }


class EscalationDecisionForm(GovukForm):
    outcome = forms.ChoiceField(
        label="Social care's decision",
        choices=[(o.value, o.label) for o in SafeguardingEscalation.DECISIONS],
        widget=forms.RadioSelect,
        error_messages={"required": "Select social care's decision"},
    )
    decided_by = forms.ModelChoiceField(
        label="Who decided",
        queryset=User.objects.none(),
        error_messages={"required": "Select who decided", "invalid_choice": "Select who decided"},
    )
    decided_at = forms.DateTimeField(
        label="When social care decided",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"required": "Enter when social care decided", "invalid": "Enter a real date and time"},
    )
    note = forms.CharField(
        label="Note of the decision",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was decided and why, and what happens next",
        error_messages={"required": "Enter a note of the decision"},
    )

    def __init__(self, *args, deciders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_by"].queryset = deciders if deciders is not None else User.objects.none()
        self.fields["decided_by"].label_from_instance = lambda u: f"{u.full_name}, {u.job_title}".rstrip(", ")


class ConsentConfirmForm(GovukForm):
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.none(),
        help_text="An agency that joined the team after consent was given, or one you want to refer to",
        error_messages={"required": "Select the agency", "invalid_choice": "Select the agency"},
    )
    agreed_by_name = forms.CharField(
        label="Who in the family agreed",
        max_length=200,
        error_messages={"required": "Enter who in the family agreed"},
    )
    method = forms.ChoiceField(
        label="How they agreed",
        choices=Consent.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how they agreed"},
    )
    agreed_on = DateField(label="Date the family agreed")

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies if agencies is not None else Agency.objects.none()


class HandoverNoteForm(GovukForm):
    text = forms.CharField(
        label="Handover note",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the new lead professional needs to know first. Only they will read it.",
        error_messages={"required": "Enter the handover note"},
    )


class EmergencyAccessForm(GovukForm):
    reason = forms.CharField(
        label="Why do you need emergency access to this record?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The child's lead professional and your agency's manager will see this reason.",
        error_messages={"required": "Enter why you need emergency access"},
    )
