"""The multi-agency directory: agencies' information sheets, their services, practitioners' profiles,
and the directories settings publish from them.

Everything an agency or co-ordinator edits keeps its history (django-simple-history). Each agency,
service and opening time has a stable UUID: it is the Open Referral UK identifier, so an export and
an import of the same data meet on it.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agencies.models import UK_PHONE, UK_POSTCODE, Agency, normalise_postcode

# An entry not confirmed as accurate for this long is flagged to its agency and to co-ordinators.
STALE_AFTER = timedelta(days=183)

# Adult services in real feeds go up to 100 (or have no upper bound at all).
MAX_AGE = 120

SETTING_KINDS = Agency.SETTING_KINDS  # the settings that publish a directory


class Day(models.IntegerChoices):
    MONDAY = 1, "Monday"
    TUESDAY = 2, "Tuesday"
    WEDNESDAY = 3, "Wednesday"
    THURSDAY = 4, "Thursday"
    FRIDAY = 5, "Friday"
    SATURDAY = 6, "Saturday"
    SUNDAY = 7, "Sunday"


# iCalendar day codes, as Open Referral schedules use them.
ICAL_DAYS = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}


class Taxonomy(models.Model):
    """A vocabulary of terms (reference data, seeded by migration): service types, Every Child Matters outcomes."""

    class Code(models.TextChoices):
        SERVICE_TYPES = "service_types", "Types of service"
        OUTCOMES = "ecm_outcomes", "Every Child Matters outcomes"

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    # The two seeded vocabularies' codes, or a code made for a vocabulary an import brought in.
    code = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    uri = models.URLField(blank=True, max_length=500)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "taxonomies"

    def __str__(self):
        return self.name


class TaxonomyTerm(models.Model):
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["taxonomy__code", "position"]
        constraints = [models.UniqueConstraint(fields=["taxonomy", "code"], name="one_term_code_per_taxonomy")]

    def __str__(self):
        return self.name


class ConfirmedMixin(models.Model):
    """An entry someone has confirmed as accurate, and when; older than STALE_AFTER is flagged."""

    confirmed_at = models.DateTimeField("last confirmed as accurate", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_stale(self) -> bool:
        return self.confirmed_at is None or self.confirmed_at < timezone.now() - STALE_AFTER


class AgencyProfile(ConfirmedMixin):
    """An agency's information sheet (DOMAIN.md): what the directory and Open Referral UK say about it.

    Name, address, telephone, email and website live on `agencies.Agency` and are edited with the sheet.
    """

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="directory_profile")
    uuid = models.UUIDField("Open Referral identifier", unique=True, default=uuid.uuid4, editable=False)
    is_listed = models.BooleanField(
        "list this agency in directories and Open Referral UK",
        default=True,
        help_text="Co-ordinators can add a listed agency and its services to their setting's directory.",
    )
    profile = models.TextField("profile", max_length=3000, blank=True, help_text="What the agency is and does.")
    contact_person = models.CharField("contact person", max_length=150, blank=True)
    fax = models.CharField("fax", max_length=30, blank=True, validators=[UK_PHONE])
    opening_exceptions = models.CharField(
        "exceptions to the opening times",
        max_length=300,
        blank=True,
        help_text="For example, term time only, or closed on bank holidays.",
    )
    services_offered = models.ManyToManyField(
        TaxonomyTerm, blank=True, related_name="+", limit_choices_to={"taxonomy__code": Taxonomy.Code.SERVICE_TYPES}
    )
    services_offered_other = models.CharField("other services offered", max_length=300, blank=True)
    how_to_refer = models.TextField("how to refer", max_length=3000, blank=True)
    referral_information = models.TextField("what to include in a referral", max_length=3000, blank=True)
    expected_response_days = models.PositiveSmallIntegerField(
        "expected response time, in working days",
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
    )
    urgent_response_days = models.PositiveSmallIntegerField(
        "expected response time for urgent referrals, in working days",
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
    )
    other_information = models.TextField("other information", max_length=3000, blank=True)

    history = HistoricalRecords(m2m_fields=[services_offered])

    class Meta:
        ordering = ["agency__name"]

    def __str__(self):
        return f"Information sheet of {self.agency}"

    def clean(self):
        if (
            self.expected_response_days is not None
            and self.urgent_response_days is not None
            and self.urgent_response_days > self.expected_response_days
        ):
            raise ValidationError(
                {"urgent_response_days": "The urgent response time must not be longer than the usual one"}
            )


class Service(ConfirmedMixin):
    class Status(models.TextChoices):
        # Open Referral UK's values.
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        DEFUNCT = "defunct", "Closed for good"
        TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"

    uuid = models.UUIDField("Open Referral identifier", unique=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="directory_services")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=3000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    types = models.ManyToManyField(
        TaxonomyTerm,
        blank=True,
        related_name="services_of_type",
        limit_choices_to={"taxonomy__code": Taxonomy.Code.SERVICE_TYPES},
        verbose_name="types of service",
    )
    outcomes = models.ManyToManyField(
        TaxonomyTerm,
        blank=True,
        related_name="services_for_outcome",
        limit_choices_to={"taxonomy__code": Taxonomy.Code.OUTCOMES},
        verbose_name="Every Child Matters outcomes",
    )
    # Terms of other vocabularies an imported feed used (created under their own taxonomy by the import).
    other_terms = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="services_with_term")
    minimum_age = models.PositiveSmallIntegerField(
        "youngest age, in years", null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    # Empty means no upper limit ("and over").
    maximum_age = models.PositiveSmallIntegerField(
        "oldest age, in years", null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    eligibility = models.TextField("who can use it", max_length=2000, blank=True)
    cost = models.CharField("cost", max_length=200, blank=True, help_text="For example, free.")
    languages = models.CharField(
        "languages", max_length=300, blank=True, help_text="Separate languages with commas, like English, Polish."
    )
    schedule_notes = models.CharField(
        "exceptions to when it runs", max_length=300, blank=True, help_text="For example, term time only."
    )
    how_to_access = models.TextField("how to access it", max_length=2000, blank=True)
    url = models.URLField("web page", blank=True)
    # The service's own address (Open Referral's service email); the people to contact are its Contacts.
    contact_email = models.EmailField("email of the service", blank=True)
    # Open Referral UK's own fields, kept so a feed's records come back as they went in.
    alert = models.CharField(
        "alert", max_length=500, blank=True, help_text="A short notice shown first, like closed until 5 January."
    )
    accreditations = models.CharField("accreditations", max_length=500, blank=True)
    assurer_email = models.EmailField("email of whoever assures this entry", blank=True)
    funding = models.TextField("funded by", max_length=1000, blank=True, help_text="One source of funding a line.")
    service_areas = models.TextField(
        "areas served", max_length=1000, blank=True, help_text="One area a line, for example Northfield."
    )
    # When an imported record was last confirmed by its publisher (its assured_date); None when entered here.
    assured_on = models.DateField("assured by the publisher on", null=True, blank=True)
    # The imported record's digest and this row's updated_at when it was imported: a re-import of the same
    # record over an untouched service is then known to change nothing without reading it all again.
    feed_fingerprint = models.CharField(max_length=100, blank=True, editable=False)

    history = HistoricalRecords(m2m_fields=[types, outcomes, other_terms], excluded_fields=["feed_fingerprint"])

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=F("maximum_age")),
                name="service_age_range_the_right_way_up",
            )
        ]
        indexes = [
            models.Index(fields=["status", "agency"]),
            # Open Referral UK lists services in name order, a page at a time.
            models.Index(fields=["name", "id"], name="service_name_order"),
            # modified_after (an incremental harvest).
            models.Index(fields=["updated_at"], name="service_updated_at"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.minimum_age is not None and self.maximum_age is not None and self.minimum_age > self.maximum_age:
            raise ValidationError({"maximum_age": "The oldest age must be the same as or more than the youngest age"})

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]


ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", -1: "Last"}


def _nth(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def month_day_words(day_of_month: int) -> str:
    """A day of the month as people say it: the 15th, the last day, the 3rd to last day."""
    if day_of_month == -1:
        return "the last day"
    if day_of_month < 0:
        return f"the {_nth(-day_of_month)} to last day"
    return f"the {_nth(day_of_month)}"


class OpeningTime(models.Model):
    """One session of an agency (its opening and contact times) or of a service, as an Open Referral schedule.

    Weekly (every week, or every `interval` weeks from `starts_on`) on a day of the week; or monthly on a
    day of the week of a week of the month (the first Tuesday, the last Friday) or on a day of the month
    (the 15th, the last day). A feed's schedule naming several days is kept as one session a day."""

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(
        AgencyProfile, null=True, blank=True, on_delete=models.CASCADE, related_name="opening_times"
    )
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="opening_times")
    # A service's session at one of its locations; empty for the service as a whole (or an agency's times).
    service_location = models.ForeignKey(
        "ServiceLocation", null=True, blank=True, on_delete=models.CASCADE, related_name="opening_times"
    )
    # Empty only for a session on a day of the month.
    day = models.PositiveSmallIntegerField(choices=Day.choices, null=True, blank=True)
    # Empty: weekly. 1 to 4: that week's day of the month (the first Tuesday); -1: the last one.
    week_of_month = models.SmallIntegerField(null=True, blank=True, choices=[(k, v) for k, v in ORDINALS.items()])
    # Monthly on a day of the month (Open Referral's bymonthday): 1 to 31, or -1 to -31 counted from the end.
    day_of_month = models.SmallIntegerField("day of the month", null=True, blank=True)
    # Every `interval` weeks (or months); 1 is every one.
    interval = models.PositiveSmallIntegerField(default=1)
    # The first date it runs (Open Referral's dtstart): what "every 2 weeks" counts from.
    starts_on = models.DateField("first date", null=True, blank=True)
    valid_from = models.DateField("runs from", null=True, blank=True)
    valid_to = models.DateField("runs until", null=True, blank=True)
    description = models.CharField("about these times", max_length=500, blank=True)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["day", "opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="opening_time_ends_after_it_starts"),
            models.CheckConstraint(
                condition=Q(profile__isnull=True, service__isnull=False)
                | Q(profile__isnull=False, service__isnull=True),
                name="opening_time_of_an_agency_or_a_service",
            ),
            models.CheckConstraint(
                condition=Q(week_of_month__isnull=True) | Q(week_of_month__in=[1, 2, 3, 4, -1]),
                name="opening_time_week_of_month_known",
            ),
            models.CheckConstraint(
                condition=(Q(day__isnull=False) & Q(day_of_month__isnull=True))
                | (
                    Q(day__isnull=True, week_of_month__isnull=True, day_of_month__isnull=False)
                    & Q(day_of_month__gte=-31, day_of_month__lte=31)
                    & ~Q(day_of_month=0)
                ),
                name="opening_time_on_a_weekday_or_a_day_of_the_month",
            ),
            models.CheckConstraint(condition=Q(interval__gte=1), name="opening_time_interval_at_least_one"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="opening_time_valid_the_right_way_up",
            ),
        ]

    @property
    def freq(self) -> str:
        return "MONTHLY" if self.week_of_month or self.day_of_month else "WEEKLY"

    @property
    def is_plain_weekly(self) -> bool:
        """Every week on one day, nothing more: what the forms' one-time-a-day fields show."""
        return (
            self.freq == "WEEKLY"
            and self.interval == 1
            and not (self.starts_on or self.valid_from or self.valid_to or self.description)
        )

    def when(self) -> str:
        """The days in plain English: Monday; every 2 weeks on Monday; first Tuesday of the month; the 15th of every
        month."""
        every = f"every {self.interval} months" if self.interval > 1 else "the month"
        if self.day_of_month:
            every = f"every {self.interval} months" if self.interval > 1 else "every month"
            words = f"{month_day_words(self.day_of_month)} of {every}"
            return words[0].upper() + words[1:]
        day = self.get_day_display()
        if self.week_of_month:
            return f"{self.get_week_of_month_display()} {day} of {every}"
        if self.interval > 1:
            words = f"Every {self.interval} weeks on {day}"
            return words + (f", starting {self.starts_on:%-d %B %Y}" if self.starts_on else "")
        return day

    def __str__(self):
        text = f"{self.when()} {self.opens_at:%H:%M} to {self.closes_at:%H:%M}"
        if self.valid_from and self.valid_to:
            text += f", from {self.valid_from:%-d %B %Y} to {self.valid_to:%-d %B %Y}"
        elif self.valid_from:
            text += f", from {self.valid_from:%-d %B %Y}"
        elif self.valid_to:
            text += f", until {self.valid_to:%-d %B %Y}"
        return text


# Sessions in the order people read them (and the feed sends them): by day, then by what they are.
SESSION_ORDER = (
    models.F("day").asc(nulls_last=True),
    models.F("week_of_month").asc(nulls_first=True),
    "day_of_month",
    "opens_at",
    "closes_at",
    "interval",
    "starts_on",
    "valid_from",
    "valid_to",
    "description",
)


class Contact(models.Model):
    """Someone to contact about a service (Open Referral's contact), with their telephone numbers."""

    uuid = models.UUIDField("Open Referral identifier", unique=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("name", max_length=150, blank=True)
    title = models.CharField("job title or role", max_length=150, blank=True, help_text="For example, duty worker.")
    email = models.EmailField("email", blank=True)
    # One number a line: a contact may have several (an office and a mobile).
    phones = models.TextField(
        "telephone numbers", max_length=500, blank=True, help_text="One number a line, like 01632 960 303."
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name or self.title or self.email or next(iter(self.phone_list), "A contact")

    @property
    def phone_list(self) -> list[str]:
        return [line.strip() for line in self.phones.splitlines() if line.strip()]

    def clean(self):
        for number in self.phone_list:
            try:
                UK_PHONE(number)
            except ValidationError:
                raise ValidationError(
                    {"phones": f"Enter {number} as a UK telephone number, like 01632 960 303"}
                ) from None
        if not (self.name or self.title or self.email or self.phone_list):
            raise ValidationError("Enter at least a name, a role, an email or a telephone number")


class Location(models.Model):
    """Where a service runs: an address (with its coordinates and accessibility), or at home, or online.

    A location may be shared by several services (a feed's location id is its identity); each service's
    link to it is a ServiceLocation, which carries that service's own times there."""

    class Kind(models.TextChoices):
        PHYSICAL = "physical", "At an address"
        HOME = "home", "At the family's home"
        ONLINE = "online", "Online or by phone"

    uuid = models.UUIDField("Open Referral identifier", unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("where", max_length=20, choices=Kind.choices, default=Kind.PHYSICAL)
    name = models.CharField(
        "name of the place", max_length=300, blank=True, help_text="For example, Riverside Children's Centre, room 4."
    )
    description = models.TextField("about the place", max_length=2000, blank=True)
    address_1 = models.CharField("address line 1", max_length=300, blank=True)
    city = models.CharField("town or city", max_length=150, blank=True)
    state_province = models.CharField("county", max_length=150, blank=True)
    postcode = models.CharField(max_length=10, blank=True, validators=[UK_POSTCODE])
    country = models.CharField(max_length=2, default="GB")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # True when the coordinates were looked up from the postcode dataset, not entered or imported.
    coordinates_from_postcode = models.BooleanField(default=False)
    accessibility = models.TextField("accessibility", max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="location_coordinates")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__gte=-90, latitude__lte=90) & Q(longitude__gte=-180, longitude__lte=180)),
                name="location_coordinates_both_or_neither",
            )
        ]

    def __str__(self):
        if self.kind != self.Kind.PHYSICAL:
            return self.name or self.get_kind_display()
        # A place named by its first address line (as the migration from one place per service names them)
        # reads "3 Canal Walk, Northfield, NF2 5CW", not "3 Canal Walk, 3 Canal Walk, …".
        parts = [self.name, self.address_1, self.city, self.postcode]
        if self.name and self.address_1 and self.name.strip().casefold() == self.address_1.strip().casefold():
            parts.remove(self.address_1)
        return ", ".join(part for part in parts if part) or "An address"

    @property
    def is_virtual(self) -> bool:
        return self.kind != self.Kind.PHYSICAL

    def clean(self):
        if self.postcode:
            self.postcode = normalise_postcode(self.postcode)
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": "Enter both the latitude and the longitude, or neither"})


class ServiceLocation(models.Model):
    """A service at one of its locations (Open Referral's service_at_location)."""

    uuid = models.UUIDField("Open Referral identifier", unique=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="service_locations")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="one_link_per_service_and_location")
        ]

    def __str__(self):
        return f"{self.service} at {self.location}"


class Postcode(models.Model):
    """A postcode's centroid, from the ONS Postcode Directory the area loads (load_postcodes)."""

    postcode = models.CharField(max_length=10, primary_key=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    def __str__(self):
        return self.postcode


class PractitionerProfile(ConfirmedMixin):
    """A practitioner's directory entry. Name, job title, telephone, role and availability live on the user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_profile")
    is_listed = models.BooleanField(
        "list me in directories",
        default=False,
        help_text="Co-ordinators of settings can then add you to their directory for staff and families.",
    )
    contact_email = models.EmailField(
        "email for the directory", blank=True, help_text="Leave empty to show no email address."
    )
    location_on_site = models.CharField(
        "where on site you can be found", max_length=300, blank=True, help_text="For example, the family room."
    )
    available_days = models.JSONField("days you are available", default=list, blank=True)

    history = HistoricalRecords()

    def __str__(self):
        return f"Directory profile of {self.user}"


class Directory(models.Model):
    """A setting's directory. The draft is the live entries; publishing freezes them as a DirectoryVersion."""

    setting = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="directory")
    slug = models.SlugField(max_length=220, unique=True)
    title = models.CharField(max_length=200)
    introduction = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "directories"

    def __str__(self):
        return self.title


class DirectorySection(models.Model):
    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(max_length=150)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.heading


class DirectoryEntry(models.Model):
    """An agency, a service or a practitioner chosen for a directory, with the setting's own note."""

    class Kind(models.TextChoices):
        AGENCY = "agency", "Agency"
        SERVICE = "service", "Service"
        PRACTITIONER = "practitioner", "Practitioner"

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="entries")
    section = models.ForeignKey(
        DirectorySection, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(
        "note for the setting",
        max_length=500,
        blank=True,
        help_text="For example, in school every Tuesday morning, room 4.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["section__position", "section_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="agency", agency__isnull=False, service__isnull=True, practitioner__isnull=True)
                | Q(kind="service", agency__isnull=True, service__isnull=False, practitioner__isnull=True)
                | Q(kind="practitioner", agency__isnull=True, service__isnull=True, practitioner__isnull=False),
                name="directory_entry_has_one_target_of_its_kind",
            ),
        ]

    def __str__(self):
        target = self.agency or self.service or self.practitioner
        return f"{self.get_kind_display()}: {target}"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.agency_id or self.service_id or self.practitioner_id}"


class DirectoryVersion(models.Model):
    """A published directory, frozen: its content is the snapshot the public page shows. Never changed."""

    directory = models.ForeignKey(Directory, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    content = models.JSONField()
    change_summary = models.TextField(blank=True)

    class Meta:
        ordering = ["directory", "-number"]
        get_latest_by = "number"
        constraints = [models.UniqueConstraint(fields=["directory", "number"], name="one_version_number_per_directory")]

    def __str__(self):
        return f"{self.directory} version {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("A published version cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A published version cannot be deleted")


class ImportRun(models.Model):
    """One import of an Open Referral UK feed (a file or a harvested API): its progress, and its report, kept.

    A harvest records the next page after each page it has committed, so a run that stopped (a worker
    killed, the publisher down) carries on from there instead of starting again."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped with an error"

    setting = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField("what was imported", max_length=500)
    url = models.URLField("feed address", max_length=500, blank=True)
    # An uploaded feed, kept until its run has finished (private files, never served).
    file = models.FileField(upload_to="imports/", blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(null=True, blank=True)
    records_done = models.PositiveIntegerField(default=0)
    records_total = models.PositiveIntegerField(null=True, blank=True)
    next_url = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    # {"counts": {...}, "records": [{"label", "outcome", "notes": [...]}], "organisations_created": [...]}
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Import of {self.source}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if self.pages_total:
            return min(99, round(100 * self.pages_done / self.pages_total))
        if self.records_total:
            return min(99, round(100 * self.records_done / self.records_total))
        return 0
