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
        var fill = status.querySelector(".budget-fill");
        if (fill && budget) { fill.setAttribute("width", String(Math.round(1000 * Math.min(spent, budget) / budget))); }
        var left = budget - spent;
        status.querySelector(".spent").textContent = format(status.dataset.textSpent, { spent: money(spent, status) });
        status.querySelector(".left").textContent =
          left >= 0 ? format(status.dataset.textLeft, { left: money(left, status) })
                    : format(status.dataset.textOver, { over: money(-left, status) });
        status.classList.toggle("over", left < 0);
        status.classList.toggle("budget-over", left < 0);
        status.classList.toggle("budget-full", left === 0);
        status.classList.toggle("budget-under", left > 0);
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

  /* The choices so far are kept in the voter's session as they change, so that help, a language, a
     project's page or Back never lose them; leaving the page waits for the last save. */
  function setUpDraft(form) {
    if (!window.fetch || !window.FormData) { return; }
    var saving = null;
    function save() {
      var body = new FormData(form);
      body.set("action", "draft");
      saving = fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin", keepalive: true,
                                    headers: { "X-Requested-With": "fetch" } }).catch(function () {});
      return saving;
    }
    function afterSaving(event, go) {
      if (!saving) { return; }
      event.preventDefault();
      var pending = saving;
      saving = null;
      Promise.race([pending, new Promise(function (resolve) { setTimeout(resolve, 1500); })]).then(go);
    }
    form.addEventListener("change", save);
    form.addEventListener("input", save);
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (!link || event.defaultPrevented || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      afterSaving(event, function () { window.location.href = link.href; });
    });
    document.addEventListener("submit", function (event) {
      var other = event.target;
      if (other === form) { saving = null; return; }
      var button = event.submitter;
      afterSaving(event, function () {
        if (button && button.name) {
          var field = document.createElement("input");
          field.type = "hidden";
          field.name = button.name;
          field.value = button.value;
          other.appendChild(field);
        }
        other.submit();
      });
    });
  }

  /* One Tab stop per project: the choice. "More about this project" and "Listen" follow it with the arrow keys. */
  function setUpCards(form) {
    form.querySelectorAll("[data-card]").forEach(function (card) {
      var stops = [card.querySelector("input[type=checkbox]")].concat(
        Array.prototype.slice.call(card.querySelectorAll("[data-card-extra], button.listen")));
      if (!stops[0]) { return; }
      stops.slice(1).forEach(function (stop) { stop.setAttribute("tabindex", "-1"); });
      card.addEventListener("keydown", function (event) {
        var index = stops.indexOf(event.target);
        if (index < 0 || event.altKey || event.ctrlKey || event.metaKey) { return; }
        var forward = { ArrowDown: 1, ArrowUp: -1, ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (!forward) { return; }
        if (root.dir === "rtl" && (event.key === "ArrowRight" || event.key === "ArrowLeft")) { forward = -forward; }
        var next = stops[index + forward];
        if (next) { event.preventDefault(); next.focus(); }
      });
    });
  }

  function setUpBallot() {
    var form = document.getElementById("ballot-form");
    var status = document.getElementById("tally-status");
    if (!form || !status) { return; }
    setUpDraft(form);
    setUpCards(form);
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
      if (document.body.dataset.stillHere) {
        fetch(document.body.dataset.stillHere, { cache: "no-store", credentials: "same-origin" }).catch(function () {});
      }
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

  /* Listening: one clip at a time, only when asked, at the voter's speed (pitch kept) and volume. */
  var RATES = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  var VOLUMES = [0.2, 0.4, 0.6, 0.8, 1];

  function setUpListening() {
    var buttons = document.querySelectorAll("button.listen");
    var controls = document.querySelector(".audio-controls");
    if (!buttons.length || !controls || !window.Audio) { return; }
    var player = new Audio();
    player.preload = "none";
    player.preservesPitch = true;
    var playing = null, spoken = false;
    var rate = Number(root.dataset.audioRate) || 1;
    var volume = Number(root.dataset.audioVolume) || 1;
    var status = controls.querySelector(".audio-status");

    function show() {
      player.playbackRate = rate;
      player.volume = volume;
      status.textContent = format(controls.dataset.textRate, { percent: Math.round(rate * 100) }) + " · " +
        format(controls.dataset.textVolume, { percent: Math.round(volume * 100) });
    }
    function stop() {
      player.pause();
      if (playing) { playing.setAttribute("aria-pressed", "false"); playing = null; }
    }
    function save(name, value) {
      var token = document.querySelector("input[name=csrf_token]");
      if (!token || !window.fetch) { return; }
      var body = new URLSearchParams();
      body.set("csrf_token", token.value);
      body.set(name, String(value));
      fetch(controls.dataset.settings, { method: "POST", body: body, credentials: "same-origin",
                                          headers: { "X-Requested-With": "fetch" } }).catch(function () {});
    }
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var again = playing === button;
        stop();
        if (again) { return; }
        player.src = button.dataset.audio;
        if (!spoken) { spoken = true; save("speech", "used"); }
        show();
        playing = button;
        button.setAttribute("aria-pressed", "true");
        player.play().catch(stop);
      });
    });
    player.addEventListener("ended", stop);
    controls.querySelectorAll("[data-audio-change]").forEach(function (button) {
      button.addEventListener("click", function () {
        var steps = button.dataset.audioChange === "rate" ? RATES : VOLUMES;
        var current = button.dataset.audioChange === "rate" ? rate : volume;
        var index = steps.indexOf(current);
        if (index < 0) { index = steps.length - 1; }
        var next = steps[Math.max(0, Math.min(steps.length - 1, index + Number(button.dataset.direction)))];
        if (button.dataset.audioChange === "rate") { rate = next; save("audio_rate", next); }
        else { volume = next; save("audio_volume", next); }
        show();
      });
    });
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpListening();
    setUpTabletWaiting();
    setUpSwitchAccess();
    setUpBallot();
    setUpIdle();
    setUpOnceOnly();
  });
})();
