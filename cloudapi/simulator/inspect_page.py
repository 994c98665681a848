"""``GET /_sim/``: a plain HTML page of what the simulator received and sent (no JavaScript).

Shows paths, statuses, webhook delivery states and templates — never tokens (they are not
stored) and never message bodies.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from .app import Simulator

ROWS = 50
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2327}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:1.8rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
th{background:#f3f4f5}td.num{text-align:right}.muted{color:#667}.bad{color:#b32d2e}
"""


def render(sim: Simulator) -> str:
    """The whole page."""
    numbers = ", ".join(f"{n.phone_number_id} (WABA {n.waba_id})" for n in sim.config.numbers)
    faults = {k: v for k, v in sim.faults.to_dict().items() if v not in (0, 0.0, None)}
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Cloud API simulator</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Cloud API simulator</h1>",
        f"<p>Numbers: {_e(numbers)}. Webhooks go to {_e(sim.config.webhook_url or 'nowhere')}.</p>",
        f"<p class='muted'>Faults: {_e(faults or 'none')}. JSON: <a href='/_sim/log'>/_sim/log</a></p>",
        "<form method='post' action='/_sim/reset'><input type='hidden' name='from' value='page'>"
        "<button type='submit'>Reset the simulator</button>"
        " <span class='muted'>(forgets messages, templates, media, flows and logs; keeps the numbers)</span></form>",
        _section("Recent requests", ("#", "time", "method", "path", "status", "fault"),
                 ((r["id"], _time(r["created"]), r["method"], r["path"], r["status"] or "—", r["fault"])
                  for r in reversed(sim.request_log(limit=ROWS)))),
        _section("Webhooks", ("#", "field", "state", "attempts", "last error", "due"),
                 ((w["id"], w["field"], w["state"], w["attempts"], w["last_error"], _time(w["due"]))
                  for w in reversed(sim.webhook_log(limit=ROWS)))),
        _section("Templates", ("id", "name", "language", "category", "status", "reason", "quality"),
                 ((t["id"], t["name"], t["language"], t["category"], t["status"], t["rejected_reason"],
                   t["quality_score"]["score"]) for t in sim.templates())),
        _flow_messages(sim),
        _section("Flow sessions (customers who opened a flow)", ("session", "flow", "number", "screens", "steps",
                                                               "outcome"),
                 ((f["id"], f["flow_name"] or f["flow_id"], f["phone_number_id"], " → ".join(f["screens"]),
                   ", ".join(f"{st['action']} {st['screen']} {st['status']}".replace("  ", " ") for st in f["steps"]),
                   f["outcome"]) for f in sim.flow_sessions()[-ROWS:][::-1])),
        _section("Sent messages", ("wamid", "to", "type", "biz_opaque_callback_data", "time"),
                 ((m["wamid"], m["to"], m["type"], m["biz_opaque_callback_data"] or "", _time(m["created"]))
                  for m in sim.sent_messages()[-ROWS:][::-1])),
        "</body></html>",
    ]
    return "\n".join(parts)


def _flow_messages(sim: Simulator) -> str:
    """Each flow message we sent, with a button: the customer opens it (our data endpoint is called)."""
    rows = []
    for message in sim.sent_messages()[-ROWS:][::-1]:
        interactive = message["body"].get("interactive") if message["type"] == "interactive" else None
        if not isinstance(interactive, dict) or interactive.get("type") != "flow":
            continue
        parameters = interactive.get("action", {}).get("parameters", {})
        wa_id = "".join(ch for ch in str(message["to"]) if ch.isdigit())
        rows.append(
            f"<tr><td>{_e(parameters.get('flow_id') or parameters.get('flow_name') or '')}</td><td>{_e(message['to'])}</td>"
            f"<td>{_e(_time(message['created']))}</td><td><form method='post' action='/_sim/inbound/flow_open'>"
            f"<input type='hidden' name='from_page' value='1'><input type='hidden' name='from' value='{_e(wa_id)}'>"
            f"<input type='hidden' name='context_id' value='{_e(message['wamid'])}'>"
            "<input name='answers' placeholder='answers as JSON (optional)' size='28'> "
            "<button type='submit'>Customer opens the flow</button></form></td></tr>")
    head = "<h2>Flow messages</h2><p class='muted'>Opening one calls the flow's data endpoint as Meta does " \
           "(encrypted with the uploaded key, signed), then sends the customer's nfm_reply.</p>"
    if not rows:
        return head + "<p class='muted'>No flow message sent yet.</p>"
    return (head + "<table><thead><tr><th>flow</th><th>to</th><th>sent</th><th></th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _section(title: str, headings: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    empty = "" if body else "<p class='muted'>Nothing yet.</p>"
    return f"<h2>{_e(title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{empty}"


def _time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _e(value: Any) -> str:
    return html.escape(str(value))
