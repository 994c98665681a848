/* The team inbox in the browser: the inbox's row selection (kept across the 2-second poll),
 * the bulk form's extra fields, the snooze time, the note's @mention autocomplete, and marking the
 * user's mentions seen by a POST once the thread is open (never by the GET that shows it). */
(function () {
  "use strict";

  var selected = new Set();

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".row-select")); }

  function refreshSelection() {
    rows().forEach(function (box) { box.checked = selected.has(box.value); });
    var count = document.querySelector("[data-selected-count]");
    if (count) { count.textContent = String(selected.size); }
    var all = document.querySelector("[data-select-all]");
    var shown = rows();
    if (all) { all.checked = shown.length > 0 && shown.every(function (box) { return selected.has(box.value); }); }
  }

  function showBulkFields() {
    var action = document.querySelector("[data-bulk-action]");
    if (!action) { return; }
    document.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      field.hidden = field.getAttribute("data-bulk-for") !== action.value;
      field.disabled = field.hidden;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches(".row-select")) {
      if (target.checked) { selected.add(target.value); } else { selected.delete(target.value); }
      refreshSelection();
    } else if (target.matches("[data-select-all]")) {
      rows().forEach(function (box) { if (target.checked) { selected.add(box.value); } else { selected.delete(box.value); } });
      refreshSelection();
    } else if (target.matches("[data-bulk-action]")) {
      showBulkFields();
    } else if (target.matches("[data-snooze-choice]")) {
      var until = target.form.querySelector("[data-snooze-until]");
      if (until) { until.hidden = target.value !== "custom"; until.required = !until.hidden; }
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-bulk]")) {
      // A row polled away since it was ticked is still in the selection: send it too.
      form.querySelectorAll("input[data-kept]").forEach(function (input) { input.remove(); });
      var inForm = new Set(rows().map(function (box) { return box.value; }));
      selected.forEach(function (id) {
        if (!inForm.has(id)) {
          var input = document.createElement("input");
          input.type = "hidden"; input.name = "ids"; input.value = id; input.setAttribute("data-kept", "");
          form.appendChild(input);
        }
      });
      if (!selected.size) { event.preventDefault(); }
    }
  });

  // The polled list replaces its rows: tick again what the operator had ticked.
  document.addEventListener("htmx:afterSettle", refreshSelection);

  // --- @mentions in a private note ---
  var menuState = { start: -1, items: [], index: 0, seq: 0 };

  function mentionQuery(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = /(^|[^\w@])@([\w.+-]{0,50})$/.exec(before);
    return match ? { start: before.length - match[2].length - 1, text: match[2] } : null;
  }

  function closeMenu(menu) { menu.hidden = true; menu.innerHTML = ""; menuState.items = []; }

  function choose(textarea, menu, username) {
    var caret = textarea.selectionStart;
    var value = textarea.value;
    textarea.value = value.slice(0, menuState.start) + "@" + username + " " + value.slice(caret);
    var at = menuState.start + username.length + 2;
    textarea.setSelectionRange(at, at);
    closeMenu(menu);
    textarea.focus();
  }

  function render(textarea, menu) {
    menu.innerHTML = "";
    menuState.items.forEach(function (user, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === menuState.index ? "true" : "false");
      li.textContent = "@" + user.username + (user.name ? " — " + user.name : "");
      li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(textarea, menu, user.username); });
      menu.appendChild(li);
    });
    menu.hidden = menuState.items.length === 0;
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!textarea.matches("[data-note-body]")) { return; }
    var form = textarea.form;
    var menu = form.querySelector("[data-mention-menu]");
    var query = mentionQuery(textarea);
    if (!query) { closeMenu(menu); return; }
    menuState.start = query.start;
    var seq = ++menuState.seq;
    fetch(form.getAttribute("data-mentionable-url") + "?q=" + encodeURIComponent(query.text), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { users: [] }; })
      .then(function (data) {
        if (seq !== menuState.seq) { return; }
        menuState.items = data.users || [];
        menuState.index = 0;
        render(textarea, menu);
      })
      .catch(function () { closeMenu(menu); });
  });

  document.addEventListener("keydown", function (event) {
    var textarea = event.target;
    if (!textarea.matches || !textarea.matches("[data-note-body]")) { return; }
    var menu = textarea.form.querySelector("[data-mention-menu]");
    if (menu.hidden || !menuState.items.length) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      menuState.index = (menuState.index + step + menuState.items.length) % menuState.items.length;
      render(textarea, menu);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(textarea, menu, menuState.items[menuState.index].username);
    } else if (event.key === "Escape") {
      closeMenu(menu);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    showBulkFields();
    refreshSelection();
    var pane = document.querySelector("[data-mentions-seen-url]");
    if (pane) {
      fetch(pane.getAttribute("data-mentions-seen-url"), {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }
      });  // the nav's count follows at the list's next poll
    }
  });
})();
