/* Template builder: live WhatsApp preview, example fields per variable, and only the fields that
   apply shown. Plain JS, no build step. The page works without it (server-rendered preview). */
(function () {
  "use strict";

  var PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
  var FIELDABLE = /^[A-Za-z0-9_]{1,64}$/;
  var BUTTON_FIELDS = {
    QUICK_REPLY: ["text"],
    URL: ["text", "url", "example"],
    PHONE_NUMBER: ["text", "phone_number"],
    COPY_CODE: ["example"],
    OTP: ["text", "otp_type"],
    FLOW: ["text", "flow_id", "flow_action", "navigate_screen"]
  };
  var ICONS = { URL: "↗", PHONE_NUMBER: "✆", COPY_CODE: "⧉", OTP: "⧉", FLOW: "☰", QUICK_REPLY: "↩" };
  var MEDIA = { IMAGE: "🖼 Image", VIDEO: "▶ Video", DOCUMENT: "📄 Document", LOCATION: "📍 Location (given when sending)" };

  function value(form, name) {
    var field = form.elements[name];
    if (!field) { return ""; }
    if (field.type === "checkbox") { return field.checked; }
    return field.value || "";
  }

  function variables(text) {
    var found = [], match;
    PLACEHOLDER.lastIndex = 0;
    while ((match = PLACEHOLDER.exec(text || "")) !== null) {
      if (FIELDABLE.test(match[1]) && found.indexOf(match[1]) === -1) { found.push(match[1]); }
    }
    return found;
  }

  function ordered(names, format) {
    var positional = format !== "NAMED" && names.every(function (n) { return /^\d+$/.test(n); });
    return positional ? names.slice().sort(function (a, b) { return a - b; }) : names;
  }

  function fill(text, prefix, form) {
    return (text || "").replace(PLACEHOLDER, function (whole, name) {
      var example = value(form, prefix + "_example_" + name);
      return example ? example : whole;
    });
  }

  // Example fields: one per variable, kept in the order Meta wants, values kept while typing.
  function syncExamples(form, container, text, limit) {
    var prefix = container.getAttribute("data-prefix");
    var names = ordered(variables(text), value(form, "parameter_format"));
    if (limit) { names = names.slice(0, limit); }
    var existing = {};
    Array.prototype.forEach.call(container.querySelectorAll("[data-field]"), function (node) {
      existing[node.getAttribute("data-field")] = node;
    });
    names.forEach(function (name) {
      var key = prefix + "_example_" + name;
      var node = existing[key];
      if (!node) {
        node = document.createElement("div");
        node.className = "tm-field";
        node.setAttribute("data-field", key);
        var label = document.createElement("label");
        label.setAttribute("for", "id_" + key);
        label.textContent = "Example for {{" + name + "}}";
        var input = document.createElement("input");
        input.type = "text";
        input.name = key;
        input.id = "id_" + key;
        input.maxLength = 1024;
        var errors = document.createElement("div");  // where the live check puts this field's errors
        errors.className = "field-errors";
        errors.id = "errors-" + key;
        node.appendChild(label);
        node.appendChild(input);
        node.appendChild(errors);
      }
      delete existing[key];
      container.appendChild(node);
    });
    Object.keys(existing).forEach(function (key) { existing[key].remove(); });
  }

  function show(node, visible) { node.hidden = !visible; }

  function toggleSections(form) {
    var category = value(form, "category");
    var header = value(form, "header_format");
    form.querySelectorAll("[data-when-category]").forEach(function (node) {
      show(node, node.getAttribute("data-when-category") === category);
    });
    form.querySelectorAll("[data-unless-category]").forEach(function (node) {
      show(node, node.getAttribute("data-unless-category") !== category);
    });
    form.querySelectorAll("[data-when-header]").forEach(function (node) {
      show(node, node.getAttribute("data-when-header").split(" ").indexOf(header) !== -1);
    });
    var offered = false;
    form.querySelectorAll(".button-row").forEach(function (row) {
      var index = row.getAttribute("data-row");
      var type = value(form, "button_" + index + "_type");
      var wanted = BUTTON_FIELDS[type] || [];
      row.querySelectorAll("[data-button-field]").forEach(function (node) {
        var attr = node.getAttribute("data-button-field");
        show(node, attr === "type" || wanted.indexOf(attr) !== -1);
      });
      // Used rows and the first empty one are shown; the others wait until needed.
      show(row, Boolean(type) || !offered);
      if (type || !offered) { row.open = true; }
      if (!type) { offered = true; }
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function drawPreview(form) {
    var bubble = document.getElementById("template-preview");
    if (!bubble) { return; }
    var category = value(form, "category");
    var header = category === "AUTHENTICATION" ? "" : value(form, "header_format");
    bubble.textContent = "";
    if (header === "TEXT") {
      bubble.appendChild(element("p", "wa-header", fill(value(form, "header_text"), "header", form)));
    } else if (MEDIA[header]) {
      bubble.appendChild(element("div", "wa-media wa-" + header.toLowerCase(), MEDIA[header]));
    }
    var body = element("p", "wa-body");
    var text = category === "AUTHENTICATION" ? "123456 is your verification code." : fill(value(form, "body_text"), "body", form);
    text.split("\n").forEach(function (line, index) {
      if (index) { body.appendChild(document.createElement("br")); }
      body.appendChild(document.createTextNode(line));
    });
    bubble.appendChild(body);
    var footer = value(form, "footer_text");
    if (category === "AUTHENTICATION") {
      if (value(form, "add_security_recommendation")) {
        bubble.appendChild(element("p", "wa-body wa-security", "For your security, do not share this code."));
      }
      var minutes = value(form, "code_expiration_minutes");
      footer = minutes ? "This code expires in " + minutes + " minutes." : "";
    }
    if (footer) { bubble.appendChild(element("p", "wa-footer", footer)); }
    bubble.appendChild(element("span", "wa-time", "12:00"));
    var buttons = [];
    form.querySelectorAll(".button-row").forEach(function (row) {
      var index = row.getAttribute("data-row");
      var type = value(form, "button_" + index + "_type");
      if (!type) { return; }
      var label = value(form, "button_" + index + "_text") ||
        ({ COPY_CODE: "Copy offer code", OTP: "Copy code" }[type] || type.replace("_", " ").toLowerCase());
      buttons.push([type, label]);
    });
    var note = document.getElementById("template-preview-note");
    if (note) { note.textContent = ""; }
    if (buttons.length >= 4) {
      buttons = buttons.slice(0, 2).concat([["MORE", "See all options"]]);
      if (note) { note.textContent = "With 4 or more buttons WhatsApp shows two and “See all options”, and the template can't be viewed on desktop."; }
    }
    if (buttons.length) {
      var list = element("ul", "wa-buttons");
      buttons.forEach(function (button) {
        list.appendChild(element("li", "wa-button wa-" + button[0].toLowerCase(), (ICONS[button[0]] || "☰") + " " + button[1]));
      });
      bubble.appendChild(list);
    }
  }

  function refresh(form) {
    var header = document.getElementById("header-examples");
    var body = document.getElementById("body-examples");
    if (header) { syncExamples(form, header, value(form, "header_text"), 1); }
    if (body) { syncExamples(form, body, value(form, "body_text"), 0); }
    toggleSections(form);
    drawPreview(form);
  }

  function initBuilder() {
    var form = document.getElementById("template-builder");
    if (!form) { return; }
    form.addEventListener("input", function () { refresh(form); });
    form.addEventListener("change", function () { refresh(form); });
    refresh(form);
  }

  // A template picker that reloads the page with the chosen template's parameters.
  function initAutoChoose() {
    document.querySelectorAll("select[data-autochoose]").forEach(function (select) {
      select.addEventListener("change", function () {
        var button = select.form && select.form.querySelector("button[formmethod=get]");
        if (button) { button.click(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initBuilder();
    initAutoChoose();
  });
}());
