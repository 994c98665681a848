"""``manage.py campaign``: a campaign from a CSV, dry-run, started, followed as JSON — and clear
errors with non-zero exit codes for bad input, writing nothing."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEntry
from campaigns.models import Campaign
from messaging.models import Contact

from ..conftest import PHONE_NUMBER_ID
from .conftest import add_template

pytestmark = pytest.mark.django_db
CSV = "phone,name,first_name,order,city\n+447400123456,Ben,Ben,B-2,Leeds\n07400 654321,Gus,Gus,G-7,York\nnot-a-number,X,X,1,\n"


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CSV)
    return str(path)


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("campaign", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def _create(csv_file, *extra) -> tuple[str, str]:
    return _run("create", "--name", "Pickup", "--phone-number-id", PHONE_NUMBER_ID, "--template", "order_ready",
                "--language", "en_US", "--csv", csv_file, "--region", "GB", "--param", "body.1=first_name",
                "--param", "body.2=order", *extra)


def test_it_creates_dry_runs_starts_and_reports_a_campaign(simulator, account, phone, csv_file, admin,
                                                           django_capture_on_commit_callbacks):
    add_template(account, simulator)

    out, err = _create(csv_file, "--rate", "5", "--user", "ada")

    campaign = Campaign.objects.get(pk=int(out))
    assert campaign.rate_cap == 5 and campaign.state == Campaign.State.DRAFT
    assert "line 4: not imported" in err and "2 contact(s) imported, 1 row(s) refused (default country GB)" in err
    gus = Contact.objects.get(wa_id="447400654321")
    assert gus.attributes == {"first_name": "Gus", "order": "G-7", "city": "York"}

    dry, _ = _run("dry-run", out)
    assert "2 to send" in dry and "no rate" in dry and "5 msg/s: about 1 s" in dry
    assert json.loads(_run("dry-run", out, "--json")[0])["to_send"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        started, _ = _run("start", out, "--user", "ada")
    assert started == f"Campaign {out} is running."
    assert len(simulator.sent_messages()) == 2

    status = json.loads(_run("status", out, "--json")[0])
    assert (status["state"], status["total"], status["sent"]) == ("running", 2, 2)
    assert AuditEntry.objects.filter(action="campaign.launch", actor=admin).exists()
    assert _run("pause", out)[0] == f"Campaign {out} is paused."


@pytest.mark.parametrize("args, code, words", [
    (("--param", "body.3=x"), 1, "no placeholder body.3"),
    (("--param", "oops"), 2, "PLACEHOLDER=ATTRIBUTE"),
    (("--rate", "900"), 1, "between 1 and 80"),
    (("--schedule", "tomorrow"), 2, "ISO 8601"),
])
def test_bad_input_is_refused_clearly_and_writes_nothing(account, phone, csv_file, args, code, words):
    add_template(account)
    with pytest.raises(CommandError) as excinfo:
        _create(csv_file, *args)
    assert excinfo.value.returncode == code and words in str(excinfo.value)
    assert not Campaign.objects.exists() and not Contact.objects.exists()


def test_unknown_number_template_file_or_campaign_are_refused(account, phone, tmp_path, csv_file):
    add_template(account)
    for args, words in [
        (("create", "--name", "N", "--phone-number-id", "nope", "--template", "order_ready", "--language", "en_US",
          "--csv", csv_file), "No number has"),
        (("create", "--name", "N", "--phone-number-id", PHONE_NUMBER_ID, "--template", "missing", "--language",
          "en_US", "--csv", csv_file), "has no template"),
        (("create", "--name", "N", "--phone-number-id", PHONE_NUMBER_ID, "--template", "order_ready", "--language",
          "en_US", "--csv", str(tmp_path / "absent.csv"), "--param", "body.1=a", "--param", "body.2=b"), "No file"),
        (("status", "999"), "No campaign has the id 999"),
    ]:
        with pytest.raises(CommandError) as excinfo:
            _run(*args)
        assert excinfo.value.returncode == 2 and words in str(excinfo.value)


def test_an_illegal_transition_exits_with_1(account, phone, csv_file):
    add_template(account)
    out, _ = _create(csv_file)
    with pytest.raises(CommandError) as excinfo:
        _run("resume", out)
    assert excinfo.value.returncode == 1 and "draft campaign can't be resumed" in str(excinfo.value)
