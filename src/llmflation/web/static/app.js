// Render every chart on the page: <div class="chart" data-spec="ID"> + <script type="application/json" id="ID">.
// vegaEmbed comes from vega-bundle.min.js, served by this app (no CDN).
(function () {
  "use strict";
  function render(el) {
    var holder = document.getElementById(el.dataset.spec);
    if (!holder || typeof window.vegaEmbed !== "function") { el.dataset.rendered = "error"; return Promise.resolve(); }
    var spec = JSON.parse(holder.textContent);
    return window.vegaEmbed(el, spec, {
      renderer: "svg",
      actions: { export: true, source: false, compiled: false, editor: false },
      tooltip: { theme: "light" }
    }).then(function () { el.dataset.rendered = "1"; })
      .catch(function (err) { el.dataset.rendered = "error"; el.textContent = "Chart failed: " + err; });
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
  function start() { renderAll(); upload(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
