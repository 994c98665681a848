"""The migrations are the schema: every model change has one, and they replay from nothing."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.migrations]


def test_every_model_change_has_its_migration():
    # Exits non-zero (SystemExit) when a model differs from what the migrations build.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
