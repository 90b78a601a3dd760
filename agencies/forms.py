from django import forms
from django.contrib.auth import forms as auth_forms

from config.govuk_forms import GovukForm, GovukFormMixin, GovukModelForm

from .models import Agency, Membership, User, normalise_postcode


class SignInForm(GovukFormMixin, auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account has been closed. Ask your agency's manager if you need it again",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class PasswordResetRequestForm(GovukFormMixin, auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def save(self, **kwargs):
        """Write each account's email to the outbox (agencies.AccountEmail) instead of sending it in the
        request: a mail server or broker that is away never turns the request into an error page, and the
        worker sends it, with a token made at that moment."""
        import uuid

        from django.db import transaction

        from .models import AccountEmail
        from .services import account_email_write

        with transaction.atomic():
            for user in self.get_users(self.cleaned_data["email"]):
                account_email_write(
                    kind=AccountEmail.Kind.PASSWORD_RESET, user=user, key=f"password-reset:{user.pk}:{uuid.uuid4().hex}"
                )


class SetPasswordForm(GovukFormMixin, auth_forms.SetPasswordForm):
    error_messages = {"password_mismatch": "The two passwords do not match"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields[
            "new_password1"
        ].help_text = "Use at least 12 characters. A few unrelated words make a strong password you can remember."
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].help_text = ""


class PasswordChangeForm(GovukFormMixin, auth_forms.PasswordChangeForm):
    error_messages = {
        "password_mismatch": "The two passwords do not match",
        "password_incorrect": "Your current password is not right. Enter it again",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = "Use at least 12 characters. Long passphrases are welcome."
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].help_text = ""


class ProfileForm(GovukModelForm):
    input_widths = {"phone": "govuk-input--width-20"}

    class Meta:
        model = User
        fields = ["full_name", "job_title", "phone", "role_outline", "availability"]
        widgets = {"role_outline": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "full_name": {"required": "Enter your full name"},
        }


class AgencyForm(GovukModelForm):
    website = forms.URLField(
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a website address in the correct format, like https://www.example.org"},
    )
    input_widths = {
        "postcode": "govuk-input--width-10",
        "phone": "govuk-input--width-20",
    }

    class Meta:
        model = Agency
        fields = ["name", "kind", "sector", "address", "postcode", "phone", "email", "website"]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            "sector": forms.RadioSelect,
        }
        labels = {"kind": "Kind of agency"}
        error_messages = {
            "name": {"required": "Enter the agency's name", "unique": "An agency with this name already exists"},
            "kind": {"required": "Select the kind of agency"},
            "sector": {"required": "Select the agency's sector"},
            "email": {"invalid": "Enter an email address in the correct format, like name@example.org"},
            "website": {"invalid": "Enter a website address in the correct format, like https://www.example.org"},
        }

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"]
        return normalise_postcode(postcode) if postcode else postcode


class MemberAddForm(GovukForm):
    email = forms.EmailField(
        label="Email address",
        help_text=(
            "Their work email address. If they do not have an account yet, we will email them a link to set a password."
        ),
        error_messages={
            "required": "Enter the person's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    full_name = forms.CharField(
        label="Full name",
        required=False,
        max_length=150,
        help_text="Only needed if they do not have an account yet",
    )
    job_title = forms.CharField(label="Job title", required=False, max_length=150)
    role = forms.ChoiceField(
        label="Role in this agency",
        choices=Membership.Role.choices,
        initial=Membership.Role.PRACTITIONER,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person's role"},
    )


class MemberRoleForm(GovukForm):
    role = forms.ChoiceField(
        label="Role in this agency",
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person's role"},
    )


class NotificationPreferenceForm(GovukForm):
    notification_email = forms.ChoiceField(
        label="How do you want to be emailed about your notifications?",
        choices=User.NotificationEmail.choices,
        widget=forms.RadioSelect,
        help_text="Emails never include a child's or family's details: they tell you what happened and link to it.",
        error_messages={"required": "Select how you want to be emailed about notifications"},
    )
