/* Switchboard composer: a typed reply is never lost, and Enter does what the operator chose.
 *
 * - The text of the Text tab is kept in localStorage per user and conversation (the key is on
 *   #compose), so it survives polls, tab switches, reloads and the window closing; it is cleared
 *   only once a send went through (the page after the send shows no error in the composer).
 * - When the window closes, the composer becomes the template picker: the kept text stays visible
 *   above it (#kept-draft), still editable, and comes back to the composer if the window reopens.
 * - Enter sends and Shift+Enter starts a new line, or the other way round: a per-user preference
 *   stored on the server (the "Enter sends" box posts it).
 */
(function () {
  "use strict";

  function compose() { return document.getElementById("compose"); }

  function keyOf() {
    var element = compose();
    return element ? element.getAttribute("data-draft-key") : null;
  }

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); }
    catch (e) { return null; }
  }

  function save(key, text, submitted) {
    try {
      if (text && text.trim()) {
        window.localStorage.setItem(key, JSON.stringify({ text: text, submitted: !!submitted }));
      } else {
        window.localStorage.removeItem(key);
      }
    } catch (e) { /* storage full or disabled: the text stays on the page, nothing more to do */ }
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function bodyField() {
    var element = compose();
    return element && element.querySelector('form[data-compose][data-kind="text"] textarea[name=body]');
  }

  // Put the kept text where the operator can see it: the composer's field, or the closed-window box.
  function restore(afterPageLoad) {
    var key = keyOf();
    if (!key) { return; }
    var draft = load(key);
    if (draft && draft.submitted && afterPageLoad) {
      if (!compose().querySelector("[role=alert]")) { save(key, ""); return; } // the send went through
      draft.submitted = false;
      save(key, draft.text, false);
    }
    if (!draft || !draft.text) { return; }
    var field = bodyField();
    if (field && !field.value) {
      field.value = draft.text;
      field.dispatchEvent(new Event("input", { bubbles: true })); // the limit check and counter follow
    }
    var kept = document.getElementById("kept-draft");
    var keptText = document.getElementById("kept-draft-text");
    if (kept && keptText) {
      kept.hidden = false;
      if (!keptText.value) { keptText.value = draft.text; }
    }
  }

  function enterSends() {
    var element = compose();
    return !element || element.getAttribute("data-enter-sends") !== "0";
  }

  document.addEventListener("input", function (event) {
    var key = keyOf();
    if (!key) { return; }
    if (event.target === bodyField() || event.target.id === "kept-draft-text") {
      save(key, event.target.value, false);
    }
  });

  document.addEventListener("submit", function (event) {
    var key = keyOf();
    var field = bodyField();
    if (key && field && event.target === field.form && !event.defaultPrevented) {
      save(key, field.value, true);
    }
  });

  document.addEventListener("keydown", function (event) {
    var field = bodyField();
    if (event.target !== field || event.key !== "Enter" || event.isComposing) { return; }
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var wantsSend = enterSends() ? !event.shiftKey : event.shiftKey;
    if (!wantsSend) { return; } // the browser starts a new line
    event.preventDefault();
    var button = field.form.querySelector("button[name=send]");
    if (field.value.trim() && button && !button.disabled) { field.form.requestSubmit(button); }
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-enter-pref]")) { return; }
    var element = compose();
    element.setAttribute("data-enter-sends", box.checked ? "1" : "0");
    var body = new URLSearchParams({ enter_sends: box.checked ? "1" : "0" });
    fetch(element.getAttribute("data-enter-url"), {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    }).catch(function () {});
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-discard-draft]");
    if (!button) { return; }
    save(keyOf(), "");
    var kept = document.getElementById("kept-draft");
    if (kept) { kept.hidden = true; }
  });

  document.addEventListener("htmx:afterSettle", function () { restore(false); });
  document.addEventListener("htmx:oobAfterSwap", function () { restore(false); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { restore(true); });
  } else {
    restore(true);
  }
})();
