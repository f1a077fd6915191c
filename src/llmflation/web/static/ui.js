// Shared by the dashboard (served at /static/ui.js) and the report (inlined): draw a chart sized to its box,
// and give every table its own scroll box and CSV / JSON downloads. No network: vegaEmbed comes from the
// bundled vega-bundle.min.js.
(function () {
  "use strict";
  var OPTIONS = { renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false },
                  tooltip: { theme: "light" } };

  // Concatenated views cannot use width "container": size their sub-views to the box (phones included).
  function fitConcat(spec, el) {
    var key = ["vconcat", "hconcat", "concat"].find(function (k) { return Array.isArray(spec[k]); });
    if (!key) { return spec; }
    var box = Math.max(240, (el.clientWidth || 760) - 90);
    var per = key === "hconcat" ? Math.floor(box / spec[key].length) - 20 : box;
    if (key === "concat" && spec.columns > 1) {
      // small multiples: as many columns as fit at about 300 px each (one on a phone), each with its own axis
      var cols = Math.max(1, Math.min(spec.columns, Math.floor((box + 90) / 390)));
      spec.columns = cols;
      per = Math.floor((box + 90) / cols) - 90 - (cols > 1 ? 24 : 0);
    }
    spec[key].forEach(function (v) { if (typeof v.width === "number" || v.width === undefined) { v.width = per; } });
    return spec;
  }

  // Vega does not wrap titles, and a title wider than the box squeezes the plot to nothing: wrap the title and
  // subtitle lines to the box, and keep legend labels inside it.
  function wrap(text, chars) {
    var out = [];
    [].concat(text).forEach(function (line) {
      var cur = "";
      String(line).split(" ").forEach(function (w) {
        if (cur && (cur + " " + w).length > chars) { out.push(cur); cur = w; } else { cur = cur ? cur + " " + w : w; }
      });
      if (cur) { out.push(cur); }
    });
    return out;
  }
  // Long axis labels (bar charts of offers) must not squeeze the plot on a phone.
  function capLabels(view, cap) {
    if (!view || typeof view !== "object") { return; }
    ["x", "y"].forEach(function (k) {
      var enc = view.encoding && view.encoding[k];
      if (enc && enc.axis && enc.axis.labelLimit > cap) { enc.axis.labelLimit = cap; }
    });
    ["layer", "vconcat", "hconcat", "concat"].forEach(function (k) {
      (view[k] || []).forEach(function (v) { capLabels(v, cap); });
    });
  }
  function fitText(spec, el) {
    var width = el.clientWidth || 760;
    var chars = Math.max(24, Math.floor((width - 30) / 6.2));
    function fix(view) {
      var t = view.title;
      if (!t) { return; }
      if (typeof t === "string" || Array.isArray(t)) { view.title = wrap(t, Math.floor(chars * 0.65)); return; }
      if (t.text) { t.text = wrap(t.text, Math.floor(chars * 0.65)); }
      if (t.subtitle) { t.subtitle = wrap(t.subtitle, chars); }
    }
    fix(spec);
    ["vconcat", "hconcat", "concat"].forEach(function (k) { (spec[k] || []).forEach(fix); });
    if (width < 700) {
      spec.config = spec.config || {};
      spec.config.legend = Object.assign({}, spec.config.legend, { labelLimit: Math.max(120, width - 70),
                                                                   columns: 1 });
      spec.config.axis = Object.assign({}, spec.config.axis, { titleLimit: 260,
                                                               labelLimit: Math.floor(width * 0.4) });
      capLabels(spec, Math.floor(width * 0.4));
    }
    return spec;
  }

  function embed(el, spec) {
    if (typeof window.vegaEmbed !== "function") { el.dataset.rendered = "error"; return Promise.resolve(); }
    return window.vegaEmbed(el, fitText(fitConcat(spec, el), el), OPTIONS)
      .then(function () { el.dataset.rendered = "1"; })
      .catch(function (err) { el.dataset.rendered = "error"; el.textContent = "Chart failed: " + err; });
  }

  function cellText(c) { return (c.innerText || c.textContent || "").replace(/\s+/g, " ").trim(); }

  function tableData(table) {
    var head = table.tHead ? table.tHead.rows[0] : table.rows[0];
    var names = Array.prototype.map.call(head.cells, cellText);
    var body = Array.prototype.filter.call(table.rows, function (r) {
      return r !== head && r.closest("table") === table && r.cells.length === names.length && !r.hidden;
    });
    return { names: names, rows: body.map(function (r) { return Array.prototype.map.call(r.cells, cellText); }) };
  }

  function download(name, type, text) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  function csv(d) {
    function q(v) { return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
    return [d.names].concat(d.rows).map(function (r) { return r.map(q).join(","); }).join("\n") + "\n";
  }

  function json(d) {
    return JSON.stringify(d.rows.map(function (r) {
      var o = {}; d.names.forEach(function (n, i) { o[n || "column " + (i + 1)] = r[i]; }); return o;
    }), null, 1) + "\n";
  }

  // Wrap each top-level table in a scroll box with a small toolbar: "CSV" and "JSON" download what is shown.
  function tables(root) {
    (root || document).querySelectorAll("table").forEach(function (t, i) {
      if (t.parentElement.closest("table") || t.closest(".table-wrap")) { return; }
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      t.parentNode.insertBefore(wrap, t);
      var bar = document.createElement("div");
      bar.className = "table-tools";
      var base = (t.id || (document.title.split(" ")[0] || "table").toLowerCase() + "-" + (i + 1))
        .replace(/[^\w-]+/g, "-");
      [["CSV", "text/csv", csv, ".csv"], ["JSON", "application/json", json, ".json"]].forEach(function (k) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "dl";
        b.textContent = k[0];
        b.title = "Download this table as " + k[0];
        b.addEventListener("click", function () { download(base + k[3], k[1], k[2](tableData(t))); });
        bar.appendChild(b);
      });
      var box = document.createElement("div");
      box.className = "table-scroll";
      wrap.appendChild(bar);
      wrap.appendChild(box);
      box.appendChild(t);
    });
  }

  window.llmflationUI = { embed: embed, tables: tables, tableData: tableData };
})();
