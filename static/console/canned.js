/* Switchboard canned replies in the composer.
 *
 * Typing "/" at the start of the Text composer (or the "/" shortcut) opens a searchable list: a
 * combobox (the search field) controlling a listbox, navigated with the arrow keys, Enter to
 * choose, Esc to close. The list comes from the server already filled in for this contact
 * (messaging:conversation-canned-replies); choosing one puts its text in the composer and shows a
 * preview, with the variables this contact has no value for flagged: they are left empty, never
 * sent as {{...}}. When the window is closed the server refuses (409) and the list says why.
 */
(function () {
  "use strict";

  var picker = null;
  var entries = [];
  var shown = [];
  var active = -1;
  var field = null;

  function urlFor() {
    var notifier = document.getElementById("notifier");
    var pane = document.querySelector(".thread-pane[data-conversation]");
    if (!notifier || !pane) { return null; }
    return notifier.getAttribute("data-canned-url").replace("/0/", "/" + pane.getAttribute("data-conversation") + "/");
  }

  function make(tag, attrs, text) {
    var element = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { element.setAttribute(name, attrs[name]); });
    if (text) { element.textContent = text; }
    return element;
  }

  function close(restoreFocus) {
    if (!picker) { return; }
    picker.remove();
    picker = null;
    if (field && restoreFocus) { field.focus(); }
  }

  function statusLine(text) {
    var line = picker && picker.querySelector(".canned-status");
    if (line) { line.textContent = text; }
  }

  function render(query) {
    var list = picker.querySelector("[role=listbox]");
    var term = (query || "").toLowerCase();
    shown = entries.filter(function (entry) {
      return !term || entry.code.indexOf(term) !== -1 || entry.title.toLowerCase().indexOf(term) !== -1;
    });
    list.textContent = "";
    shown.forEach(function (entry, index) {
      var option = make("li", { role: "option", id: "canned-option-" + entry.id, "aria-selected": "false", "data-index": String(index) });
      option.appendChild(make("code", {}, "/" + entry.code));
      option.appendChild(document.createTextNode(" " + entry.title));
      if (entry.personal) { option.appendChild(make("span", { "class": "hint" }, " (yours)")); }
      list.appendChild(option);
    });
    move(shown.length ? 0 : -1);
    statusLine(shown.length ? shown.length + (shown.length === 1 ? " canned reply" : " canned replies") + ": arrows to move, Enter to choose, Esc to close."
      : (entries.length ? "No canned reply matches “" + query + "”." : "No canned replies yet: add yours under My canned replies."));
  }

  function move(index) {
    var search = picker.querySelector("[role=combobox]");
    var options = picker.querySelectorAll("[role=option]");
    active = index;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.classList.toggle("active", i === index);
    });
    if (index >= 0 && options[index]) {
      search.setAttribute("aria-activedescendant", options[index].id);
      if (options[index].scrollIntoView) { options[index].scrollIntoView({ block: "nearest" }); }
    } else {
      search.removeAttribute("aria-activedescendant");
    }
  }

  function preview(entry) {
    var box = document.getElementById("canned-preview") || make("div", { id: "canned-preview", "class": "canned-preview", role: "status" });
    box.textContent = "";
    box.appendChild(make("p", { "class": "canned-preview-head" }, "Canned reply /" + entry.code + " — as the customer will read it:"));
    var text = make("p", { "class": "canned-preview-text" });
    entry.parts.forEach(function (part) {
      if (part.missing) {
        text.appendChild(make("mark", { "class": "canned-missing" }, "[" + part.missing + "?]"));
      } else {
        text.appendChild(document.createTextNode(part.text));
      }
    });
    box.appendChild(text);
    if (entry.missing.length) {
      box.appendChild(make("p", { "class": "notice warn canned-missing-note" },
        "Not known for this contact: " + entry.missing.join(", ") + ". Left empty in your reply: write it in before sending."));
    }
    var wrapper = field.closest(".field") || field;
    wrapper.insertAdjacentElement("afterend", box);
  }

  function choose(index) {
    var entry = shown[index];
    if (!entry) { return; }
    close(false);
    field.value = entry.text;
    field.dispatchEvent(new Event("input", { bubbles: true })); // draft kept, limits checked
    preview(entry);
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  }

  function open(target, query) {
    field = target;
    var url = urlFor();
    if (!url) { return; }
    if (picker) { picker.querySelector("[role=combobox]").value = query; render(query); return; }
    picker = make("div", { "class": "canned-picker", id: "canned-picker" });
    var label = make("label", { "for": "canned-search", "class": "visually-hidden" }, "Search canned replies");
    var search = make("input", {
      id: "canned-search", type: "text", role: "combobox", "aria-expanded": "true", "aria-controls": "canned-options",
      "aria-autocomplete": "list", autocomplete: "off", placeholder: "Search canned replies by code or title",
    });
    var list = make("ul", { id: "canned-options", role: "listbox", "aria-label": "Canned replies" });
    picker.appendChild(label);
    picker.appendChild(search);
    picker.appendChild(list);
    picker.appendChild(make("p", { "class": "canned-status hint", "aria-live": "polite" }, "Loading canned replies…"));
    (field.closest(".field") || field).insertAdjacentElement("afterend", picker);
    search.value = query;
    search.focus();
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (answer) {
        if (!picker) { return; }
        if (!answer.ok) { entries = []; list.textContent = ""; statusLine(answer.body.error || "Canned replies can't be used here."); return; }
        entries = answer.body.replies || [];
        render(search.value);
      })
      .catch(function () { statusLine("Canned replies could not be loaded: try again."); });
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.id === "canned-search") { render(target.value); return; }
    if (!target.matches || !target.matches('#compose form[data-kind="text"] textarea[name=body]')) { return; }
    var match = /^\/(\S*)$/.exec(target.value);
    if (match) { open(target, match[1]); } else if (picker && document.activeElement === target) { close(false); }
  });

  document.addEventListener("keydown", function (event) {
    if (!picker || event.target.id !== "canned-search") { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); move(Math.min(active + 1, shown.length - 1)); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(Math.max(active - 1, 0)); }
    else if (event.key === "Enter") { event.preventDefault(); choose(active); }
    else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(true); }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-canned-open]");
    if (opener) {
      var body = document.querySelector('#compose form[data-kind="text"] textarea[name=body]');
      if (body) { body.focus(); document.dispatchEvent(new CustomEvent("switchboard:canned-open", { detail: { field: body } })); }
      return;
    }
    var option = event.target.closest && event.target.closest("#canned-options [role=option]");
    if (option) { choose(parseInt(option.getAttribute("data-index"), 10)); return; }
    if (picker && !(event.target.closest && event.target.closest("#canned-picker"))) { close(false); }
  });

  document.addEventListener("switchboard:canned-open", function (event) {
    var target = event.detail.field;
    if (!target.value) {
      target.value = "/";
      target.dispatchEvent(new Event("input", { bubbles: true }));
    } else {
      open(target, "");
    }
  });
})();
