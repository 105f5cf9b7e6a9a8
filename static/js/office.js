/* Progressive enhancement for the office's pages: on a phone a table stacks its rows, each
   cell labelled with its column's heading. Without this file the tables keep their columns.
   A region marked data-poll="seconds" (a job's progress) is fetched again in place until its
   work is done (or goes on to its result, when the page now redirects), so the page never reloads under
   the clerk; without this file a link refreshes it. */
(function () {
  "use strict";
  function stack(table) {
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
  }
  document.querySelectorAll("body.office table").forEach(stack);

  document.querySelectorAll("[data-poll]").forEach(function (region) {
    var every = Number(region.getAttribute("data-poll")) * 1000;
    function poll() {
      fetch(window.location.href, {credentials: "same-origin"}).then(function (response) {
        if (response.redirected) { window.location.assign(response.url); return null; }
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
        if (!fresh) { return; }
        region.innerHTML = fresh.innerHTML;
        region.querySelectorAll("table").forEach(stack);
        if (fresh.hasAttribute("data-poll")) { window.setTimeout(poll, every); }
        else { region.removeAttribute("data-poll"); }
      }).catch(function () { window.setTimeout(poll, every * 2); });
    }
    window.setTimeout(poll, every);
  });
})();
