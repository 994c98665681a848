"""Each figure, computed on the hand-built history of conftest.py (all on one day)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from insights.services.figures import Period, conversation_figures, cost_figures, template_figures

pytestmark = pytest.mark.django_db


def _period(history):
    return Period(history.day - timedelta(days=1), history.day)


def test_it_counts_conversations_and_messages_per_day(phone, history):
    figures = conversation_figures([phone], _period(history))
    before, day = figures.days
    assert before["opened"] == before["messages_in"] == 0
    # Opened: c1, c1 reopened, c2, c3 (opened by Olivia); resolved: c1 twice.
    assert (day["opened"], day["resolved"]) == (4, 2)
    assert (day["messages_in"], day["messages_out"]) == (3, 8)


def test_it_measures_first_responses_from_each_start_to_a_persons_reply(phone, history):
    timings = {t.who: t for t in conversation_figures([phone], _period(history)).first_response}
    # Olivia: 10 min (c1; the campaign template a minute in does not count) and 30 min (c2);
    # Ben: 2 min after the reopening. c3, opened by Olivia herself, has no first response.
    olivia, ben, overall = timings[history.olivia.username], timings[history.ben.username], timings["Overall"]
    assert (olivia.count, ben.count, overall.count) == (2, 1, 3)
    assert olivia.median == pytest.approx(600, rel=0.05)
    assert olivia.p90 == pytest.approx(1800, rel=0.05)
    assert ben.median == ben.p90 == pytest.approx(120, rel=0.05)
    assert overall.median == pytest.approx(600, rel=0.05)
    assert overall.p90 == pytest.approx(1800, rel=0.05)


def test_it_measures_resolution_times_per_resolver(phone, history):
    timings = {t.who: t for t in conversation_figures([phone], _period(history)).resolution}
    assert timings[history.olivia.username].median == pytest.approx(3600, rel=0.05)
    # From the reopening message, not from the conversation's first one.
    assert timings[history.ben.username].median == pytest.approx(32 * 60, rel=0.05)
    assert timings["Overall"].count == 2
    assert timings["Overall"].median == pytest.approx(32 * 60, rel=0.05)
    assert timings["Overall"].p90 == pytest.approx(3600, rel=0.05)


def test_it_counts_each_templates_funnel_and_failures_by_code(phone, history):
    figures = template_figures([phone], _period(history))
    lines = {t.name: t for t in figures.templates}
    sale, order = lines["spring_sale"], lines["order_update"]
    # The send Meta refused (131049, no wamid) was never sent, but it failed.
    assert (sale.sent, sale.delivered, sale.read, sale.replied, sale.failed) == (2, 2, 1, 1, 1)
    assert sale.read_rate == 0.5
    assert (order.sent, order.delivered, order.failed) == (2, 1, 1)
    assert sorted(figures.failures) == [("order_update", "en_US", "131026", 1), ("spring_sale", "en_US", "131049", 1)]


def test_it_prices_whats_billed_per_category_and_country_and_says_no_rate(phone, account, history):
    figures = cost_figures([phone], _period(history), accounts=[account])
    lines = {(line.category, line.country, line.pricing_type): line for line in figures.lines}
    assert lines[("marketing", "GB", "regular")].amount == Decimal("0.05")  # the country's own rate
    assert lines[("marketing", "US", "regular")].amount == Decimal("0.02")  # "every other country"
    assert lines[("utility", "US", "regular")].amount is None  # no rate: shown as such, never zero
    assert lines[("service", "US", "free_customer_service")].amount == 0
    assert figures.totals == {"USD": Decimal("0.07")}
    day = figures.days[-1]
    assert (day["billed"], day["free"], day["unpriced"]) == (3, 1, 1)


def test_recomputing_a_day_replaces_its_figures(phone, history):
    from insights.services.rollup import compute_days

    compute_days(phone, [history.day])
    compute_days(phone, [history.day])
    assert conversation_figures([phone], _period(history)).days[-1]["opened"] == 4
