/* Switchboard keyboard shortcuts (the "?" overlay lists them: messaging/_shortcuts.html).
 *
 *   j / k    next / previous conversation in the inbox list
 *   r or c   focus the composer
 *   /        focus the composer and open the canned replies
 *   a        assign to me (the control marked data-shortcut="assign-me")
 *   e        resolve (the control marked data-shortcut="resolve", wherever the page has one)
 *   ?        the list of shortcuts (a native <dialog>: Esc closes it)
 *
 * A shortcut never fires while the operator types in a field, with a modifier held, or while a
 * dialog is open; any control the page marks data-shortcut="<name>" is what the key presses.
 */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return !!target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true], [role=combobox], [role=listbox]");
  }

  function say(text) {
    var region = document.getElementById("notify-announce");
    if (region) { region.textContent = ""; window.setTimeout(function () { region.textContent = text; }, 30); }
  }

  function conversationLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#conversation-list a[data-conversation]"));
  }

  function step(direction) {
    var links = conversationLinks();
    if (!links.length) { say("No conversations in the list."); return; }
    var active = document.querySelector("#conversation-list li.active a[data-conversation]");
    var index = links.indexOf(active);
    var next = index < 0 ? (direction > 0 ? 0 : links.length - 1) : index + direction;
    if (next < 0 || next >= links.length) { say(direction > 0 ? "This is the last conversation in the list." : "This is the first conversation in the list."); return; }
    links[next].click();
  }

  function composerField() {
    var compose = document.getElementById("compose");
    if (!compose) { return null; }
    return compose.querySelector("textarea[name=body]") ||
      compose.querySelector("textarea, input:not([type=hidden]), select, button, a[href]");
  }

  function focusComposer() {
    var field = composerField();
    if (!field) { say("There is no composer on this page."); return null; }
    field.focus();
    return field;
  }

  function openCanned() {
    var field = focusComposer();
    if (!field || field.name !== "body") { if (field) { say("Canned replies are free text: the window is closed here."); } return; }
    document.dispatchEvent(new CustomEvent("switchboard:canned-open", { detail: { field: field } }));
  }

  function press(name, missing) {
    var control = document.querySelector('[data-shortcut="' + name + '"]');
    if (!control || control.disabled) { say(missing); return; }
    control.click();
  }

  function showHelp() {
    var dialog = document.getElementById("shortcuts-help");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  var KEYS = {
    j: function () { step(1); },
    k: function () { step(-1); },
    r: focusComposer,
    c: focusComposer,
    "/": openCanned,
    a: function () { press("assign-me", "This conversation is assigned to you already, or cannot be assigned here."); },
    e: function () { press("resolve", "Resolving is not available on this page."); },
    "?": showHelp,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    if (typing(event.target) || document.querySelector("dialog[open]")) { return; }
    var action = KEYS[event.key];
    if (!action) { return; }
    event.preventDefault();
    action();
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    if (event.target.closest("[data-shortcuts-open]")) { showHelp(); return; }
    var closer = event.target.closest("dialog [data-close-dialog]");
    if (closer) { closer.closest("dialog").close(); }
  });
})();
