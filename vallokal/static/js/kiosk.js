/* Progressive enhancement only: every page works without this file.
   Adds the live budget and count, the idle warning with "more time", and print buttons. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function money(amount, status) {
    var number = new Intl.NumberFormat((root.lang || "sv") + "-u-nu-latn").format(amount);
    return format(status.dataset.textMoney, { amount: number });
  }

  function updateTally(form, status) {
    var rule = status.dataset.rule;
    var text = status.querySelector("p");
    if (rule === "knapsack" || rule === "approval") {
      var boxes = form.querySelectorAll("input[name=project]");
      var spent = 0, chosen = 0;
      boxes.forEach(function (box) {
        if (box.checked) { spent += Number(box.dataset.cost); chosen += 1; }
      });
      if (rule === "knapsack") {
        var budget = Number(status.dataset.budget);
        var meter = status.querySelector("meter");
        if (meter) { meter.value = Math.min(spent, budget); }
        var left = budget - spent;
        text.textContent = format(status.dataset.textSpent, { spent: money(spent, status) }) + " · " +
          (left >= 0 ? format(status.dataset.textLeft, { left: money(left, status) })
                     : format(status.dataset.textOver, { over: money(-left, status) }));
        status.classList.toggle("over", left < 0);
      } else {
        var max = Number(status.dataset.max || 0);
        text.textContent = format(status.dataset.textChosen, { count: chosen }) +
          (max ? " · " + format(status.dataset.textMore, { left: Math.max(max - chosen, 0) }) : "");
      }
    } else if (rule === "points") {
      var given = 0;
      form.querySelectorAll("input.points-input").forEach(function (input) {
        var value = parseInt(input.value, 10);
        if (value > 0) { given += value; }
      });
      text.textContent = format(status.dataset.textPoints, { given: given, total: status.dataset.points });
    }
  }

  function setUpBallot() {
    var form = document.getElementById("ballot-form");
    var status = document.getElementById("tally-status");
    if (!form || !status) { return; }
    form.addEventListener("change", function () { updateTally(form, status); });
    form.addEventListener("input", function () { updateTally(form, status); });
    form.querySelectorAll("button.points-step").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var input = document.getElementById(button.dataset.target);
        var value = Math.max(0, (parseInt(input.value, 10) || 0) + Number(button.dataset.step));
        input.value = String(Math.min(value, Number(input.max) || value));
        input.dispatchEvent(new Event("input", { bubbles: true }));
        event.preventDefault();
      });
    });
  }

  /* Two switches (move and select) arrive as Tab and Enter: Enter ticks a box and steps through a list. */
  function setUpSwitchAccess() {
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || event.altKey || event.ctrlKey || event.metaKey) { return; }
      if (target.matches && target.matches("input[type=checkbox], input[type=radio]")) {
        event.preventDefault();
        target.click();
      } else if (target.tagName === "SELECT") {
        event.preventDefault();
        target.selectedIndex = (target.selectedIndex + 1) % target.options.length;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function setUpIdle() {
    var idleSeconds = Number(document.body.dataset.idleSeconds || 0);
    var warningSeconds = Number(document.body.dataset.warningSeconds || 0);
    var warning = document.getElementById("idle-warning");
    var reset = document.getElementById("idle-reset");
    if (!idleSeconds || !warning || !reset) { return; }
    var idleTimer = null, resetTimer = null, lastFocus = null;

    function restart() {
      if (!warning.hidden) { return; }
      clearTimeout(idleTimer);
      idleTimer = setTimeout(warn, idleSeconds * 1000);
    }
    function warn() {
      lastFocus = document.activeElement;
      warning.hidden = false;
      document.getElementById("idle-continue").focus();
      resetTimer = setTimeout(function () { reset.submit(); }, warningSeconds * 1000);
    }
    document.getElementById("idle-continue").addEventListener("click", function () {
      clearTimeout(resetTimer);
      warning.hidden = true;
      if (lastFocus && lastFocus.focus) { lastFocus.focus(); }
      restart();
    });
    ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }

  function setUpOnceOnly() {
    document.querySelectorAll("form.cast-form").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        setTimeout(function () { button.disabled = true; }, 0);
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* A named tablet waits for staff to start the vote from the panel: it looks once a second. */
  function setUpTabletWaiting() {
    var waiting = document.querySelector("[data-tablet-state]");
    if (!waiting || !window.fetch) { return; }
    var form = document.getElementById("tablet-start");
    var timer = setInterval(function () {
      fetch(waiting.dataset.tabletState, { cache: "no-store", credentials: "same-origin" })
        .then(function (answer) { return answer.ok ? answer.json() : {}; })
        .then(function (state) {
          if (state.activated) { clearInterval(timer); form.submit(); }
        })
        .catch(function () {});
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpTabletWaiting();
    setUpSwitchAccess();
    setUpBallot();
    setUpIdle();
    setUpOnceOnly();
  });
})();
