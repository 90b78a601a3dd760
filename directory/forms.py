from django import forms
from django.db import models

from agencies.models import Agency, User
from config.govuk_forms import DateField, GovukForm, GovukModelForm

from .models import ORDINALS, AgencyProfile, Contact, Day, DirectoryEntry, PractitionerProfile, Service, Taxonomy
from .selectors import terms
from .services import OpeningSession


def NUMERIC():
    return forms.TextInput(attrs={"inputmode": "numeric"})


TIME_HINT = "Use the 24-hour clock, like 09:00 or 17:30. Leave both empty if closed."


def _model_field(model, name, **overrides):
    model_field = model._meta.get_field(name)
    if name in ("website", "url"):
        overrides.setdefault("assume_scheme", "https")
    if isinstance(model_field, models.PositiveSmallIntegerField):
        # GOV.UK asks for text inputs with a numeric keyboard, not type=number (which mangles input).
        overrides.setdefault("widget", NUMERIC())
    return model_field.formfield(**overrides)


class TermChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


class SessionsMixin:
    """One opening and one closing time per day of the week, checked the right way round."""

    time_error = "Enter a time, like 09:00 or 17:30"

    def add_session_fields(self, sessions=()):
        # One plain weekly time a day is shown; every other session (a second one that day, a monthly or
        # fortnightly one, one with dates) is kept as it is and changed on its own page.
        by_day = {}
        self.kept_sessions = []
        for row in sessions:
            if row.is_plain_weekly and row.day not in by_day:
                by_day[row.day] = row
            else:
                self.kept_sessions.append(OpeningSession.of(row))
        for day in Day:
            row = by_day.get(day.value)
            for part, label in (("opens", "opens at"), ("closes", "closes at")):
                name = f"{day.name.lower()}_{part}"
                self.fields[name] = forms.TimeField(
                    label=f"{day.label} {label}",
                    required=False,
                    input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
                    error_messages={"invalid": f"Enter the time {day.label} {label}, like 09:00 or 17:30"},
                    initial=(getattr(row, f"{part}_at").strftime("%H:%M") if row else None),
                    help_text=TIME_HINT if part == "opens" and day == Day.MONDAY else "",
                )
                self.input_widths[name] = "govuk-input--width-5"

    def clean_sessions(self, cleaned) -> list[OpeningSession]:
        sessions = []
        for day in Day:
            prefix = day.name.lower()
            opens, closes = cleaned.get(f"{prefix}_opens"), cleaned.get(f"{prefix}_closes")
            if f"{prefix}_opens" in self.errors or f"{prefix}_closes" in self.errors:
                continue
            if opens and not closes:
                self.add_error(f"{prefix}_closes", f"Enter the time {day.label} closes at")
            elif closes and not opens:
                self.add_error(f"{prefix}_opens", f"Enter the time {day.label} opens at")
            elif opens and closes:
                if closes <= opens:
                    self.add_error(
                        f"{prefix}_closes", f"The closing time on {day.label} must be after the opening time"
                    )
                else:
                    sessions.append(OpeningSession(day.value, opens, closes))
        return sessions + list(getattr(self, "kept_sessions", []))


AGENCY_FIELDS = ["address", "postcode", "phone", "email", "website"]
SHEET_FIELDS = [
    "is_listed",
    "profile",
    "contact_person",
    "fax",
    "services_offered_other",
    "how_to_refer",
    "referral_information",
    "expected_response_days",
    "urgent_response_days",
    "other_information",
]


class AgencySheetForm(GovukForm):
    """The agency information sheet: the agency's own details and what the directory says about it."""

    input_widths = {
        "postcode": "govuk-input--width-10",
        "phone": "govuk-input--width-20",
        "fax": "govuk-input--width-20",
        "expected_response_days": "govuk-input--width-3",
        "urgent_response_days": "govuk-input--width-3",
    }

    def __init__(self, *args, agency: Agency, profile: AgencyProfile, **kwargs):
        initial = {name: getattr(agency, name) for name in AGENCY_FIELDS}
        initial |= {name: getattr(profile, name) for name in SHEET_FIELDS}
        initial["services_offered"] = list(profile.services_offered.all()) if profile.pk else []
        super().__init__(*args, initial=initial, **kwargs)
        self.input_widths = dict(self.input_widths)
        order = (
            ["is_listed", "profile"] + AGENCY_FIELDS + [n for n in SHEET_FIELDS if n not in ("is_listed", "profile")]
        )
        for name in order:
            model = Agency if name in AGENCY_FIELDS else AgencyProfile
            self.fields[name] = _model_field(model, name)
        self.fields["services_offered"] = TermChoiceField(
            queryset=terms(Taxonomy.Code.SERVICE_TYPES), required=False, label="Services offered"
        )
        # Services offered sit before "other services offered", as on the paper sheet.
        self.order_fields(
            [
                "is_listed",
                "profile",
                *AGENCY_FIELDS,
                "contact_person",
                "fax",
                "services_offered",
                "services_offered_other",
            ]
        )
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        self.fields["website"].error_messages["invalid"] = (
            "Enter a web address in the correct format, like https://www.example.org"
        )
        self.fields["expected_response_days"].error_messages["invalid"] = (
            "Enter the expected response time as a number of working days"
        )
        self.fields["urgent_response_days"].error_messages["invalid"] = (
            "Enter the urgent response time as a number of working days"
        )
        self.style_fields()

    def clean_postcode(self):
        from agencies.models import normalise_postcode

        value = self.cleaned_data["postcode"].strip().upper()
        value = normalise_postcode(value) if value else ""
        if value:
            Agency._meta.get_field("postcode").run_validators(value)
        return value

    def clean(self):
        cleaned = super().clean()
        usual, urgent = cleaned.get("expected_response_days"), cleaned.get("urgent_response_days")
        if usual is not None and urgent is not None and urgent > usual:
            self.add_error("urgent_response_days", "The urgent response time must not be longer than the usual one")
        return cleaned

    def agency_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in AGENCY_FIELDS}

    def sheet_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SHEET_FIELDS}


class OpeningTimesForm(SessionsMixin, GovukForm):
    def __init__(self, *args, profile: AgencyProfile, **kwargs):
        super().__init__(*args, **kwargs)
        self.input_widths = {}
        self.add_session_fields(profile.opening_times.all() if profile.pk else [])
        self.fields["exceptions"] = forms.CharField(
            label="Exceptions to these times",
            required=False,
            max_length=300,
            initial=profile.opening_exceptions,
            help_text="For example, term time only, or closed on bank holidays.",
        )
        self.style_fields()

    def clean(self):
        cleaned = super().clean()
        cleaned["sessions"] = self.clean_sessions(cleaned)
        return cleaned


SERVICE_FIELDS = [
    "name",
    "description",
    "status",
    "types",
    "outcomes",
    "minimum_age",
    "maximum_age",
    "eligibility",
    "cost",
    "languages",
    "schedule_notes",
    "how_to_access",
    "url",
    "contact_email",
    "alert",
    "accreditations",
    "funding",
    "service_areas",
]


class ServiceForm(SessionsMixin, GovukModelForm):
    url = forms.URLField(
        label="Web page",
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address in the correct format, like https://www.example.org"},
    )

    class Meta:
        model = Service
        fields = SERVICE_FIELDS
        labels = {"name": "Name of the service", "description": "What the service does"}
        widgets = {"minimum_age": NUMERIC(), "maximum_age": NUMERIC()}
        error_messages = {
            "name": {"required": "Enter the name of the service"},
            "url": {"invalid": "Enter a web address in the correct format, like https://www.example.org"},
            "contact_email": {"invalid": "Enter an email address in the correct format, like name@example.org"},
            "minimum_age": {"invalid": "Enter the youngest age as a whole number of years"},
            "maximum_age": {"invalid": "Enter the oldest age as a whole number of years"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.input_widths = {
            "minimum_age": "govuk-input--width-3",
            "maximum_age": "govuk-input--width-3",
        }
        self.fields["types"] = TermChoiceField(
            queryset=terms(Taxonomy.Code.SERVICE_TYPES), required=False, label="Types of service"
        )
        self.fields["outcomes"] = TermChoiceField(
            queryset=terms(Taxonomy.Code.OUTCOMES), required=False, label="Every Child Matters outcomes it serves"
        )
        self.fields["status"].widget = forms.RadioSelect(choices=Service.Status.choices)
        self.add_session_fields(self.instance.opening_times.filter(service_location=None) if self.instance.pk else [])
        self.fields["contact_email"].help_text = "The service's own address. Add the people to contact separately."
        # Fields were rebuilt above, so style them again and put the days after "where it runs".
        for widget_owner in ("types", "outcomes", "status"):
            self.fields[widget_owner].widget._govuk_styled = False
        self.style_fields()
        days = [f"{d.name.lower()}_{p}" for d in Day for p in ("opens", "closes")]
        position = SERVICE_FIELDS.index("schedule_notes")
        self.order_fields(SERVICE_FIELDS[:position] + days + SERVICE_FIELDS[position:])

    def clean(self):
        # The age range is checked by Service.clean, which puts its error on the oldest age.
        cleaned = super().clean()
        cleaned["sessions"] = self.clean_sessions(cleaned)
        return cleaned

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SERVICE_FIELDS if name not in ("types", "outcomes")}


USER_FIELDS = ["job_title", "phone", "role_outline", "availability"]


class PractitionerProfileForm(GovukForm):
    input_widths = {"phone": "govuk-input--width-20"}

    def __init__(self, *args, user: User, profile: PractitionerProfile, **kwargs):
        initial = {name: getattr(user, name) for name in USER_FIELDS}
        initial |= {
            "is_listed": profile.is_listed,
            "contact_email": profile.contact_email,
            "location_on_site": profile.location_on_site,
            "available_days": [str(d) for d in profile.available_days or []],
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["is_listed"] = _model_field(PractitionerProfile, "is_listed")
        for name in USER_FIELDS:
            self.fields[name] = _model_field(User, name)
        self.fields["contact_email"] = _model_field(PractitionerProfile, "contact_email")
        self.fields["contact_email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        self.fields["location_on_site"] = _model_field(PractitionerProfile, "location_on_site")
        self.fields["available_days"] = forms.TypedMultipleChoiceField(
            label="Days you are available",
            choices=[(str(d.value), d.label) for d in Day],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.style_fields()

    def user_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in USER_FIELDS}

    def profile_fields(self) -> dict:
        return {
            "is_listed": self.cleaned_data["is_listed"],
            "contact_email": self.cleaned_data["contact_email"],
            "location_on_site": self.cleaned_data["location_on_site"],
            "available_days": self.cleaned_data["available_days"],
        }


class DirectoryForm(GovukForm):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title for the directory"}
    )
    introduction = forms.CharField(
        label="Introduction",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown at the top of the published directory.",
    )


class GroupForm(GovukForm):
    heading = forms.CharField(
        label="Heading of the group",
        max_length=150,
        help_text="For example, Health, or In school every week.",
        error_messages={"required": "Enter a heading for the group"},
    )


class _SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.heading


class EntryAddForm(GovukForm):
    """Choose an agency, a service or a practitioner (by kind) to add, its group and the setting's note."""

    def __init__(self, *args, directory, kind: str, choices, **kwargs):
        super().__init__(*args, **kwargs)
        label = DirectoryEntry.Kind(kind).label.lower()
        self.fields["target"] = forms.ModelChoiceField(
            queryset=choices,
            label=f"Choose the {label}",
            empty_label=f"Choose {'an' if label[0] in 'aeiou' else 'a'} {label}",
            error_messages={"required": f"Choose the {label} to add", "invalid_choice": f"Choose a listed {label}"},
        )
        self.fields["section"] = _SectionChoiceField(
            queryset=directory.sections.all(), required=False, label="Group", empty_label="No group"
        )
        self.fields["note"] = _model_field(DirectoryEntry, "note")
        self.style_fields()


class EntryEditForm(GovukForm):
    input_widths = {"position": "govuk-input--width-3"}

    def __init__(self, *args, entry: DirectoryEntry, **kwargs):
        super().__init__(
            *args, initial={"section": entry.section, "position": entry.position, "note": entry.note}, **kwargs
        )
        self.fields["section"] = _SectionChoiceField(
            queryset=entry.directory.sections.all(), required=False, label="Group", empty_label="No group"
        )
        self.fields["position"] = forms.IntegerField(
            label="Position in its group",
            widget=NUMERIC(),
            min_value=0,
            max_value=999,
            help_text="Entries are shown in order of this number, lowest first.",
            error_messages={"invalid": "Enter the position as a whole number", "required": "Enter the position"},
        )
        self.fields["note"] = _model_field(DirectoryEntry, "note")
        self.style_fields()


class PublicFilterForm(GovukForm):
    """The public page's search and filters (sent with GET, so results can be linked and bookmarked)."""

    input_widths = {
        "age": "govuk-input--width-3",
        "search": "govuk-input--width-20",
        "postcode": "govuk-input--width-10",
    }

    search = forms.CharField(label="Search", required=False, max_length=100)
    type = forms.ChoiceField(label="Type of service", required=False)
    outcome = forms.ChoiceField(label="Every Child Matters outcome", required=False)
    age = forms.IntegerField(
        label="Age of the child or young person",
        widget=NUMERIC(),
        required=False,
        min_value=0,
        max_value=25,
        error_messages={
            "invalid": "Enter an age as a whole number of years, like 5",
            "min_value": "Enter an age of 0 or more",
            "max_value": "Enter an age of 25 or less",
        },
    )
    day = forms.TypedChoiceField(
        label="Day",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any day")] + [(str(d.value), d.label) for d in Day],
    )

    postcode = forms.CharField(
        label="Near a postcode",
        required=False,
        max_length=10,
        help_text="For example, NF4 6KH.",
    )
    miles = forms.TypedChoiceField(
        label="Within",
        required=False,
        coerce=float,
        empty_value=None,
        choices=[
            ("", "Any distance"),
            ("1", "1 mile"),
            ("2", "2 miles"),
            ("5", "5 miles"),
            ("10", "10 miles"),
            ("20", "20 miles"),
        ],
    )

    def __init__(self, *args, type_choices, outcome_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.point = None
        self.fields["type"].choices = [("", "Any type")] + type_choices
        self.fields["outcome"].choices = [("", "Any outcome")] + outcome_choices

    def clean_postcode(self):
        from agencies.models import UK_POSTCODE, normalise_postcode

        from .services import postcode_point

        value = self.cleaned_data["postcode"].strip()
        if not value:
            self.point = None
            return ""
        value = normalise_postcode(value)
        try:
            UK_POSTCODE(value)
        except forms.ValidationError:
            raise forms.ValidationError("Enter a real postcode, like NF4 6KH") from None
        self.point = postcode_point(value)
        if self.point is None:
            raise forms.ValidationError(f"We do not know where {value} is: check it, or search without a postcode")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("miles") is not None and not cleaned.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter a postcode to search within a distance of it")
        return cleaned


class LocationForm(SessionsMixin, GovukForm):
    """One place where a service runs (an address, the family's home, or online), and its times there."""

    input_widths = {
        "postcode": "govuk-input--width-10",
        "latitude": "govuk-input--width-10",
        "longitude": "govuk-input--width-10",
    }

    def __init__(self, *args, link=None, **kwargs):
        from .models import Location

        location = link.location if link else Location()
        initial = {name: getattr(location, name) for name in LOCATION_FORM_FIELDS}
        if location.coordinates_from_postcode:
            initial["latitude"] = initial["longitude"] = None
        super().__init__(*args, initial=initial, **kwargs)
        for name in LOCATION_FORM_FIELDS:
            self.fields[name] = _model_field(Location, name)
        self.fields["kind"].widget = forms.RadioSelect(choices=Location.Kind.choices)
        self.fields["kind"].label = "Where does it run?"
        self.fields[
            "latitude"
        ].help_text = "Optional. Leave both empty to place it at its postcode's centre, like 52.6309 and -1.1398."
        for name in ("latitude", "longitude"):
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})
            self.fields[name].error_messages["invalid"] = f"Enter the {name} as a number, like 52.6309"
        self.add_session_fields(link.opening_times.all() if link else [])
        self.fields["kind"].widget._govuk_styled = False
        self.style_fields()

    def clean_postcode(self):
        from agencies.models import normalise_postcode

        value = self.cleaned_data["postcode"].strip().upper()
        return normalise_postcode(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        cleaned["sessions"] = self.clean_sessions(cleaned)
        if cleaned.get("kind") == "physical":
            # Open Referral UK needs every part of an address; a place without them is not sent as one.
            for name, message in (
                ("address_1", "Enter the first line of the address"),
                ("city", "Enter the town or city"),
                ("state_province", "Enter the county"),
                ("postcode", "Enter the postcode"),
            ):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if latitude is not None and not -90 <= latitude <= 90:
            self.add_error("latitude", "Enter a latitude between -90 and 90")
        if longitude is not None and not -180 <= longitude <= 180:
            self.add_error("longitude", "Enter a longitude between -180 and 180")
        if (latitude is None) != (longitude is None) and not ({"latitude", "longitude"} & set(self.errors)):
            self.add_error("longitude", "Enter both the latitude and the longitude, or neither")
        return cleaned

    def location_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in LOCATION_FORM_FIELDS}


LOCATION_FORM_FIELDS = [
    "kind",
    "name",
    "address_1",
    "city",
    "state_province",
    "postcode",
    "latitude",
    "longitude",
    "accessibility",
    "description",
]


class ImportForm(GovukForm):
    """Bring in an Open Referral UK feed: a file, or the address of a publisher's API."""

    input_widths = {"url": "govuk-input--width-30"}

    url = forms.URLField(
        label="The feed's address",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false", "autocomplete": "url"}),
        help_text="The /services address of an Open Referral UK API, like "
        "https://fis.example.org/openreferral/services. Every page is imported.",
        error_messages={"invalid": "Enter a web address in the correct format, like https://fis.example.org/services"},
    )
    upload = forms.FileField(
        label="Or upload a feed file",
        required=False,
        help_text="A JSON file of services, a page of them, a service or an organisation with its services.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["upload"].widget
        widget.attrs["class"] = "govuk-file-upload"
        widget.attrs["accept"] = ".json,application/json"
        widget.govuk_kind = "file"

    def clean_upload(self):
        from django.conf import settings

        upload = self.cleaned_data.get("upload")
        if upload and upload.size > settings.DIRECTORY_IMPORT_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"The file must be smaller than {settings.DIRECTORY_IMPORT_MAX_UPLOAD_MB} MB")
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and bool(cleaned.get("url")) == bool(cleaned.get("upload")):
            self.add_error("url", "Give the feed's address or upload a feed file (one of them)")
        return cleaned


class ContactForm(GovukModelForm):
    """Someone to contact about a service: name, role, email and any number of telephone numbers."""

    class Meta:
        model = Contact
        fields = ["name", "title", "email", "phones"]
        widgets = {"phones": forms.Textarea(attrs={"rows": 3, "autocomplete": "tel"})}
        error_messages = {
            "email": {"invalid": "Enter an email address in the correct format, like name@example.org"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.input_widths = {}
        self.style_fields()

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("name", "title", "email", "phones")) and not self.errors:
            self.add_error("name", "Enter at least a name, a role, an email or a telephone number")
        return cleaned

    def _post_clean(self):
        # Contact.clean's errors are the same as the form's own; the service checks them again on save.
        pass

    def contact_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "title", "email", "phones")}


class ScheduleForm(GovukForm):
    """One session of a service beyond one time a week: fortnightly, monthly, or between two dates."""

    input_widths = {
        "interval": "govuk-input--width-2",
        "day_of_month": "govuk-input--width-2",
        "opens_at": "govuk-input--width-5",
        "closes_at": "govuk-input--width-5",
    }

    freq = forms.ChoiceField(
        label="How often does it run?",
        choices=[
            ("WEEKLY", "Every week, or every few weeks"),
            ("MONTHLY_WEEKDAY", "Once a month on a day of the week, like the first Tuesday"),
            ("MONTHLY_DATE", "Once a month on a date, like the 15th"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often it runs"},
    )
    interval = forms.IntegerField(
        label="Every how many weeks or months",
        required=False,
        min_value=1,
        max_value=52,
        widget=NUMERIC(),
        help_text="1 for every one, 2 for every other week (fortnightly) or every other month.",
        error_messages={
            "invalid": "Enter how often as a whole number, like 2",
            "min_value": "Enter 1 or more",
            "max_value": "Enter 52 or less",
        },
    )
    day = forms.TypedChoiceField(
        label="Day of the week",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Choose a day")] + [(str(d.value), d.label) for d in Day],
    )
    week_of_month = forms.TypedChoiceField(
        label="Which one in the month",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Choose which one")] + [(str(k), v) for k, v in ORDINALS.items()],
        help_text="For once a month on a day of the week.",
    )
    day_of_month = forms.IntegerField(
        label="Date in the month",
        required=False,
        min_value=-31,
        max_value=31,
        widget=NUMERIC(),
        help_text="For once a month on a date: 15 for the 15th, -1 for the last day of the month.",
        error_messages={"invalid": "Enter the date as a whole number, like 15"},
    )
    opens_at = forms.TimeField(
        label="Starts at",
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        help_text="Use the 24-hour clock, like 09:00 or 17:30.",
        error_messages={"required": "Enter the time it starts", "invalid": "Enter a time, like 09:00 or 17:30"},
    )
    closes_at = forms.TimeField(
        label="Ends at",
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={"required": "Enter the time it ends", "invalid": "Enter a time, like 09:00 or 17:30"},
    )
    starts_on = DateField(
        label="First date it runs",
        required=False,
        help_text="Needed for every few weeks, so families know which weeks. For example, 12 1 2027.",
    )
    valid_from = DateField(label="Runs from", required=False, help_text="Optional. For example, 6 1 2027.")
    valid_to = DateField(label="Runs until", required=False, help_text="Optional. For example, 31 3 2027.")
    description = forms.CharField(
        label="About these times",
        required=False,
        max_length=500,
        help_text="Optional. For example, not in the school holidays.",
    )

    def __init__(self, *args, row=None, **kwargs):
        initial = {}
        if row is not None:
            freq = "MONTHLY_DATE" if row.day_of_month else "MONTHLY_WEEKDAY" if row.week_of_month else "WEEKLY"
            initial = {
                "freq": freq,
                "interval": row.interval,
                "day": row.day,
                "week_of_month": row.week_of_month,
                "day_of_month": row.day_of_month,
                "opens_at": row.opens_at.strftime("%H:%M"),
                "closes_at": row.closes_at.strftime("%H:%M"),
                "starts_on": row.starts_on,
                "valid_from": row.valid_from,
                "valid_to": row.valid_to,
                "description": row.description,
            }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["freq"].widget._govuk_styled = False
        self.style_fields()

    def clean(self):
        cleaned = super().clean()
        freq = cleaned.get("freq")
        if freq in ("WEEKLY", "MONTHLY_WEEKDAY") and cleaned.get("day") is None and "day" not in self.errors:
            self.add_error("day", "Choose the day of the week it runs")
        if freq == "MONTHLY_WEEKDAY" and cleaned.get("week_of_month") is None and "week_of_month" not in self.errors:
            self.add_error("week_of_month", "Choose which one in the month, like first")
        if freq == "MONTHLY_DATE" and "day_of_month" not in self.errors:
            if not cleaned.get("day_of_month"):
                self.add_error("day_of_month", "Enter the date in the month, like 15, or -1 for the last day")
        if freq == "WEEKLY" and (cleaned.get("interval") or 1) > 1 and not cleaned.get("starts_on"):
            if "starts_on" not in self.errors:
                self.add_error("starts_on", "Enter the first date it runs, so families know which weeks")
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The time it ends must be after the time it starts")
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", "The date it runs until must be the same as or after the date it runs from")
        return cleaned

    def session(self) -> OpeningSession:
        data = self.cleaned_data
        freq = data["freq"]
        return OpeningSession(
            day=None if freq == "MONTHLY_DATE" else data["day"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            week_of_month=data["week_of_month"] if freq == "MONTHLY_WEEKDAY" else None,
            day_of_month=data["day_of_month"] if freq == "MONTHLY_DATE" else None,
            interval=data.get("interval") or 1,
            starts_on=data["starts_on"] if freq == "WEEKLY" else None,
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            description=data.get("description") or "",
        )
