// Render every chart on the page: <div class="chart" data-spec="ID"> + <script type="application/json" id="ID">.
// vegaEmbed comes from vega-bundle.min.js, served by this app (no CDN).
(function () {
  "use strict";
  function render(el) {
    var holder = document.getElementById(el.dataset.spec);
    if (!holder || typeof window.vegaEmbed !== "function") { el.dataset.rendered = "error"; return; }
    var spec = JSON.parse(holder.textContent);
    window.vegaEmbed(el, spec, {
      renderer: "svg",
      actions: { export: true, source: false, compiled: false, editor: false },
      tooltip: { theme: "light" }
    }).then(function () { el.dataset.rendered = "1"; })
      .catch(function (err) { el.dataset.rendered = "error"; el.textContent = "Chart failed: " + err; });
  }
  function renderAll() { document.querySelectorAll(".chart[data-spec]").forEach(render); }
  window.llmflationRender = renderAll;
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", renderAll); }
  else { renderAll(); }
})();
