/* Progressive enhancement for the office's pages: on a phone a table stacks its rows, each
   cell labelled with its column's heading. Without this file the tables keep their columns. */
(function () {
  "use strict";
  document.querySelectorAll("body.office table").forEach(function (table) {
    var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (cell) {
      return cell.textContent.trim();
    });
    if (!headings.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        if (cell.colSpan === 1 && headings[column] && !(cell.tagName === "TH" && column === 0)) {
          cell.setAttribute("data-label", headings[column]);
        }
        column += cell.colSpan || 1;
      });
    });
    table.classList.add("stacked");
  });
})();
