from django.db import migrations


def load(apps, schema_editor):
    from caf.elements import ELEMENTS

    Element = apps.get_model("caf", "Element")
    for order, (domain, code, name, prompt) in enumerate(ELEMENTS, start=1):
        Element.objects.update_or_create(
            code=code, defaults={"domain": domain, "name": name, "order": order, "prompt": prompt}
        )


class Migration(migrations.Migration):
    dependencies = [("caf", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
