"""The hand-built history of history.py with its prices, and a Manager of the number."""

from datetime import date
from decimal import Decimal

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from campaigns.models import PricingRate

from .history import build_history


@pytest.fixture
def history(phone):
    PricingRate.objects.create(category="marketing", country="GB", price=Decimal("0.0500"), valid_from=date(2025, 1, 1))
    PricingRate.objects.create(category="marketing", country="", price=Decimal("0.0200"), valid_from=date(2025, 1, 1))
    return build_history(phone)


@pytest.fixture
def manager(phone):
    user = ensure_user(username="mona", password="pw-mona-123", role=roles.MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    return user
