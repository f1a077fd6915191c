// Render every chart on the page: <div class="chart" data-spec="ID"> + <script type="application/json" id="ID">.
// vegaEmbed comes from vega-bundle.min.js, served by this app (no CDN).
(function () {
  "use strict";
  function render(el) {
    var holder = document.getElementById(el.dataset.spec);
    if (!holder || !window.llmflationUI) { el.dataset.rendered = "error"; return Promise.resolve(); }
    return window.llmflationUI.embed(el, JSON.parse(holder.textContent));
  }
  function renderAll() {
    var all = Array.prototype.map.call(document.querySelectorAll(".chart[data-spec]"), render);
    Promise.all(all).then(tabs, tabs);
  }
  // Tabs: show one .tab-panel at a time (all panels are rendered first so every chart has marks).
  function tabs() {
    var links = document.querySelectorAll(".tabs[role=tablist] .tab");
    if (!links.length) { return; }
    function show(id) {
      links.forEach(function (a) { a.classList.toggle("active", a.getAttribute("href") === "#" + id); });
      document.querySelectorAll(".tab-panel").forEach(function (p) {
        if (p.id === id) { p.removeAttribute("hidden"); } else { p.setAttribute("hidden", ""); }
      });
      window.dispatchEvent(new Event("resize"));
    }
    links.forEach(function (a) {
      a.addEventListener("click", function (e) { e.preventDefault(); show(a.getAttribute("href").slice(1)); });
    });
    show(links[0].getAttribute("href").slice(1));
  }
  window.llmflationRender = renderAll;
  // Usage upload (Spend page, only shown when the server has a token): multipart POST with the bearer token.
  function upload() {
    var form = document.getElementById("upload-form");
    if (!form) { return; }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var out = document.getElementById("upload-result");
      var data = new FormData(form);
      var token = data.get("token");
      data.delete("token");
      out.textContent = "uploading…";
      fetch(form.dataset.endpoint, { method: "POST", body: data, headers: { "Authorization": "Bearer " + token } })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (body.ok) {
            var t = body.totals;
            out.textContent = "read " + t.read + " = accepted " + t.accepted + " + quarantined " + t.quarantined +
              " + duplicates " + t.duplicates + ". Reloading…";
            setTimeout(function () { window.location.reload(); }, 800);
          } else { out.textContent = "Error " + body.status + ": " + body.error; }
        })
        .catch(function (err) { out.textContent = "Upload failed: " + err; });
    });
  }
  // Sortable, filterable table (Models): click a header to sort; type in the filter box to hide rows.
  function sortable() {
    document.querySelectorAll("table[data-sortable]").forEach(function (t) {
      var body = t.tBodies[0];
      Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, col) {
        th.classList.add("sort");
        th.setAttribute("tabindex", "0");
        th.setAttribute("role", "button");
        function go() {
          var dir = th.dataset.dir === "asc" ? "desc" : "asc";
          Array.prototype.forEach.call(t.tHead.rows[0].cells, function (o) { delete o.dataset.dir; });
          th.dataset.dir = dir;
          var rows = Array.prototype.slice.call(body.rows);
          function key(r) {
            var c = r.cells[col];
            var v = c ? (c.dataset.sort !== undefined ? c.dataset.sort : c.innerText.trim()) : "";
            if (/^\d{4}-\d{2}/.test(v)) { return v; }  // ISO dates sort as text
            var n = parseFloat(v.replace(/[$,×%]/g, ""));
            return v !== "" && !isNaN(n) && /^[\s$\d.,×%-]+$/.test(v) ? n : v.toLowerCase();
          }
          rows.sort(function (a, b) {
            var x = key(a), y = key(b);
            if (x === "" && y !== "") { return 1; }
            if (y === "" && x !== "") { return -1; }
            var r = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
            return dir === "asc" ? r : -r;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        }
        th.addEventListener("click", go);
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(); } });
      });
      var box = document.querySelector("[data-filter-for='" + t.id + "']");
      if (box) {
        box.addEventListener("input", function () {
          var q = box.value.trim().toLowerCase();
          var shown = 0;
          Array.prototype.forEach.call(body.rows, function (r) {
            var hit = !q || r.innerText.toLowerCase().indexOf(q) >= 0;
            r.hidden = !hit;
            if (hit) { shown += 1; }
          });
          var count = document.getElementById(t.id + "-count");
          if (count) { count.textContent = shown; }
        });
      }
    });
  }
  function start() {
    if (window.llmflationUI) { window.llmflationUI.tables(document.querySelector("main")); }
    sortable(); renderAll(); upload();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
