/* Switchboard console: a table's cells carry their column's name (data-label), so that on a
 * narrow screen, where responsive.css turns each row into a card, every value keeps its heading.
 * Runs on every page and again after htmx swaps rows in. */
(function () {
  "use strict";

  function label(root) {
    (root || document).querySelectorAll("table.list, table.tm-table").forEach(function (table) {
      var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      if (!names.length) { return; }
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (cell.tagName === "TD" && !cell.hasAttribute("colspan") && names[i] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[i]);
          }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:afterSettle", function () { label(document); });
})();
