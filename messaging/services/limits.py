"""Meta's limits for what an operator composes (docs/cloudapi.md §1), in one place.

The forms put them on their fields (``maxlength`` and ``data-*`` attributes the console's
script checks as the operator types); the compose services check them again on the server.
"""

TEXT_BODY = 4096
MEDIA_CAPTION = 1024
DOCUMENT_FILENAME = 240

INTERACTIVE_HEADER_TEXT = 60
INTERACTIVE_BODY = 1024
INTERACTIVE_FOOTER = 60

BUTTONS_MAX = 3
BUTTON_TITLE = 20
BUTTON_ID = 256

LIST_BODY = 4096
LIST_BUTTON_LABEL = 20
LIST_SECTIONS_MAX = 10
LIST_ROWS_MAX = 10  # in total, across all sections
LIST_SECTION_TITLE = 24
LIST_ROW_ID = 200
LIST_ROW_TITLE = 24
LIST_ROW_DESCRIPTION = 72

CTA_DISPLAY_TEXT = 20
CTA_URL = 2000

LOCATION_NAME = 1000
LOCATION_ADDRESS = 1000

CONTACT_NAME = 200
CONTACT_FIELD = 200

FLOW_CTA = 30  # the flow message's button (flow_cta)
FLOW_SCREEN = 200
FLOW_DATA = 10000  # the first screen's data, as JSON text
