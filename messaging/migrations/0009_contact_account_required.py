"""Contacts per business account, step 3 of 3: every contact has an account, and a WhatsApp id
is unique within its account."""

import django.db.models.deletion
from django.db import migrations, models


def _refuse_if_split(apps, schema_editor):
    """Going back makes ``wa_id`` unique again: impossible once one customer is several contacts."""
    Contact = apps.get_model("messaging", "Contact")
    shared = list(
        Contact.objects.values("wa_id").annotate(n=models.Count("pk")).filter(n__gt=1)
        .order_by("wa_id").values_list("wa_id", flat=True)
    )
    if shared:
        raise RuntimeError(
            f"Cannot unapply: {len(shared)} WhatsApp ids are contacts of several accounts (e.g. +{shared[0]}); "
            "merging them back would mix the accounts' notes and opt-outs."
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
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(fields=("account", "wa_id"), name="one_contact_per_account_wa_id"),
        ),
        # Last, so that when unapplying it runs first and refuses before the schema changes.
        migrations.RunPython(migrations.RunPython.noop, _refuse_if_split),
    ]
