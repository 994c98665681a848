"""The demo account the embedded default runs with when no WHATSAPP_* variables are set, and what
an administrator can try in Settings → Accounts against the embedded simulator: a second business
account of the same Meta app, a token that has expired and one without the messaging permission."""

PHONE_NUMBER_ID = "100000000000001"
DISPLAY_PHONE_NUMBER = "15550001234"
VERIFIED_NAME = "Switchboard Demo"
BUSINESS_ACCOUNT_ID = "200000000000001"
APP_ID = "300000000000001"
ACCESS_TOKEN = "sim-demo-access-token"
APP_SECRET = "sim-demo-app-secret"
VERIFY_TOKEN = "sim-demo-verify-token"


def embedded_account(setting) -> dict[str, str]:
    """The account the embedded default runs with: each ``WHATSAPP_*`` value that ``setting(name)``
    gives, else the demo's. The simulator and ``setup_demo`` must agree on it to the letter."""
    return {
        "phone_number_id": setting("WHATSAPP_PHONE_NUMBER_ID") or PHONE_NUMBER_ID,
        "display_phone_number": setting("WHATSAPP_DISPLAY_PHONE_NUMBER") or DISPLAY_PHONE_NUMBER,
        "waba_id": setting("WHATSAPP_BUSINESS_ACCOUNT_ID") or BUSINESS_ACCOUNT_ID,
        "access_token": setting("WHATSAPP_ACCESS_TOKEN") or ACCESS_TOKEN,
        "app_secret": setting("WHATSAPP_APP_SECRET") or APP_SECRET,
        "verify_token": setting("WHATSAPP_VERIFY_TOKEN") or VERIFY_TOKEN,
        "app_id": setting("WHATSAPP_APP_ID") or APP_ID,
    }


# A second business account of the same Meta app (same app id and secret): not connected by
# ``setup_demo``, so an administrator can connect it from Settings → Accounts (docs/simulator.md).
SECOND_PHONE_NUMBER_ID = "100000000000002"
SECOND_DISPLAY_PHONE_NUMBER = "15550005678"
SECOND_VERIFIED_NAME = "Switchboard Demo Two"
SECOND_BUSINESS_ACCOUNT_ID = "200000000000002"
SECOND_ACCESS_TOKEN = "sim-second-access-token"
# Tokens for both demo accounts that the connection test explains: expired (190 / 463) and without
# whatsapp_business_messaging.
EXPIRED_ACCESS_TOKEN = "sim-expired-access-token"
MANAGEMENT_ONLY_ACCESS_TOKEN = "sim-management-only-token"
