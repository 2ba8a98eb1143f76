(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.claim"));
  var chips = Array.prototype.slice.call(document.querySelectorAll(".chip[data-status]"));
  var tagSelect = document.getElementById("filter-tag");
  var sourceSelect = document.getElementById("filter-source");
  var search = document.getElementById("filter-search");
  var count = document.getElementById("filter-count");
  var noMatch = document.querySelector("tr.no-match");

  var form = document.querySelector("form.filters");
  if (form) { form.addEventListener("submit", function (event) { event.preventDefault(); }); }

  function parse(value) {
    try { return JSON.parse(value || "[]"); } catch (e) { return []; }
  }

  var index = rows.map(function (row) {
    return {
      row: row,
      status: row.getAttribute("data-status"),
      tags: parse(row.getAttribute("data-tags")),
      sources: parse(row.getAttribute("data-sources")),
      text: row.textContent.replace(/\s+/g, " ").toLowerCase()
    };
  });

  function apply() {
    var statuses = chips.filter(function (c) { return c.getAttribute("aria-pressed") === "true"; })
      .map(function (c) { return c.getAttribute("data-status"); });
    var tag = tagSelect ? tagSelect.value : "";
    var source = sourceSelect ? sourceSelect.value : "";
    var words = (search ? search.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    index.forEach(function (item) {
      var ok = (!statuses.length || statuses.indexOf(item.status) >= 0) &&
        (!tag || item.tags.indexOf(tag) >= 0) &&
        (!source || item.sources.indexOf(source) >= 0) &&
        words.every(function (w) { return item.text.indexOf(w) >= 0; });
      item.row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (count) { count.textContent = shown + " of " + index.length + " claims"; }
    if (noMatch) { noMatch.hidden = shown !== 0 || index.length === 0; }
  }

  chips.forEach(function (chip) {
    chip.addEventListener("click", function () {
      var on = chip.getAttribute("aria-pressed") === "true";
      chip.setAttribute("aria-pressed", on ? "false" : "true");
      apply();
    });
  });
  [tagSelect, sourceSelect].forEach(function (el) { if (el) { el.addEventListener("change", apply); } });
  if (search) { search.addEventListener("input", apply); }
  var reset = document.getElementById("filter-reset");
  if (reset) {
    reset.addEventListener("click", function () {
      chips.forEach(function (c) { c.setAttribute("aria-pressed", "false"); });
      if (tagSelect) { tagSelect.value = ""; }
      if (sourceSelect) { sourceSelect.value = ""; }
      if (search) { search.value = ""; }
      apply();
    });
  }

  // Following a link to a claim opens it, and shows it even when a filter had hidden it.
  function openClaim(hash) {
    var id = decodeURIComponent((hash || "").slice(1));
    var target = id && document.getElementById(id);
    if (target && target.classList.contains("claim")) {
      target.hidden = false;
      var details = target.querySelector("details");
      if (details) { details.open = true; }
    }
  }
  function openTarget() { openClaim(location.hash); }
  // A click on a link within the page opens its claim at once: "hashchange" comes later (after the
  // click has returned, in Chromium 150), and never when the hash is already the link's.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) { openClaim(link.getAttribute("href")); }
  });
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Printing shows every claim's sources; the reader's open/closed choice comes back afterwards.
  var wasOpen = [];
  window.addEventListener("beforeprint", function () {
    wasOpen = Array.prototype.map.call(document.querySelectorAll("details"), function (d) {
      var open = d.open; d.open = true; return [d, open];
    });
  });
  window.addEventListener("afterprint", function () {
    wasOpen.forEach(function (pair) { pair[0].open = pair[1]; });
  });

  apply();
}());
