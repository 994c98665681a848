"""``POST /flows/endpoint/``: the WhatsApp Flows data endpoint, one URL for every connected number.

No session, no CSRF: Meta's request is checked by its signature and its encryption
(``services/flow_endpoint.py``). Each answer is counted with its latency for the flow's monitoring.
"""

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services.flow_endpoint import answer_flow_request
from .services.flow_endpoint_stats import record_endpoint_request


@csrf_exempt
@require_POST
def flow_data_endpoint(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > settings.WEBHOOK_MAX_BODY_BYTES:
        return HttpResponse("Bad or too large Content-Length.", status=413 if length.isdigit() else 400,
                            content_type="text/plain")
    answer = answer_flow_request(body=request.body, signature=request.headers.get("X-Hub-Signature-256"))
    response = HttpResponse(answer.body, status=answer.status, content_type="text/plain")
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    record_endpoint_request(flow_id=answer.flow_id, phone_number_id=answer.phone_number_id, status=answer.status,
                            elapsed_ms=elapsed_ms)
    return response
