from django.db import migrations


def seed(apps, schema_editor):
    from directory.taxonomies import seed as seed_taxonomies

    seed_taxonomies(apps.get_model("directory", "Taxonomy"), apps.get_model("directory", "TaxonomyTerm"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
