"""Several locations per service (and virtual ones), monthly sessions, the UK profile's own service fields,
the postcode dataset and kept import runs.

Each service's own place (where it runs, postcode, accessibility) becomes its first Location, with the
identifiers the Open Referral UK feed already gave it, so feeds and imports keep meeting on them; the
place's history moves with it: every change recorded on the service is written as a change of the location,
with the same date and the same person.
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models


# directory.openreferral.NAMESPACE: the feed derived the location's ids from the service's with it.
FEED_NAMESPACE = uuid.UUID("0e7c3a52-9d7f-4c61-8f3e-5b1d2a4c6e80")
REASON = "Moved from the service's own fields (migration directory.0003)"


def _town(address: str) -> str:
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    return lines[-1] if len(lines) > 1 else ""


def move_service_places_to_locations(apps, schema_editor):
    Service = apps.get_model("directory", "Service")
    HistoricalService = apps.get_model("directory", "HistoricalService")
    Location = apps.get_model("directory", "Location")
    HistoricalLocation = apps.get_model("directory", "HistoricalLocation")
    ServiceLocation = apps.get_model("directory", "ServiceLocation")
    HistoricalServiceLocation = apps.get_model("directory", "HistoricalServiceLocation")
    for service in Service.objects.select_related("agency").iterator():
        if not (service.location or service.postcode or service.accessibility):
            continue
        city = _town(service.agency.address)
        location = Location.objects.create(
            uuid=uuid.uuid5(FEED_NAMESPACE, f"{service.uuid}:location"),
            kind="physical",
            name=service.location,
            address_1=service.location,
            city=city,
            postcode=service.postcode,
            country="GB",
            accessibility=service.accessibility,
        )
        link = ServiceLocation.objects.create(
            uuid=uuid.uuid5(FEED_NAMESPACE, f"{service.uuid}:service_at_location"),
            service=service,
            location=location,
            position=1,
        )
        previous = None
        first = None
        for record in HistoricalService.objects.filter(id=service.pk).order_by("history_date", "history_id"):
            place = (record.location, record.postcode, record.accessibility)
            if place == previous or not any(place):
                previous = place if any(place) else previous
                continue
            HistoricalLocation.objects.create(
                id=location.pk,
                uuid=location.uuid,
                kind="physical",
                name=record.location,
                description="",
                address_1=record.location,
                city=city,
                state_province="",
                postcode=record.postcode,
                country="GB",
                coordinates_from_postcode=False,
                accessibility=record.accessibility,
                updated_at=record.updated_at,
                history_date=record.history_date,
                history_user_id=record.history_user_id,
                history_type="+" if previous is None else "~",
                history_change_reason=REASON,
            )
            first = first or record
            previous = place
        if first is not None:
            HistoricalServiceLocation.objects.create(
                id=link.pk,
                uuid=link.uuid,
                service_id=service.pk,
                location_id=location.pk,
                position=1,
                history_date=first.history_date,
                history_user_id=first.history_user_id,
                history_type="+",
                history_change_reason=REASON,
            )
    if schema_editor.connection.vendor == "postgresql":
        # The columns are dropped next, in the same transaction: check the new rows' foreign keys now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0005_pendingsubmission_page_payload'),
        ('directory', '0002_seed_taxonomies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Postcode',
            fields=[
                ('postcode', models.CharField(max_length=10, primary_key=True, serialize=False)),
                ('latitude', models.FloatField()),
                ('longitude', models.FloatField()),
            ],
        ),
        migrations.AddField(
            model_name='historicalopeningtime',
            name='week_of_month',
            field=models.SmallIntegerField(blank=True, choices=[(1, 'First'), (2, 'Second'), (3, 'Third'), (4, 'Fourth'), (-1, 'Last')], null=True),
        ),
        migrations.AddField(
            model_name='historicalservice',
            name='accreditations',
            field=models.CharField(blank=True, max_length=500, verbose_name='accreditations'),
        ),
        migrations.AddField(
            model_name='historicalservice',
            name='alert',
            field=models.CharField(blank=True, help_text='A short notice shown first, like closed until 5 January.', max_length=500, verbose_name='alert'),
        ),
        migrations.AddField(
            model_name='historicalservice',
            name='assured_on',
            field=models.DateField(blank=True, null=True, verbose_name='assured by the publisher on'),
        ),
        migrations.AddField(
            model_name='historicalservice',
            name='assurer_email',
            field=models.EmailField(blank=True, max_length=254, verbose_name='email of whoever assures this entry'),
        ),
        migrations.AddField(
            model_name='historicalservice',
            name='funding',
            field=models.TextField(blank=True, help_text='One source of funding a line.', max_length=1000, verbose_name='funded by'),
        ),
        migrations.AddField(
            model_name='historicalservice',
            name='service_areas',
            field=models.TextField(blank=True, help_text='One area a line, for example Northfield.', max_length=1000, verbose_name='areas served'),
        ),
        migrations.AddField(
            model_name='openingtime',
            name='week_of_month',
            field=models.SmallIntegerField(blank=True, choices=[(1, 'First'), (2, 'Second'), (3, 'Third'), (4, 'Fourth'), (-1, 'Last')], null=True),
        ),
        migrations.AddField(
            model_name='service',
            name='accreditations',
            field=models.CharField(blank=True, max_length=500, verbose_name='accreditations'),
        ),
        migrations.AddField(
            model_name='service',
            name='alert',
            field=models.CharField(blank=True, help_text='A short notice shown first, like closed until 5 January.', max_length=500, verbose_name='alert'),
        ),
        migrations.AddField(
            model_name='service',
            name='assured_on',
            field=models.DateField(blank=True, null=True, verbose_name='assured by the publisher on'),
        ),
        migrations.AddField(
            model_name='service',
            name='assurer_email',
            field=models.EmailField(blank=True, max_length=254, verbose_name='email of whoever assures this entry'),
        ),
        migrations.AddField(
            model_name='service',
            name='funding',
            field=models.TextField(blank=True, help_text='One source of funding a line.', max_length=1000, verbose_name='funded by'),
        ),
        migrations.AddField(
            model_name='service',
            name='service_areas',
            field=models.TextField(blank=True, help_text='One area a line, for example Northfield.', max_length=1000, verbose_name='areas served'),
        ),
        migrations.AlterField(
            model_name='historicalservice',
            name='maximum_age',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(120)], verbose_name='oldest age, in years'),
        ),
        migrations.AlterField(
            model_name='historicalservice',
            name='minimum_age',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(120)], verbose_name='youngest age, in years'),
        ),
        migrations.AlterField(
            model_name='service',
            name='maximum_age',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(120)], verbose_name='oldest age, in years'),
        ),
        migrations.AlterField(
            model_name='service',
            name='minimum_age',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(120)], verbose_name='youngest age, in years'),
        ),
        migrations.CreateModel(
            name='HistoricalLocation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('uuid', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='Open Referral identifier')),
                ('kind', models.CharField(choices=[('physical', 'At an address'), ('home', "At the family's home"), ('online', 'Online or by phone')], default='physical', max_length=20, verbose_name='where')),
                ('name', models.CharField(blank=True, help_text="For example, Riverside Children's Centre, room 4.", max_length=300, verbose_name='name of the place')),
                ('description', models.TextField(blank=True, max_length=2000, verbose_name='about the place')),
                ('address_1', models.CharField(blank=True, max_length=300, verbose_name='address line 1')),
                ('city', models.CharField(blank=True, max_length=150, verbose_name='town or city')),
                ('state_province', models.CharField(blank=True, max_length=150, verbose_name='county')),
                ('postcode', models.CharField(blank=True, max_length=10, validators=[django.core.validators.RegexValidator('^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$', 'Enter a real postcode, like SW1A 1AA')])),
                ('country', models.CharField(default='GB', max_length=2)),
                ('latitude', models.FloatField(blank=True, null=True)),
                ('longitude', models.FloatField(blank=True, null=True)),
                ('coordinates_from_postcode', models.BooleanField(default=False)),
                ('accessibility', models.TextField(blank=True, max_length=2000, verbose_name='accessibility')),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical location',
                'verbose_name_plural': 'historical locations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ImportRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=500, verbose_name='what was imported')),
                ('url', models.URLField(blank=True, max_length=500, verbose_name='feed address')),
                ('file', models.FileField(blank=True, upload_to='imports/')),
                ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Importing'), ('done', 'Finished'), ('failed', 'Stopped with an error')], default='queued', max_length=20)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('pages_done', models.PositiveIntegerField(default=0)),
                ('pages_total', models.PositiveIntegerField(blank=True, null=True)),
                ('records_done', models.PositiveIntegerField(default=0)),
                ('records_total', models.PositiveIntegerField(blank=True, null=True)),
                ('next_url', models.URLField(blank=True, max_length=1000)),
                ('error', models.TextField(blank=True)),
                ('report', models.JSONField(blank=True, default=dict)),
                ('setting', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='Location',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='Open Referral identifier')),
                ('kind', models.CharField(choices=[('physical', 'At an address'), ('home', "At the family's home"), ('online', 'Online or by phone')], default='physical', max_length=20, verbose_name='where')),
                ('name', models.CharField(blank=True, help_text="For example, Riverside Children's Centre, room 4.", max_length=300, verbose_name='name of the place')),
                ('description', models.TextField(blank=True, max_length=2000, verbose_name='about the place')),
                ('address_1', models.CharField(blank=True, max_length=300, verbose_name='address line 1')),
                ('city', models.CharField(blank=True, max_length=150, verbose_name='town or city')),
                ('state_province', models.CharField(blank=True, max_length=150, verbose_name='county')),
                ('postcode', models.CharField(blank=True, max_length=10, validators=[django.core.validators.RegexValidator('^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$', 'Enter a real postcode, like SW1A 1AA')])),
                ('country', models.CharField(default='GB', max_length=2)),
                ('latitude', models.FloatField(blank=True, null=True)),
                ('longitude', models.FloatField(blank=True, null=True)),
                ('coordinates_from_postcode', models.BooleanField(default=False)),
                ('accessibility', models.TextField(blank=True, max_length=2000, verbose_name='accessibility')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['name', 'pk'],
                'indexes': [models.Index(fields=['latitude', 'longitude'], name='location_coordinates')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('latitude__isnull', True), ('longitude__isnull', True)), models.Q(('latitude__gte', -90), ('latitude__lte', 90), ('longitude__gte', -180), ('longitude__lte', 180)), _connector='OR'), name='location_coordinates_both_or_neither')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalServiceLocation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('uuid', models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name='Open Referral identifier')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('service', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.service')),
                ('location', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.location')),
            ],
            options={
                'verbose_name': 'historical service location',
                'verbose_name_plural': 'historical service locations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ServiceLocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='Open Referral identifier')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='service_locations', to='directory.location')),
                ('service', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='service_locations', to='directory.service')),
            ],
            options={
                'ordering': ['position', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='historicalopeningtime',
            name='service_location',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.servicelocation'),
        ),
        migrations.AddField(
            model_name='openingtime',
            name='service_location',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='opening_times', to='directory.servicelocation'),
        ),
        migrations.AddConstraint(
            model_name='openingtime',
            constraint=models.CheckConstraint(condition=models.Q(('week_of_month__isnull', True), ('week_of_month__in', [1, 2, 3, 4, -1]), _connector='OR'), name='opening_time_week_of_month_known'),
        ),
        migrations.AddConstraint(
            model_name='servicelocation',
            constraint=models.UniqueConstraint(fields=('service', 'location'), name='one_link_per_service_and_location'),
        ),
        migrations.AddField(
            model_name='service',
            name='other_terms',
            field=models.ManyToManyField(blank=True, related_name='services_with_term', to='directory.taxonomyterm'),
        ),
        migrations.AlterField(
            model_name='taxonomy',
            name='code',
            field=models.CharField(max_length=60, unique=True),
        ),
        migrations.AlterField(
            model_name='taxonomy',
            name='name',
            field=models.CharField(max_length=200),
        ),
        migrations.AlterField(
            model_name='taxonomy',
            name='uri',
            field=models.URLField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name='taxonomyterm',
            name='code',
            field=models.SlugField(max_length=60),
        ),
        migrations.AlterField(
            model_name='taxonomyterm',
            name='name',
            field=models.CharField(max_length=200),
        ),
        migrations.CreateModel(
            name='HistoricalService_other_terms',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='directory.historicalservice')),
                ('service', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.service')),
                ('taxonomyterm', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.taxonomyterm')),
            ],
            options={
                'verbose_name': 'HistoricalService_other_terms',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    
        migrations.AddIndex(
            model_name='service',
            index=models.Index(fields=['name', 'id'], name='service_name_order'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(fields=['updated_at'], name='service_updated_at'),
        ),
    
        migrations.AddField(
            model_name='service',
            name='feed_fingerprint',
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
    
        migrations.RunPython(move_service_places_to_locations, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='historicalservice',
            name='accessibility',
        ),
        migrations.RemoveField(
            model_name='historicalservice',
            name='location',
        ),
        migrations.RemoveField(
            model_name='historicalservice',
            name='postcode',
        ),
        migrations.RemoveField(
            model_name='service',
            name='accessibility',
        ),
        migrations.RemoveField(
            model_name='service',
            name='location',
        ),
        migrations.RemoveField(
            model_name='service',
            name='postcode',
        ),
    ]
