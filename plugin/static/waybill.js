/* Waybill's pages: local times, remembered columns, clickable rows, a loading note. No library. */
(function () {
  "use strict";
  var root = document.getElementById("waybill");
  if (!root) { return; }
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };

  // Times come as UTC text with the instant in data-t; show them in the browser's zone.
  var zone = "UTC";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { /* keep UTC */ }
  function shortZone(d) {
    try {
      var parts = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(d);
      for (var i = 0; i < parts.length; i++) { if (parts[i].type === "timeZoneName") { return parts[i].value; } }
    } catch (e) { /* fall through */ }
    var off = -d.getTimezoneOffset();
    return "UTC" + (off < 0 ? "-" : "+") + pad(Math.floor(Math.abs(off) / 60)) + ":" + pad(Math.abs(off) % 60);
  }
  var stamped = root.querySelectorAll("[data-t]");
  for (var i = 0; i < stamped.length; i++) {
    var el = stamped[i];
    var d = new Date(Number(el.getAttribute("data-t")) * 1000);
    if (isNaN(d.getTime())) { continue; }
    var fmt = el.getAttribute("data-fmt");
    if (fmt === "hour") {
      el.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes());
    } else if (fmt === "day") {
      // A day's bar counts a UTC day: its label is that day, wherever the browser is.
      el.textContent = pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
    } else {
      el.textContent = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
        pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + " " + shortZone(d);
      el.title = el.getAttribute("datetime");
    }
  }
  var names = root.querySelectorAll("[data-tzname]");
  for (var n = 0; n < names.length; n++) { names[n].textContent = zone + " (your browser's time zone)"; }

  // A range that came as unix seconds (a statistics link) fills the empty date fields in local
  // time, to the second where it has seconds, so that running the report again keeps the range.
  var fill = root.querySelectorAll("input[data-fill-t]");
  for (var q = 0; q < fill.length; q++) {
    var when = new Date(Number(fill[q].getAttribute("data-fill-t")) * 1000);
    if (fill[q].value || isNaN(when.getTime())) { continue; }
    if (when.getSeconds()) { fill[q].step = "1"; }
    fill[q].value = when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate()) + "T" +
      pad(when.getHours()) + ":" + pad(when.getMinutes()) + (when.getSeconds() ? ":" + pad(when.getSeconds()) : "");
  }

  // The date fields are the browser's local time: send its offset so the daemon reads them right.
  var forms = root.querySelectorAll("form");
  for (var f = 0; f < forms.length; f++) {
    forms[f].addEventListener("submit", function (ev) {
      var form = ev.target;
      var tzo = form.querySelector("input[name=tzo]");
      if (tzo) {
        var from = form.querySelector("input[name=from]");
        var at = from && from.value ? new Date(from.value) : new Date();
        tzo.value = String(isNaN(at.getTime()) ? new Date().getTimezoneOffset() : at.getTimezoneOffset());
        // The end's own offset: a clock change may fall between the two dates.
        var tzoTo = form.querySelector("input[name=tzo_to]");
        var to = form.querySelector("input[name=to]");
        var end = to && to.value ? new Date(to.value) : null;
        if (tzoTo) { tzoTo.value = end && !isNaN(end.getTime()) ? String(end.getTimezoneOffset()) : ""; }
      }
      // Leave empty fields out of the address, so that links stay short and readable.
      var fields = form.querySelectorAll("input, select");
      for (var k = 0; k < fields.length; k++) {
        if (fields[k].name && fields[k].value === "" && fields[k].type !== "checkbox") { fields[k].disabled = true; }
      }
      busy();
    });
  }

  function busy() {
    root.classList.add("wb-busy");
    var note = root.querySelector(".wb-loading");
    if (note) { note.hidden = false; }
    var run = document.getElementById("wb-run");
    if (run) { run.textContent = "Running\u2026"; }
  }
  var slow = root.querySelectorAll(".wb-pager a, .wb-quick a, .wb-nav a");
  for (var s = 0; s < slow.length; s++) { slow[s].addEventListener("click", busy); }
  window.addEventListener("pageshow", function () {
    root.classList.remove("wb-busy");
    var note = root.querySelector(".wb-loading");
    if (note) { note.hidden = true; }
  });

  // Columns the user hid stay hidden, in this browser, on every page.
  var KEY = "waybill.hiddenColumns";
  var table = document.getElementById("wb-report");
  var boxes = root.querySelectorAll("input[data-col]");
  var hidden = [];
  try { hidden = JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { hidden = []; }
  if (!Array.isArray(hidden)) { hidden = []; }
  function apply() {
    for (var b = 0; b < boxes.length; b++) {
      var col = boxes[b].getAttribute("data-col");
      var off = hidden.indexOf(col) >= 0;
      boxes[b].checked = !off;
      if (table) { table.classList.toggle("wb-hide-" + col, off); }
    }
  }
  for (var b = 0; b < boxes.length; b++) {
    boxes[b].addEventListener("change", function (ev) {
      var col = ev.target.getAttribute("data-col");
      hidden = hidden.filter(function (c) { return c !== col; });
      if (!ev.target.checked) { hidden.push(col); }
      try { window.localStorage.setItem(KEY, JSON.stringify(hidden)); } catch (e) { /* private mode */ }
      apply();
    });
  }
  apply();

  // A click anywhere on a row opens its message; the Event link does the same for the keyboard.
  if (table) {
    table.addEventListener("click", function (ev) {
      if (ev.target.closest("a") || (window.getSelection && String(window.getSelection()) !== "")) { return; }
      var tr = ev.target.closest("tr[data-href]");
      if (tr) { busy(); window.location.href = tr.getAttribute("data-href"); }
    });
  }
})();
