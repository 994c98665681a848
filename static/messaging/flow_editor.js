/* The Flow JSON editor: a line-number gutter beside the textarea, the problem lines marked in it, a click on a
 * problem selects its text (Meta's line/column, 1-based, end inclusive), and the caret's line and column. */
(function () {
  "use strict";
  var editor = document.querySelector("[data-flow-editor]");
  if (!editor) { return; }
  var area = editor.querySelector("textarea");
  var gutter = editor.querySelector(".flow-gutter");
  var cursor = document.querySelector("[data-flow-cursor]");
  var problems = Array.prototype.slice.call(document.querySelectorAll(".flow-error"));
  var marked = {};
  problems.forEach(function (button) {
    var start = parseInt(button.dataset.lineStart, 10) || 1;
    var end = Math.max(start, parseInt(button.dataset.lineEnd, 10) || start);
    for (var line = start; line <= end; line += 1) { marked[line] = true; }
  });

  function lineCount() { return area.value.split("\n").length; }

  function drawGutter() {
    var count = lineCount();
    if (gutter.childElementCount === count) { return; }
    var fragment = document.createDocumentFragment();
    for (var line = 1; line <= count; line += 1) {
      var span = document.createElement("span");
      span.textContent = String(line);
      if (marked[line]) { span.className = "has-error"; }
      fragment.appendChild(span);
    }
    gutter.replaceChildren(fragment);
  }

  function offsetOf(line, column) {
    var lines = area.value.split("\n");
    var offset = 0;
    for (var i = 0; i < Math.min(line - 1, lines.length); i += 1) { offset += lines[i].length + 1; }
    var here = lines[Math.min(line, lines.length) - 1] || "";
    return offset + Math.min(Math.max(column - 1, 0), here.length);
  }

  function showCursor() {
    if (!cursor) { return; }
    var before = area.value.slice(0, area.selectionStart).split("\n");
    cursor.textContent = "line " + before.length + ", column " + (before[before.length - 1].length + 1);
  }

  function select(button) {
    var start = offsetOf(parseInt(button.dataset.lineStart, 10) || 1, parseInt(button.dataset.columnStart, 10) || 1);
    var end = offsetOf(parseInt(button.dataset.lineEnd, 10) || 1, parseInt(button.dataset.columnEnd, 10) || 1) + 1;
    area.focus();
    area.setSelectionRange(start, Math.max(end, start + 1));
    var lineHeight = parseFloat(window.getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (parseInt(button.dataset.lineStart, 10) - 4) * lineHeight);
    gutter.scrollTop = area.scrollTop;
    showCursor();
  }

  area.addEventListener("input", drawGutter);
  area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
  ["keyup", "click", "select"].forEach(function (name) { area.addEventListener(name, showCursor); });
  area.addEventListener("keydown", function (event) {
    // Tab indents (two spaces) instead of leaving the editor; Esc then Tab still leaves it.
    if (event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !area.dataset.escaped) {
      event.preventDefault();
      area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
      drawGutter();
    }
    area.dataset.escaped = event.key === "Escape" ? "1" : "";
  });
  problems.forEach(function (button) { button.addEventListener("click", function () { select(button); }); });
  drawGutter();
  if (problems.length) { select(problems[0]); }
})();
