"""Contacts per business account, step 1 of 3: the account (nullable until the split fills it),
Meta's business-scoped user id, and a WhatsApp id no longer unique across accounts (the split
makes one copy per account)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_meta_reported_state"),
        ("messaging", "0006_webhookevent_applied_items"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contact",
            name="wa_id",
            field=models.CharField(help_text="Digits with country code.", max_length=32, verbose_name="WhatsApp id"),
        ),
        migrations.AddField(
            model_name="contact",
            name="account",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="contacts",
                to="accounts.businessaccount",
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="user_id",
            field=models.CharField(
                blank=True,
                help_text="Meta's BSUID, when a webhook carries one.",
                max_length=128,
                verbose_name="business-scoped user id",
            ),
        ),
    ]
