/* Switchboard console: small behaviours on top of server-rendered pages and htmx.
 *
 * - Meta's limits checked as the operator types (fields carry data-limit / data-unique / data-url;
 *   the server checks the same rules again and puts its message on the field).
 * - "typing…" shown to the customer while the operator types (the server rate-limits it).
 * - An open thread is marked read by a POST (data-read-url on #live), never by the GET that shows it.
 * - The thread stays scrolled to the newest message when it was already at the bottom.
 * - Filters apply on change; the media picker follows the chosen kind.
 */
(function () {
  "use strict";

  var URL_RE = /^https?:\/\/[^\/\s?#]+\.[^\/\s?#]+\S*$/i;
  var TYPING_EVERY_MS = 20000;
  var lastTyping = {};

  function chars(value) { return Array.from(value || "").length; } // code points, as the server counts

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function problemFor(input, form) {
    var value = (input.value || "").trim();
    var limit = parseInt(input.getAttribute("data-limit"), 10);
    var label = input.getAttribute("data-label") || "This field";
    if (limit && chars(value) > limit) {
      return label + " can have at most " + limit + " characters; this has " + chars(value) + ".";
    }
    if (input.hasAttribute("data-url") && value && !URL_RE.test(value)) {
      return "The address must start with http:// or https:// and name a host, e.g. https://example.com.";
    }
    var group = input.getAttribute("data-unique");
    if (group && value) {
      var same = Array.prototype.filter.call(form.querySelectorAll('[data-unique="' + group + '"]'), function (other) {
        return other !== input && (other.value || "").trim().toLowerCase() === value.toLowerCase();
      });
      if (same.length) { return group === "buttons" ? "Button titles must all be different." : "Row titles must all be different."; }
    }
    return "";
  }

  function hint(input) {
    var next = input.nextElementSibling;
    if (next && next.classList.contains("live-check")) { return next; }
    var element = document.createElement("small");
    element.className = "live-check";
    element.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", element);
    return element;
  }

  function check(form) {
    var problems = 0;
    form.querySelectorAll("[data-limit], [data-url], [data-unique]").forEach(function (input) {
      var problem = problemFor(input, form);
      var element = hint(input);
      var limit = parseInt(input.getAttribute("data-limit"), 10);
      var used = chars((input.value || "").trim());
      element.textContent = problem || (limit && used ? used + "/" + limit : "");
      element.classList.toggle("error", !!problem);
      input.classList.toggle("over", !!problem);
      input.setAttribute("aria-invalid", problem ? "true" : "false");
      if (problem) { problems += 1; }
    });
    var button = form.querySelector("button[name=send]");
    if (button) { button.disabled = problems > 0; }
    var summary = form.querySelector(".compose-problems");
    if (summary) { summary.textContent = problems ? problems + " field(s) break WhatsApp's limits" : ""; }
    return problems;
  }

  function checkAll(root) {
    (root || document).querySelectorAll("form[data-compose]").forEach(check);
  }

  function signalTyping(form) {
    var url = form.getAttribute("data-typing-url");
    var now = Date.now();
    if (!url || (lastTyping[url] && now - lastTyping[url] < TYPING_EVERY_MS)) { return; }
    lastTyping[url] = now;
    fetch(url, { method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" }).catch(function () {});
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-compose]");
    if (!form) { return; }
    check(form);
    if (event.target.matches("textarea, input[type=text]")) { signalTyping(form); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-compose]") && check(form) > 0) { event.preventDefault(); }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]")) { target.form.requestSubmit(); return; }
    if (target.matches && target.matches("select[name=media_kind]")) {
      var picker = document.getElementById("media-picker");
      if (picker && window.htmx) {
        var url = picker.getAttribute("data-picker-url") + "&kind=" + encodeURIComponent(target.value);
        window.htmx.ajax("GET", url, { target: picker, swap: "innerHTML" });
      }
    }
  });

  // Marking read is a POST the page makes while it is on screen: a GET (a prefetch, a link
  // preview, a colleague looking on) must not send blue ticks to the customer.
  function markRead() {
    var live = document.getElementById("live");
    var url = live && live.getAttribute("data-read-url");
    if (!url || document.visibilityState === "hidden") { return; }
    live.removeAttribute("data-read-url");
    fetch(url, { method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" }).catch(function () {});
  }
  document.addEventListener("visibilitychange", markRead);

  // The thread: start at the newest message; follow new ones only when already at the bottom.
  var stickAfterSwap = null;
  function thread() { return document.getElementById("thread"); }
  function atBottom(element) { return element.scrollHeight - element.scrollTop - element.clientHeight < 80; }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var element = thread();
    if (element && event.detail.target && event.detail.target.id === "live") { stickAfterSwap = atBottom(element); }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var element = thread();
    if (element && stickAfterSwap) { element.scrollTop = element.scrollHeight; }
    stickAfterSwap = null;
    checkAll(document);
    markRead();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var element = thread();
    if (element) { element.scrollTop = element.scrollHeight; }
    checkAll(document);
    markRead();
  });
})();
