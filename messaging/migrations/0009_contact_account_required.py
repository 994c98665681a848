"""Contacts per business account, step 3 of 3: every contact has an account, and a WhatsApp id
is unique within its account only."""

import django.db.models.deletion
from django.db import migrations, models


def _refuse_if_split(apps, schema_editor):
    """Going back makes ``wa_id`` unique again: impossible once one customer is several contacts."""
    Contact = apps.get_model("messaging", "Contact")
    shared = (
        Contact.objects.values("wa_id").annotate(n=models.Count("pk")).filter(n__gt=1).values_list("wa_id", flat=True)
    )
    if shared.exists():
        raise RuntimeError(
            f"Cannot unapply: {shared.count()} WhatsApp ids are contacts of several accounts "
            "(e.g. +" + shared.first() + "); merging them back would mix the accounts' notes and opt-outs."
        )


class Migration(migrations.Migration):

    dependencies = [
        ("messaging", "0008_contact_account_split"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contact",
            name="account",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="contacts",
                to="accounts.businessaccount",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="wa_id",
            field=models.CharField(help_text="Digits with country code.", max_length=32, verbose_name="WhatsApp id"),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(fields=("account", "wa_id"), name="one_contact_per_account_wa_id"),
        ),
        # Last, so that when unapplying it runs first and refuses before the schema changes.
        migrations.RunPython(migrations.RunPython.noop, _refuse_if_split),
    ]
