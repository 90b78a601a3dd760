from django.db import migrations


def load(apps, schema_editor):
    from caf.elements import load_elements

    load_elements(apps.get_model("caf", "Element"))


class Migration(migrations.Migration):
    dependencies = [("caf", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
