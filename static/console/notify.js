/* Switchboard notifier: a customer writes in one of my conversations (assigned to me, or
 * unassigned on my numbers), or a colleague mentions me in a note.
 *
 * - Polls #notifier's data-notify-url every data-poll seconds (plain JSON, cheap and bounded on
 *   the server); the answer's "since" is the cursor of the next poll.
 * - The tab title carries the unread count: "(3) Inbox · Switchboard".
 * - A browser notification, only once the operator allowed them from the "Turn on notifications"
 *   button (never asked on page load), and a short sound unless muted (kept in localStorage).
 * - Presence: a heartbeat POST every data-heartbeat seconds, "online" while the tab is visible,
 *   "away" when it is hidden (and at once when that changes).
 */
(function () {
  "use strict";

  var MUTE_KEY = "switchboard.sound.muted";
  var root = null;
  var since = "";
  var baseTitle = document.title.replace(/^\(\d+\+?\)\s*/, "");
  var audio = null;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function muted() {
    try { return window.localStorage.getItem(MUTE_KEY) === "1"; } catch (e) { return false; }
  }

  function showMute() {
    var button = root.querySelector("[data-notify-mute]");
    if (!button) { return; }
    button.setAttribute("aria-pressed", muted() ? "true" : "false");
    button.textContent = muted() ? "Sound muted" : "Mute sound";
    button.title = muted() ? "New messages make no sound: press to hear them again" : "New messages play a short sound";
  }

  function notificationsSupported() { return typeof window.Notification === "function"; }

  function showPermission() {
    var button = root.querySelector("[data-notify-permission]");
    if (!button) { return; }
    button.hidden = !notificationsSupported() || window.Notification.permission !== "default";
  }

  function setTitle(count) {
    var title = document.title.replace(/^\(\d+\+?\)\s*/, "") || baseTitle;
    document.title = count > 0 ? "(" + (count > 99 ? "99+" : count) + ") " + title : title;
  }

  function chime() {
    if (muted()) { return; }
    try {
      audio = audio || new Audio(root.getAttribute("data-sound"));
      audio.currentTime = 0;
      var played = audio.play();
      if (played && played.catch) { played.catch(function () {}); } // no sound before the first click: fine
    } catch (e) { /* no audio here */ }
  }

  function openConversation() {
    var pane = document.querySelector(".thread-pane[data-conversation]");
    return pane && document.visibilityState === "visible" ? pane.getAttribute("data-conversation") : null;
  }

  function announce(text) {
    var region = document.getElementById("notify-announce");
    if (region) { region.textContent = text; }
  }

  function popUp(title, body, tag, url) {
    if (!notificationsSupported() || window.Notification.permission !== "granted") { return; }
    try {
      var note = new window.Notification(title, { body: body, tag: tag });
      note.onclick = function () { window.focus(); window.location.href = url; };
    } catch (e) { /* some browsers only allow notifications from a service worker */ }
  }

  function handle(answer) {
    setTitle(answer.count || 0);
    var fresh = 0;
    var looking = openConversation();
    (answer.messages || []).forEach(function (item) {
      if (String(item.conversation) === looking) { return; } // on screen already
      fresh += 1;
      popUp(item.from, item.preview, "switchboard-message-" + item.id, item.url);
    });
    (answer.mentions || []).forEach(function (item) {
      fresh += 1;
      popUp(item.from + " mentioned you", "In the conversation with " + item.about, "switchboard-mention-" + item.id, item.url);
    });
    if (fresh) {
      chime();
      announce(fresh === 1 ? "1 new message for you" : fresh + " new messages for you");
    }
  }

  function poll() {
    var url = root.getAttribute("data-notify-url") + (since ? "?since=" + encodeURIComponent(since) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) { return; }
        var first = !since;
        since = answer.since;
        if (first) { setTitle(answer.count || 0); } else { handle(answer); }
      })
      .catch(function () { /* offline for a moment: the next poll catches up */ });
  }

  function heartbeat() {
    var status = document.visibilityState === "hidden" ? "away" : "online";
    var body = new URLSearchParams({ status: status });
    fetch(root.getAttribute("data-presence-url"), {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    }).catch(function () {});
  }

  function start() {
    root = document.getElementById("notifier");
    if (!root) { return; }
    showMute();
    showPermission();
    root.addEventListener("click", function (event) {
      if (event.target.closest("[data-notify-mute]")) {
        try { window.localStorage.setItem(MUTE_KEY, muted() ? "0" : "1"); } catch (e) { /* kept for this page */ }
        showMute();
      } else if (event.target.closest("[data-notify-permission]") && notificationsSupported()) {
        var asked = window.Notification.requestPermission(showPermission);
        if (asked && asked.then) { asked.then(showPermission); }
      }
    });
    // htmx swaps may change the page's title element; keep our count on whatever it says now.
    document.addEventListener("htmx:afterSettle", function () { baseTitle = document.title.replace(/^\(\d+\+?\)\s*/, ""); });
    document.addEventListener("visibilitychange", heartbeat);
    poll();
    heartbeat();
    var pollEvery = Math.max(2, parseInt(root.getAttribute("data-poll"), 10) || 5) * 1000;
    var beatEvery = Math.max(5, parseInt(root.getAttribute("data-heartbeat"), 10) || 30) * 1000;
    window.setInterval(poll, pollEvery);
    window.setInterval(heartbeat, beatEvery);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
