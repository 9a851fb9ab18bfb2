/* mapdata: the map's own Leaflet code (served by the app; no CDN).
 *
 * Python (src/mapdata/map/mapview.py) emits calls to these functions with JSON data.
 * Every string coming from the data is put into the page with textContent, or is
 * HTML that Python has already escaped (popups and tooltips).
 */
(function () {
  "use strict";
  if (window.mapdata) { return; }

  var SENTINEL = "__mapdata__";
  /* Both maps' place cards (see cardPopup): sized to the map and panned clear of its controls. */
  /* A card is as tall as its content up to this (a seed card with a quote, its source and a "reported later"
     mark is about 310 px); taller ones scroll, with a shadow at the foot saying so (mapdata.css). */
  var CARD_MAX_HEIGHT = 420;
  var POPUP_OPTIONS = { maxWidth: 340, minWidth: 240, maxHeight: CARD_MAX_HEIGHT, autoPanPadding: [8, 8], pane: "mapdata-cards" };
  var CARD_GAP = 8;  /* px between a card and the map's edge or a control */
  var CARD_CHROME = { x: 46, y: 48 };  /* Leaflet's popup around its content: padding, border, the tip */
  /* Panels whose open/closed state the map reports to the server (and the link keeps). */
  var UI_URL = "mapdata-ui";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  /* Point markers: each force has its own shape (mapdata/map/colours.py marker_shapes), so two forces
     with near colours (amber, vermilion) differ in small markers too. Corners of the shape around
     (x, y), with the area of a circle of radius r. */
  var SHAPES = {
    square: [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(function (p) { return [p[0] * 0.886, p[1] * 0.886]; }),
    diamond: [[0, -1.25], [1.25, 0], [0, 1.25], [-1.25, 0]],
    triangle: [[0, -1.55], [1.35, 0.78], [-1.35, 0.78]],
    "triangle-down": [[0, 1.55], [1.35, -0.78], [-1.35, -0.78]],
    hexagon: [0, 1, 2, 3, 4, 5].map(function (k) { var a = Math.PI / 3 * k; return [1.1 * Math.cos(a), 1.1 * Math.sin(a)]; })
  };

  function shapeCorners(shape, x, y, r) {
    return (SHAPES[shape] || []).map(function (p) { return [x + p[0] * r, y + p[1] * r]; });
  }

  var ShapeMarker = null;

  function shapeMarker(latlng, options) {
    if (!ShapeMarker) {
      ShapeMarker = L.CircleMarker.extend({
        _updatePath: function () {
          var corners = shapeCorners(this.options.shape, this._point.x, this._point.y, this._radius);
          var renderer = this._renderer;
          if (!corners.length || this._empty()) { L.CircleMarker.prototype._updatePath.call(this); return; }
          if (renderer._ctx) {  /* canvas (the browser-side map) */
            if (!renderer._drawing) { return; }
            var ctx = renderer._ctx;
            ctx.beginPath();
            corners.forEach(function (c, i) { ctx[i ? "lineTo" : "moveTo"](c[0], c[1]); });
            ctx.closePath();
            renderer._fillStroke(ctx, this);
          } else {
            renderer._setPath(this, "M" + corners.map(function (c) { return c[0].toFixed(1) + "," + c[1].toFixed(1); }).join("L") + "z");
          }
        }
      });
    }
    return new ShapeMarker(latlng, options);
  }

  function swatch(style, kind) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "16");
    svg.setAttribute("class", "mapdata-swatch");
    var shape;
    if (SHAPES[kind]) {
      shape = document.createElementNS(ns, "polygon");
      shape.setAttribute("points", shapeCorners(kind, 13, 8, 5).map(function (c) { return c[0].toFixed(1) + "," + c[1].toFixed(1); }).join(" "));
    } else if (kind === "circle") {
      shape = document.createElementNS(ns, "circle");
      shape.setAttribute("cx", "13"); shape.setAttribute("cy", "8"); shape.setAttribute("r", "6");
    } else if (kind === "line") {
      shape = document.createElementNS(ns, "line");
      shape.setAttribute("x1", "2"); shape.setAttribute("y1", "8"); shape.setAttribute("x2", "24"); shape.setAttribute("y2", "8");
    } else {
      shape = document.createElementNS(ns, "rect");
      shape.setAttribute("x", "2"); shape.setAttribute("y", "2"); shape.setAttribute("width", "22"); shape.setAttribute("height", "12");
    }
    shape.setAttribute("stroke", style.color || "none");
    shape.setAttribute("stroke-width", String(Math.min(style.weight || 1, 3)));
    shape.setAttribute("fill", style.fill === false ? "none" : (style.fillColor || "none"));
    shape.setAttribute("fill-opacity", String(style.fillOpacity === undefined ? 0.3 : style.fillOpacity));
    if (style.dashArray) { shape.setAttribute("stroke-dasharray", style.dashArray); }
    if (style.lineCap) { shape.setAttribute("stroke-linecap", style.lineCap); }
    svg.appendChild(shape);
    return svg;
  }

  function panes(map) {
    [["mapdata-basemap", 250], ["mapdata-cells", 405], ["mapdata-areas", 410], ["mapdata-lines", 420],
     ["mapdata-points", 430], ["mapdata-highlight", 440]].forEach(function (p) {
      if (!map.getPane(p[0])) { map.createPane(p[0]).style.zIndex = String(p[1]); }
    });
    if (!map.getPane("mapdata-cards")) {
      /* The cards' pane sits beside the map pane, not in it: the map pane is a stacking context
         under the controls (z-index 1000), so a card in it would open under the "As of" box, the
         zoom and the layer control. This pane is above them and follows the map pane's position. */
      var cards = map.createPane("mapdata-cards", map.getContainer());
      cards.style.zIndex = "1100";
      var follow = function () { L.DomUtil.setPosition(cards, map._getMapPanePos()); };
      map.on("move zoom viewreset zoomend moveend resize", follow);
      follow();
    }
  }

  /* The boxes of the map's controls, in the map's own pixels, by corner ("topleft", ...). */
  function controlBoxes(map) {
    var frame = map.getContainer().getBoundingClientRect(), boxes = [];
    Object.keys(map._controlCorners || {}).forEach(function (corner) {
      Array.prototype.forEach.call(map._controlCorners[corner].children, function (control) {
        var r = control.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) {
          boxes.push({ corner: corner, left: r.left - frame.left, top: r.top - frame.top,
                       right: r.right - frame.left, bottom: r.bottom - frame.top });
        }
      });
    });
    return boxes;
  }

  /* Where a card may open without touching a control: of the rectangles whose sides are the map's
     edges or the controls' edges and that hold no control, the one where the largest card fits
     (at least 240 x 120 px of content, else the whole map: the card then covers controls, its pane
     being above them). Sizes the card to the rectangle and pans the map to bring it inside. */
  function fitCard(popup) {
    var map = popup._map, size = map.getSize(), W = size.x, H = size.y, g = CARD_GAP, cx = CARD_CHROME.x, cy = CARD_CHROME.y;
    var boxes = controlBoxes(map);
    var xs = [g], xe = [W - g], ys = [g], ye = [H - g];
    boxes.forEach(function (b) { xs.push(b.right + g); xe.push(b.left - g); ys.push(b.bottom + g); ye.push(b.top - g); });
    var minW = Math.min(240, W - 2 * g - cx), best = null, bestScore = 0;
    xs.forEach(function (x0) { xe.forEach(function (x1) { ys.forEach(function (y0) { ye.forEach(function (y1) {
      if (x1 - x0 - cx < minW || y1 - y0 - cy < 120) { return; }
      var score = Math.min(x1 - x0 - cx, 340) * Math.min(y1 - y0 - cy, CARD_MAX_HEIGHT);
      if (score <= bestScore) { return; }
      for (var i = 0; i < boxes.length; i += 1) {
        var b = boxes[i];
        if (b.left < x1 && b.right > x0 && b.top < y1 && b.bottom > y0) { return; }
      }
      best = { x0: x0, x1: x1, y0: y0, y1: y1 };
      bestScore = score;
    }); }); }); });
    var r = best || { x0: g, x1: W - g, y0: g, y1: H - g };
    var o = popup.options;
    o.maxWidth = Math.max(120, Math.min(340, r.x1 - r.x0 - cx));
    o.minWidth = Math.min(240, o.maxWidth);
    o.maxHeight = Math.max(80, Math.min(CARD_MAX_HEIGHT, r.y1 - r.y0 - cy));
    o.autoPanPaddingTopLeft = [r.x0, r.y0];
    o.autoPanPaddingBottomRight = [W - r.x1, H - r.y1];
    popup.mapdataRegion = r;
  }

  var CardPopup = null;

  /* A place card bound to ``layer``: in the cards' pane, sized and panned by fitCard each time it opens. */
  function cardPopup(layer, content) {
    if (!CardPopup) {
      CardPopup = L.Popup.extend({
        onAdd: function (map) { panes(map); L.Popup.prototype.onAdd.call(this, map); },
        _updateLayout: function () { if (this._map) { fitCard(this); } L.Popup.prototype._updateLayout.call(this); }
      });
    }
    return new CardPopup(L.extend({}, POPUP_OPTIONS), layer).setContent(content);
  }

  function basemap(map, data) {
    panes(map);
    data.layers.forEach(function (layer) {
      L.geoJSON(layer.geojson, {
        pane: "mapdata-basemap",
        interactive: false,
        style: function () { return layer.style; }
      }).addTo(map);
    });
    var labels = L.layerGroup().addTo(map);
    data.labels.forEach(function (label) {
      var tip = L.tooltip({
        permanent: true, direction: "center", className: "mapdata-label mapdata-label-" + label.level,
        interactive: false, pane: "mapdata-basemap"
      }).setLatLng(label.at).setContent(el("span", "", label.text));
      labels.addLayer(tip);
    });
    function showLabels() {
      var zoom = map.getZoom();
      data.labels.forEach(function (label, i) {
        var layer = labels.getLayers()[i];
        var visible = zoom >= label.min_zoom;
        if (layer.getElement && layer.getElement()) { layer.getElement().style.display = visible ? "" : "none"; }
      });
    }
    map.on("zoomend", showLabels);
    map.whenReady(showLabels);
    if (data.attribution && map.attributionControl) {
      map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
      data.attribution.forEach(function (text) { map.attributionControl.addAttribution(text); });
    }
  }

  /* The panels' state as the user set it (or the link did): reported to the server with the map's
     layers (streamlit-folium's selected_layers, as {name: "legend=1", url: "mapdata-ui"}), so the
     share link keeps it. A panel nobody toggled is not reported: it opens as the map's width says. */
  function reportUi(map, key, value) {
    var ui = window.mapdataUi = window.mapdataUi || {};
    if (value !== undefined) { ui[key] = value; }
    var global = window.__GLOBAL_DATA__;
    if (!global || !global.selected_layers) { return; }
    Object.keys(ui).forEach(function (k) {
      if (ui[k] !== null && ui[k] !== undefined) {
        global.selected_layers[UI_URL + ":" + k] = { name: k + "=" + ui[k], url: UI_URL };
      }
    });
    /* streamlit-folium sends its value on overlayadd (any layer): the server hears the change now */
    if (value !== undefined) { map.fire("overlayadd", { layer: null, mapdataUi: key }); }
  }

  /* On a narrow map (a phone) the panels take turns: opening one (Layers, Legend, credits) folds the others,
     which would otherwise cover one another. ``closers`` holds each panel's fold function. */
  var NARROW_MAP = 700;
  function panelOpened(map, key) {
    var closers = map.mapdataPanels || {};
    if (map.getSize().x >= NARROW_MAP) { return; }
    Object.keys(closers).forEach(function (k) { if (k !== key) { closers[k](); } });
  }
  function panelCloser(map, key, close) {
    map.mapdataPanels = map.mapdataPanels || {};
    map.mapdataPanels[key] = close;
  }

  /* A button that folds a control's body away (the state is a class on ``box``). */
  function foldButton(map, box, key, label, open) {
    var button = el("button", "mapdata-fold", label);
    button.type = "button";
    function set(value, fromUser) {
      box.classList.toggle("mapdata-folded", !value);
      button.setAttribute("aria-expanded", value ? "true" : "false");
      button.setAttribute("title", (value ? "Hide the " : "Show the ") + label.toLowerCase());
      if (fromUser) { reportUi(map, key, value ? 1 : 0); }
    }
    L.DomEvent.on(button, "click", function (e) {
      L.DomEvent.preventDefault(e);
      var opening = box.classList.contains("mapdata-folded");
      set(opening, true);
      if (opening) { panelOpened(map, key); }
    });
    panelCloser(map, key, function () { if (!box.classList.contains("mapdata-folded")) { set(false, true); } });
    set(open, false);
    return button;
  }

  function chrome(map, data) {
    if (data.names) { serverNames(map, data.names); }
    var panels = data.panels || {};
    /* Open by default on a wide map only; the link (panels) says otherwise when the user chose. */
    var wide = map.getSize().x >= 900;  /* desktop (a 980 px map beside the sidebar): open; tablet and phone: folded */
    window.mapdataUi = {};
    ["legend", "layerctl"].forEach(function (k) {
      if (panels[k] !== null && panels[k] !== undefined) { window.mapdataUi[k] = panels[k] ? 1 : 0; }
    });
    if (panels.basemap) { window.mapdataUi.basemap = panels.basemap; }
    /* Base layers: the offline boundaries are always drawn; online tiles are an option. */
    var bases = {};
    var offline = L.layerGroup();
    bases[escapeHtml(data.offline_label)] = offline;
    var tiles = null;
    if (data.tiles) {
      tiles = L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 18, crossOrigin: true });
      bases[escapeHtml(data.tiles.label)] = tiles;
    }
    ((panels.basemap === "tiles" && tiles) ? tiles : offline).addTo(map);
    map.on("baselayerchange", function (e) {
      reportUi(map, "basemap", (tiles && e.layer === tiles) ? "tiles" : "offline");
    });
    var control = L.control.layers(bases, {}, { collapsed: false, position: "topright" }).addTo(map);
    var layersBox = control.getContainer();
    layersBox.classList.add("mapdata-layers");
    layersBox.insertBefore(foldButton(map, layersBox, "layerctl", "Layers",
                                      panels.layerctl === null || panels.layerctl === undefined ? wide : !!panels.layerctl),
                           layersBox.firstChild);
    window.mapdataControl = control;
    credits(map);
    reportUi(map);

    /* "As of" box: title and the date shown; sync() updates the date. */
    var AsOf = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = el("div", "mapdata-asof leaflet-bar");
        box.appendChild(el("div", "mapdata-asof-title", data.title));
        box.appendChild(el("div", "mapdata-asof-date", ""));
        return box;
      }
    });
    new AsOf().addTo(map);

    /* Fly-to buttons: the theatre and places outside it (e.g. Sochi). */
    var Fly = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = el("div", "mapdata-flyto leaflet-bar");
        data.flyto.forEach(function (target) {
          var button = el("a", "mapdata-flyto-button", target.label);
          button.href = "#";
          button.setAttribute("role", "button");
          button.setAttribute("title", target.title);
          button.setAttribute("data-target", target.id);
          L.DomEvent.on(button, "click", function (e) {
            L.DomEvent.preventDefault(e);
            L.DomEvent.stopPropagation(e);
            map.flyTo(target.center, target.zoom, { duration: 0.8 });
          });
          bar.appendChild(button);
        });
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      }
    });
    new Fly().addTo(map);

    /* Legend: every colour and every style on the map. */
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var outer = el("details", "mapdata-legend");
        outer.open = panels.legend === null || panels.legend === undefined ? wide : !!panels.legend;
        outer.appendChild(el("summary", "", "Legend"));
        var shown = outer.open;  /* "toggle" also fires for the opening state set here: report changes only */
        outer.addEventListener("toggle", function () {
          if (outer.open !== shown) {
            shown = outer.open;
            reportUi(map, "legend", shown ? 1 : 0);
            if (shown) { panelOpened(map, "legend"); }
          }
        });
        panelCloser(map, "legend", function () { outer.open = false; });
        var box = el("div", "mapdata-legend-body");
        outer.appendChild(box);
        box.appendChild(el("div", "mapdata-legend-heading", "Forces"));
        data.legend.forces.forEach(function (f) {
          var row = el("div", "mapdata-legend-row");
          row.appendChild(swatch({ color: f.colour, fillColor: f.colour, fillOpacity: 0.6, weight: 2 }, "rect"));
          row.appendChild(swatch({ color: "#333333", fillColor: f.colour, fillOpacity: 1, weight: 1 }, f.shape || "circle"));
          row.appendChild(el("span", "", f.name));
          box.appendChild(row);
        });
        box.appendChild(el("div", "mapdata-legend-heading", "Status"));
        data.legend.styles.forEach(function (s) {
          var row = el("div", "mapdata-legend-row" + (s.only ? " mapdata-legend-only mapdata-legend-only-" + s.only : ""));
          row.appendChild(swatch(s.style, s.shape));
          row.appendChild(el("span", "", s.label));
          box.appendChild(row);
        });
        L.DomEvent.disableClickPropagation(outer);
        L.DomEvent.disableScrollPropagation(outer);
        return outer;
      }
    });
    new Legend().addTo(map);

    /* Report force-layer toggles back to Python through streamlit-folium's selected_layers. */
    function report(e, visible) {
      var force = e.layer && e.layer.options && e.layer.options.mapdataForce;
      var global = window.__GLOBAL_DATA__;
      if (!force || !global) { return; }
      if (visible) { global.selected_layers["mapdata:" + force] = { name: force, url: "mapdata" }; }
      else { delete global.selected_layers["mapdata:" + force]; }
    }
    map.on("overlayadd", function (e) { report(e, true); });
    map.on("overlayremove", function (e) { report(e, false); });
  }

  /* The attribution as a collapsible "i": the credits stay one click (or key press) away and never
     cover the scale bar on a small map. Leaflet rewrites the attribution's HTML whenever a layer's
     credit comes or goes, so the button and the wrapper are put back after each update. */
  function credits(map) {
    var control = map.attributionControl;
    if (!control || control.mapdataCredits) { return; }
    var state = control.mapdataCredits = { open: map.getSize().x >= NARROW_MAP };
    panelCloser(map, "credits", function () { if (state.open) { state.open = false; decorate(); } });
    var update = control._update;
    function decorate() {
      var box = control.getContainer();
      var old = box.querySelector(".mapdata-credits-text");
      if (old) {  /* already decorated (a toggle): unwrap first */
        box.innerHTML = "";
        while (old.firstChild) { box.appendChild(old.firstChild); }
      }
      var text = el("span", "mapdata-credits-text");
      while (box.firstChild) { text.appendChild(box.firstChild); }
      var button = el("button", "mapdata-credits-toggle", "i");
      button.type = "button";
      button.setAttribute("aria-label", "Map data credits");
      button.setAttribute("title", state.open ? "Hide the map data credits" : "Show the map data credits");
      button.setAttribute("aria-expanded", state.open ? "true" : "false");
      L.DomEvent.on(button, "click", function (e) {
        L.DomEvent.preventDefault(e);
        L.DomEvent.stopPropagation(e);
        state.open = !state.open;
        decorate();
        box.querySelector(".mapdata-credits-toggle").focus();
        if (state.open) { panelOpened(map, "credits"); }
      });
      box.classList.add("mapdata-credits");
      box.classList.toggle("mapdata-folded", !state.open);
      box.appendChild(button);
      box.appendChild(text);
    }
    control._update = function () { update.call(this); decorate(); };
    L.DomEvent.disableClickPropagation(control.getContainer());
    decorate();
  }

  function bindPlace(layer, feature) {
    layer.bindTooltip(feature.tooltip, { sticky: feature.kind !== "point" });
    layer.bindPopup(cardPopup(layer, feature.popup));
  }

  function placeLayer(feature) {
    var style = L.extend({}, feature.style, { className: feature.className });
    var geometry = feature.geometry;
    if (geometry.type === "Point") {
      var ll = [geometry.coordinates[1], geometry.coordinates[0]];
      var parts = [];
      if (feature.uncertainty_m && feature.draw_uncertainty !== false) {
        parts.push(L.circle(ll, {
          radius: feature.uncertainty_m, pane: "mapdata-areas", interactive: false,
          color: style.color, weight: 1, dashArray: "1 4", fillColor: style.color, fillOpacity: 0.04,
          className: "mapdata-uncertainty mapdata-uncertainty-" + feature.place_id
        }));
      }
      var marker = shapeMarker(ll, L.extend({ pane: "mapdata-points" }, style));
      bindPlace(marker, feature);
      parts.push(marker);
      return L.featureGroup(parts);
    }
    var pane = (geometry.type.indexOf("Line") >= 0) ? "mapdata-lines" : "mapdata-areas";
    var layer = L.geoJSON(geometry, { pane: pane, style: function () { return style; } });
    bindPlace(layer, feature);
    return layer;
  }

  var cards = {};  /* place id -> the layer whose card is that place's (server-rendered map; the latest step's) */
  function addPlaces(group, data) {
    /* folium's L.featureGroup(options) call drops options (Leaflet takes layers first): set them here. */
    if (data.force) { group.options.mapdataForce = data.force; group.options.mapdataLabel = data.label; }
    data.features.forEach(function (feature) {
      var layer = placeLayer(feature);
      group.addLayer(layer);
      if (feature.popup && data.force) {
        (cards[feature.place_id] = cards[feature.place_id] || []).push(layer);
      }
    });
  }

  /* Open a place's card once per choice (a place found by name), after the map has flown to it. */
  var openedCard = null;
  function openCard(map, open, layers) {
    if (!open || openedCard === open.n) { return; }
    var layer = (layers || []).filter(function (l) { return l && map.hasLayer(l); })[0];
    if (!layer) { return; }
    openedCard = open.n;
    window.setTimeout(function () {
      var target = layer.getLayers ? layer.getLayers().filter(function (l) { return l.getPopup && l.getPopup(); })[0] || layer : layer;
      target.openPopup();
    }, 450);
  }

  /* ---- Place names: written in rank order (mapdata/map/labels.py), each beside its place, skipping any that would
     overlap a name already written or a control of the map; at country zoom only the first towns. ---- */

  var measure = null, MAX_OBSTACLES = 2000;
  function textWidth(text) {
    if (!measure) { measure = document.createElement("canvas").getContext("2d"); measure.font = "600 11px sans-serif"; }
    return measure.measureText(text).width;
  }

  /* source: { count, order (indices by rank), text(i, lang), at(i) -> LatLng, kind(i), shown(i) } */
  function nameLayer(map, settings) {
    panes(map);
    if (!map.getPane("mapdata-names")) {
      var pane = map.createPane("mapdata-names");
      pane.style.zIndex = "436";
      pane.style.pointerEvents = "none";
    }
    var state = { map: map, source: null, lang: "en", pool: [], settings: settings };
    function layout() {
      var src = state.source;
      if (!src) { return; }
      var zoom = map.getZoom(), size = map.getSize(), bounds = map.getBounds();
      var all = zoom >= settings.all_from_zoom, limit = all ? settings.max_labels : settings.country_labels;
      var taken = controlBoxes(map).map(function (b) { return [b.left, b.top, b.right, b.bottom]; });
      /* every marker drawn in view (up to MAX_OBSTACLES) stays clear of the names */
      for (var m = 0, seen = 0; m < src.order.length && seen < MAX_OBSTACLES; m += 1) {
        var j = src.order[m];
        if (src.kind(j) === "area" || src.kind(j) === "region" || !src.shown(j)) { continue; }
        var at = src.at(j);
        if (!at || !bounds.contains(at)) { continue; }
        var q = map.latLngToContainerPoint(at);
        taken.push([q.x - 9, q.y - 9, q.x + 9, q.y + 9]);
        seen += 1;
      }
      var placed = [];
      for (var n = 0; n < src.order.length && placed.length < limit; n += 1) {
        var i = src.order[n];
        if (!all && src.kind(i) !== "town") { continue; }
        if (!src.shown(i)) { continue; }
        var ll = src.at(i);
        if (!ll || !bounds.contains(ll)) { continue; }
        var text = src.text(i, state.lang);
        if (!text) { continue; }
        var p = map.latLngToContainerPoint(ll), w = textWidth(text) + 6, h = 16, gap = 13;
        var area = src.kind(i) === "area" || src.kind(i) === "region";
        var options = area ? [[p.x - w / 2, p.y - h / 2]]
          : [[p.x + gap, p.y - h / 2], [p.x - gap - w, p.y - h / 2], [p.x - w / 2, p.y - gap - h], [p.x - w / 2, p.y + gap]];
        for (var k = 0; k < options.length; k += 1) {
          var r = [options[k][0], options[k][1], options[k][0] + w, options[k][1] + h];
          if (r[0] < 2 || r[1] < 2 || r[2] > size.x - 2 || r[3] > size.y - 2) { continue; }
          var clash = taken.some(function (t) { return r[0] < t[2] && t[0] < r[2] && r[1] < t[3] && t[1] < r[3]; });
          if (clash) { continue; }
          taken.push(r);
          taken.push([p.x - 5, p.y - 5, p.x + 5, p.y + 5]);  /* its place's marker stays clear of other names */
          placed.push({ i: i, text: text, x: r[0], y: r[1], area: area });
          break;
        }
      }
      var pane = map.getPane("mapdata-names"), origin = map.containerPointToLayerPoint([0, 0]);
      while (state.pool.length < placed.length) { state.pool.push(pane.appendChild(el("div", "mapdata-name"))); }
      state.pool.forEach(function (div, k) {
        var label = placed[k];
        if (!label) { div.style.display = "none"; return; }
        div.style.display = "";
        div.textContent = label.text;
        div.setAttribute("dir", "auto");
        div.setAttribute("lang", state.lang);
        div.className = "mapdata-name" + (label.area ? " mapdata-name-area" : "");
        div.setAttribute("data-place", src.ids ? src.ids[label.i] : String(label.i));
        L.DomUtil.setPosition(div, L.point(origin.x + label.x, origin.y + label.y));
      });
      map.getContainer().setAttribute("data-mapdata-names", String(placed.length));
    }
    map.on("moveend zoomend resize", layout);
    state.layout = layout;
    /* After a date step the names follow the colours: laid out once the step has painted (coalesced). */
    state.later = function () {
      if (state.timer) { return; }
      state.timer = window.setTimeout(function () { state.timer = null; layout(); }, 80);
    };
    return state;
  }

  /* The server-rendered map: names from the base map (chrome's data.names); shown for the places drawn now. */
  function serverNames(map, data) {
    var names = nameLayer(map, data.settings);
    var order = data.rank.map(function (r, i) { return [r, i]; }).sort(function (a, b) { return a[0] - b[0]; })
      .map(function (x) { return x[1]; });
    var drawn = {};
    names.source = {
      order: order, ids: data.ids,
      text: function (i, lang) { return lang === "ar" && data.ar[i] ? data.ar[i] : data.en[i]; },
      at: function (i) { return L.latLng(data.at[i][0], data.at[i][1]); },
      kind: function (i) { return data.kind[i]; },
      shown: function (i) { return !!drawn[data.ids[i]]; }
    };
    names.setDrawn = function (ids) { drawn = ids; };
    window.mapdataNames = names;
    return names;
  }

  /* ---- Control areas: each cell in the colour of the force holding its place; contested cells hatched. ----
     The hatch is an SVG pattern per colour, kept in one hidden <svg> of the page: url(#id) works from any SVG
     element of the document, so the cells' own renderer needs no setup. */

  var hatches = {};
  function hatchFill(colour) {
    if (hatches[colour]) { return "url(#" + hatches[colour] + ")"; }
    var NS = "http://www.w3.org/2000/svg";
    var holder = document.getElementById("mapdata-hatches");
    if (!holder) {
      holder = document.createElementNS(NS, "svg");
      holder.setAttribute("id", "mapdata-hatches");
      holder.setAttribute("width", "0");
      holder.setAttribute("height", "0");
      holder.setAttribute("aria-hidden", "true");
      holder.style.position = "absolute";
      holder.appendChild(document.createElementNS(NS, "defs"));
      document.body.appendChild(holder);
    }
    var id = "mapdata-hatch-" + Object.keys(hatches).length;
    var pattern = document.createElementNS(NS, "pattern");
    pattern.setAttribute("id", id);
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "8");
    pattern.setAttribute("height", "8");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var ground = document.createElementNS(NS, "rect");
    ground.setAttribute("width", "8");
    ground.setAttribute("height", "8");
    ground.setAttribute("fill", colour);
    ground.setAttribute("fill-opacity", "0.18");
    var stripe = document.createElementNS(NS, "rect");
    stripe.setAttribute("width", "3");
    stripe.setAttribute("height", "8");
    stripe.setAttribute("fill", colour);
    stripe.setAttribute("fill-opacity", "0.7");
    pattern.appendChild(ground);
    pattern.appendChild(stripe);
    holder.firstChild.appendChild(pattern);
    hatches[colour] = id;
    return "url(#" + id + ")";
  }

  function areaStyle(look, colour, contested, faded) {
    var fade = faded ? 0.35 : 1;
    return {
      pane: "mapdata-cells", stroke: !!contested, color: colour, weight: 0.8, opacity: 0.7 * fade,
      fillColor: contested ? hatchFill(colour) : colour,
      fillOpacity: (contested ? look.contested : look.opacity) * fade,
      className: "mapdata-cell" + (contested ? " mapdata-cell-contested" : "")
    };
  }

  /* The server-rendered map: the cells of one date, already chosen and coloured. */
  function addAreas(group, data) {
    var cells = data.cells || [];
    cells.forEach(function (cell) {
      var style = areaStyle(data.look, cell.colour, cell.contested, false);
      style.className += " mapdata-cell-" + cell.place_id;
      var layer = L.geoJSON(cell.geometry, { pane: "mapdata-cells", style: function () { return style; } });
      layer.bindTooltip(cell.tooltip, { sticky: true });
      group.addLayer(layer);
    });
  }

  /* The browser-side map: the cells come once (data.url), and render() styles them per date. */
  function loadCells(map, areas) {
    client.cellsUrl = areas.url;
    client.areaLook = areas.look;
    client.areaNote = areas.note;
    fetchPublished(areas.url).then(function (fc) {
      if (client.cellsUrl !== areas.url) { return; }
      var cells = {};
      (fc.features || []).forEach(function (f) {
        var i = f && f.properties && f.properties.i;
        if (typeof i !== "number" || !client.layers[i] || !validGeometry(f.geometry)) { return; }
        var layer = L.geoJSON(f.geometry, {
          pane: "mapdata-cells", style: function () { return { stroke: false, fillOpacity: 0, className: "mapdata-cell" }; }
        });
        var place = client.bundle.places[i];
        layer.placeIndex = i;
        layer.eachLayer(function (part) { part.placeIndex = i; });  /* a popup's source is the part clicked */
        layer.bindTooltip(function () {
          var st = stateOf(i, client.shownDay);
          return "<b>" + escapeHtml(place.name) + "</b>" + (st.holder >= 0 ? "<br>" + escapeHtml(client.bundle.forces[st.holder].name)
            + (st.status === "contested" ? " holds it, contested" : " holds it") : "")
            + "<br><i>" + escapeHtml(client.areaNote) + "</i>";
        }, { sticky: true });
        layer.bindPopup(cardPopup(layer, function () {
          return popupFor(i) + '<div class="mapdata-meta mapdata-area-note">' + escapeHtml(client.areaNote) + "</div>";
        }));
        cells[i] = layer;
      });
      client.cells = cells;
      client.cellShown = {};
      client.cellStyle = {};
      client.paintedMode = null;  /* new cells: every place is painted again */
      render();
    }).catch(function (err) {
      notice(map, "The control areas could not be loaded (" + (err && err.message ? err.message : err) + ").");
    });
  }

  /* Compare mode: the places that changed keep their look (and get a ring, drawn by addPlaces); the others fade.
     Called on every step: an empty list turns compare mode off. (The browser-side map draws on a canvas at scale:
     there only the rings show.) */
  function markChanges(map, data) {
    var container = map.getContainer();
    container.querySelectorAll(".mapdata-changed").forEach(function (el) { el.classList.remove("mapdata-changed"); });
    var places = data.places || [];
    container.classList.toggle("mapdata-compare", places.length > 0);
    places.forEach(function (id) {
      container.querySelectorAll(".mapdata-place-" + (window.CSS && CSS.escape ? CSS.escape(id) : id)).forEach(function (el) {
        el.classList.add("mapdata-changed");
      });
    });
  }

  function sync(map, data) {
    map.getContainer().classList.toggle("mapdata-areas-on", !!data.areas);
    var step = cards;
    cards = {};
    window.setTimeout(function () {  /* once this step's groups are on the map */
      var names = window.mapdataNames;
      if (names) {
        var drawn = {};
        Object.keys(step).forEach(function (id) {
          if (step[id].some(function (l) { return map.hasLayer(l); })) { drawn[id] = true; }
        });
        names.setDrawn(drawn);
        names.lang = data.names === "ar" ? "ar" : "en";
        names.layout();
      }
      if (data.open) { openCard(map, data.open, step[data.open.id] || []); }
    }, 0);
    var global = window.__GLOBAL_DATA__;
    var control = window.mapdataControl;
    /* The groups of this render are the force groups now on the map. */
    var groups = (window.feature_group || []).filter(function (g) {
      return g.options && g.options.mapdataForce && map.hasLayer(g);
    });
    if (control) {
      (window.mapdataOverlays || []).forEach(function (g) { control.removeLayer(g); });
    }
    var hidden = {};
    data.hidden.forEach(function (id) { hidden[id] = true; });
    groups.forEach(function (g) { if (hidden[g.options.mapdataForce]) { map.removeLayer(g); } });
    if (control) {
      groups.forEach(function (g) { control.addOverlay(g, g.options.mapdataLabel || g.options.mapdataForce); });
    }
    window.mapdataOverlays = groups;
    if (global) {
      Object.keys(global.selected_layers).forEach(function (k) {
        if (k.indexOf("mapdata:") === 0) { delete global.selected_layers[k]; }
      });
      groups.forEach(function (g) {
        var id = g.options.mapdataForce;
        if (!hidden[id] && id !== "unknown") { global.selected_layers["mapdata:" + id] = { name: id, url: "mapdata" }; }
      });
      global.selected_layers["mapdata:" + SENTINEL] = { name: SENTINEL, url: "mapdata", gen: data.gen || 0 };
    }
    var asof = document.querySelector(".mapdata-asof-date");
    if (asof) { asof.textContent = data.asof; }
    document.body.setAttribute("data-mapdata-date", data.date);
    fitOnce(map, data.fit);
  }

  /* Fly to new bounds once; later renders with the same bounds keep the user's view. */
  function fitOnce(map, bounds) {
    var key = bounds ? JSON.stringify(bounds) : null;
    if (key && key !== window.mapdataLastFit) {
      var size = map.getSize();
      if (size.x > 0 && size.y > 0) {
        map.flyToBounds(bounds, { maxZoom: 12, duration: 0.6, padding: [24, 24] });
      } else {
        /* The map is hidden (e.g. in an inactive tab) and has no size yet: fit once it is shown. */
        map.once("resize", function () { map.fitBounds(bounds, { maxZoom: 12, padding: [24, 24] }); });
      }
    }
    window.mapdataLastFit = key;
  }

  /* ---- Large scenarios: data fetched once, timeline applied here (see mapdata/map/clientmap.py). ---- */

  /* The published files are gzipped once by the server (``*.json.gz``, served as application/gzip):
     inflate them here, unless a proxy already sent them with Content-Encoding: gzip. */
  /* A published file the server may still be writing (it publishes in the background, so that the first map
     does not wait for it; a cleaned cache is written again on the next rerun): asked for again while it is
     missing (404), for up to WAIT_FOR_FILE_MS. Never half a file: the server renames it into place whole. */
  var WAIT_FOR_FILE_MS = 180000;

  function fetchPublished(url, onRepair) {
    var started = Date.now();
    function attempt(delay) {
      return fetchJson(url, onRepair).catch(function (err) {
        if (!err || err.status !== 404 || Date.now() - started > WAIT_FOR_FILE_MS) { throw err; }
        return new Promise(function (resolve) { window.setTimeout(resolve, delay); }).then(function () {
          return attempt(Math.min(delay * 1.5, 2000));
        });
      });
    }
    return attempt(150);
  }

  function fetchJson(url, onRepair) {
    return fetch(url).then(function (r) {
      if (!r.ok) { var err = new Error("HTTP " + r.status + " for " + url); err.status = r.status; throw err; }
      if (/\.gz$/.test(url) && r.headers.get("Content-Encoding") !== "gzip") {
        return new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).text();
      }
      return r.text();
    }).then(function (text) { return parseJson(text, onRepair); });
  }

  /* JSON as published (always valid); a file from elsewhere with bare NaN or Infinity (not JSON) is read
     with those numbers as null, and onRepair(count) is told: the records they spoil are skipped later. */
  function parseJson(text, onRepair) {
    try {
      return JSON.parse(text);
    } catch (err) {
      var repaired = 0;
      var fixed = text.replace(/"(?:[^"\\]|\\.)*"|-?\bInfinity\b|\bNaN\b/g, function (m) {
        if (m.charAt(0) === '"') { return m; }
        repaired += 1;
        return "null";
      });
      if (!repaired) { throw err; }
      var value = JSON.parse(fixed);
      if (onRepair) { onRepair(repaired); }
      return value;
    }
  }

  /* A notice on the map (e.g. records skipped as bad data): stays until closed. */
  function notice(map, text) {
    var box = map._mapdataNotice;
    if (!box) {
      var Notice = L.Control.extend({
        options: { position: "bottomleft" },
        onAdd: function () {
          var outer = el("div", "mapdata-notice leaflet-bar");
          outer.setAttribute("role", "status");
          var close = el("a", "mapdata-notice-close", "✕");
          close.href = "#";
          close.setAttribute("role", "button");
          close.setAttribute("title", "Dismiss");
          L.DomEvent.on(close, "click", function (e) {
            L.DomEvent.preventDefault(e);
            map.removeControl(control);
            map._mapdataNotice = null;
          });
          outer.appendChild(close);
          L.DomEvent.disableClickPropagation(outer);
          return outer;
        }
      });
      var control = new Notice().addTo(map);
      box = map._mapdataNotice = control.getContainer();
    }
    box.appendChild(el("div", "mapdata-notice-line", text));
  }

  /* A GeoJSON geometry whose every position is a pair of finite numbers in range; anything else is bad data. */
  function validGeometry(g) {
    function position(p) {
      return Array.isArray(p) && p.length >= 2 && typeof p[0] === "number" && typeof p[1] === "number"
        && isFinite(p[0]) && isFinite(p[1]) && Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90;
    }
    function nested(c, depth) {
      if (!Array.isArray(c) || !c.length) { return false; }
      return depth === 0 ? position(c) : c.every(function (x) { return nested(x, depth - 1); });
    }
    var depths = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 };
    if (!g || typeof g !== "object") { return false; }
    if (g.type === "GeometryCollection") {
      return Array.isArray(g.geometries) && g.geometries.length > 0 && g.geometries.every(validGeometry);
    }
    return depths.hasOwnProperty(g.type) && nested(g.coordinates, depths[g.type]);
  }

  /* The periods grouped by place: place i's are order[offsets[i]] .. order[offsets[i + 1] - 1], in the file's
     order (by start, then id). A period with a bad field (a missing or non-finite number, an unknown place,
     force or role) is left out and counted. */
  function indexPeriods(bundle) {
    var n = bundle.places.length, per = bundle.periods, count = per.place.length, f = bundle.forces.length;
    var offsets = new Int32Array(n + 1), ok = [], bad = 0;
    function whole(x, below) { return typeof x === "number" && isFinite(x) && Math.floor(x) === x && x >= 0 && x < below; }
    for (var k = 0; k < count; k += 1) {
      var good = whole(per.place[k], n) && whole(per.force[k], f) && [1, 2, 3].indexOf(per.role[k]) >= 0
        && typeof per.start[k] === "number" && isFinite(per.start[k]) && typeof per.end[k] === "number" && isFinite(per.end[k]);
      if (good) { ok.push(k); offsets[per.place[k] + 1] += 1; } else { bad += 1; }
    }
    for (var i = 0; i < n; i += 1) { offsets[i + 1] += offsets[i]; }
    var order = new Int32Array(ok.length), fill = offsets.slice(0, n);
    ok.forEach(function (k) { order[fill[per.place[k]]] = k; fill[per.place[k]] += 1; });
    return { offsets: offsets, order: order, bad: bad };
  }

  function loadBasemap(map, data) {
    panes(map);
    fetchPublished(data.url).then(function (payload) { basemap(map, payload); });
  }

  var client = null;

  function clientLoad(map, data) {
    panes(map);
    client = { map: map, ready: false, pending: null, hidden: {}, shownDay: null, layers: [], style: [], visible: [],
               showDay: function (day) { showDay(day); } };  /* showDay: also bench/slider.py's in-page step */
    window.mapdataClient = client;
    /* One (empty) overlay per force in the layer control: ticking it shows that force's places. */
    var control = window.mapdataControl;
    client.toggles = {};
    data.layers.forEach(function (layer) {
      var group = L.layerGroup();
      group.options.mapdataForce = layer.id;
      client.toggles[layer.id] = group;
      group.addTo(map);
      if (control) {
        control.addOverlay(group, '<span class="mapdata-layer-swatch" style="background:' + escapeHtml(layer.colour) + '"></span>'
          + escapeHtml(layer.label));
      }
    });
    map.on("overlayadd overlayremove", function (e) {
      var id = e.layer && e.layer.options && e.layer.options.mapdataForce;
      if (id && client.toggles[id] === e.layer && !client.syncing) {
        client.hidden[id] = e.type === "overlayremove";
        render();
      }
    });
    client.highlight = L.layerGroup().addTo(map);
    client.rings = L.layerGroup().addTo(map);
    client.ringRenderer = L.canvas({ padding: 0.3, pane: "mapdata-highlight" });
    client.play = playControl(map);
    var repaired = 0;
    fetchPublished(data.url, function (count) { repaired = count; }).then(function (bundle) {
      client.bundle = bundle;
      var renderer = L.canvas({ padding: 0.3, pane: "mapdata-areas" });
      var pointRenderer = L.canvas({ padding: 0.3, pane: "mapdata-points" });
      client.index = indexPeriods(bundle);
      var skipped = [];
      bundle.places.forEach(function (place, index) {
        var g = place && place.g, layer = null;
        try {
          if (!validGeometry(g)) { throw new Error("bad geometry"); }
          if (g.type === "Point") {
            layer = shapeMarker([g.coordinates[1], g.coordinates[0]], { renderer: pointRenderer, radius: 6 });
          } else {
            layer = L.geoJSON(g, { style: function () { return {}; }, renderer: renderer });
          }
          layer.placeIndex = index;
          if (layer.eachLayer) { layer.eachLayer(function (part) { part.placeIndex = index; }); }
          layer.bindTooltip(function () { return escapeHtml(place.name) + (place.ar ? " · " + escapeHtml(place.ar) : ""); },
                            { sticky: g.type !== "Point" });
          layer.bindPopup(cardPopup(layer, function () { return popupFor(index); }));
        } catch (err) {
          layer = null;
          skipped.push(place && place.id ? String(place.id) : "#" + (index + 1));
        }
        client.layers.push(layer);
        client.style.push(null);
        client.visible.push(false);
      });
      client.skipped = skipped;
      if (skipped.length) {
        notice(map, skipped.length + (skipped.length === 1 ? " place was" : " places were")
          + " not drawn: bad data in the published map (" + skipped.slice(0, 5).join(", ")
          + (skipped.length > 5 ? ", …" : "") + ").");
      }
      if (client.index.bad) {
        notice(map, client.index.bad + (client.index.bad === 1 ? " control period was" : " control periods were")
          + " left out: bad data in the published map.");
      }
      if (repaired && !skipped.length && !client.index.bad) {
        notice(map, repaired + " unreadable number" + (repaired === 1 ? " was" : "s were") + " read as missing.");
      }
      var order = (bundle.rank || []).map(function (r, i) { return [r, i]; }).sort(function (a, b) { return a[0] - b[0]; })
        .map(function (x) { return x[1]; });
      client.names = nameLayer(map, bundle.label_settings || { all_from_zoom: 10, country_labels: 25, max_labels: 200 });
      client.names.source = {
        order: order, ids: bundle.places.map(function (p) { return p.id; }),
        text: function (i, lang) { var p = bundle.places[i]; return lang === "ar" && p.ar ? p.ar : p.name; },
        at: function (i) {
          var g = bundle.places[i].g, layer = client.layers[i];
          if (g && g.type === "Point") { return L.latLng(g.coordinates[1], g.coordinates[0]); }
          return layer && layer.getBounds ? layer.getBounds().getCenter() : null;
        },
        kind: function (i) { return bundle.places[i].kind; },
        shown: function (i) { return !!(client.visible[i] || (client.cellShown && client.cellShown[i])); }
      };
      client.ready = true;
      if (client.pending) { clientShow(map, client.pending); }
    }).catch(function (err) {
      notice(map, "The map's data could not be loaded (" + (err && err.message ? err.message : err) + "). Reload the page to try again.");
    });
  }

  /* The popups' evidence comes in files of `places_per_file` places, each fetched when a popup in it
     first opens; an open popup is filled in when its file arrives. The server may still be writing a
     file just after it started: a missing one is asked for again a few times. */
  /* client.evidence[k]: undefined (not asked for), null (loading), false (failed: shown once, then asked
     for again on the next opening) or the file's content (see clientmap.client_evidence). */
  function evidenceFor(i) {
    client.evidence = client.evidence || {};  /* made on the first popup: nothing is fetched before */
    var ev = client.bundle.evidence, k = Math.floor(i / ev.places_per_file), got = client.evidence[k];
    function settle(value) {
      client.evidence[k] = value;
      var open = client.map._popup;
      if (open && client.map.hasLayer(open) && open._source && open._source.placeIndex !== undefined
          && Math.floor(open._source.placeIndex / ev.places_per_file) === k) { open.update(); }
    }
    function load(attempt) {
      fetchJson(ev.urls[k]).then(function (payload) { settle(payload); }).catch(function () {
        if (attempt < 8) { window.setTimeout(function () { load(attempt + 1); }, 250 * (attempt + 1)); return; }
        settle(false);
      });
    }
    if (got === undefined) {
      client.evidence[k] = null;
      load(0);
    } else if (got === false) {
      delete client.evidence[k];
    }
    return got === undefined ? null : got;
  }

  function escapeHtml(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* The state of place i on the day: same rules as mapdata/model/timeline.py (Timeline.state). ``periods`` are the
     periods behind it (the holding one first, then those of presence), as PlaceState.periods. */
  function stateAt(b, index, i, day) {
    var per = b.periods, holder = -1, holding = -1, status = "unknown", forces = [], presence = [], since = null;
    for (var n = index.offsets[i]; n < index.offsets[i + 1]; n += 1) {
      var k = index.order[n];
      if (per.start[k] <= day && day <= per.end[k]) {
        if (per.role[k] !== 3) {
          if (holder < 0) { holder = per.force[k]; holding = k; status = per.role[k] === 1 ? "control" : "contested"; }
        } else {
          presence.push(k);
        }
        if (forces.indexOf(per.force[k]) < 0) { forces.push(per.force[k]); }
      }
    }
    var others = forces.filter(function (f) { return f !== holder; }).sort(function (x, y) {
      var a = b.forces[x].id, c = b.forces[y].id;
      return a < c ? -1 : (a > c ? 1 : 0);
    });
    if (holder >= 0) {
      since = per.start[holding] < 0 ? null : per.start[holding];
    } else if (presence.length) {
      status = "presence";
      var starts = presence.map(function (k) { return per.start[k]; });
      since = starts.some(function (s) { return s < 0; }) ? null : Math.min.apply(null, starts);
    }
    return {
      holder: holder, status: status, present: (holder >= 0 ? [holder] : []).concat(others), since: since,
      periods: (holding >= 0 ? [holding] : []).concat(presence)
    };
  }

  function stateOf(i, day) { return stateAt(client.bundle, client.index, i, day); }

  /* The evidence behind a state as of its day, from place i's evidence file: same rule as Timeline.evidence
     (the events its periods cite, else the events at the place up to the day; one dated after the day is left
     out, one reported after it is marked). The dates come from Python (mapdata.model.timeline.evidence_dates). */
  function evidenceOf(chunk, i, st, day) {
    var ids = [], periods = chunk.periods || {}, events = chunk.events || {};
    st.periods.forEach(function (k) {
      (periods[k] || []).forEach(function (x) { if (ids.indexOf(x) < 0) { ids.push(x); } });
    });
    if (!ids.length) { ids = (chunk.places || {})[i] || []; }
    var out = [];
    ids.forEach(function (x) {
      var e = events[x];
      if (e && typeof e.from === "number" && e.from <= day) { out.push({ event: e, later: e.known > day }); }
    });
    return out.sort(function (x, y) { return x.event.rank - y.event.rank; });
  }

  /* Days travel as proleptic Gregorian ordinals (Python's date.toordinal(): 730120 is 1 January 2000). */
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"];

  function ordinalDate(ordinal) { return new Date(Date.UTC(2000, 0, 1) + (ordinal - 730120) * 86400000); }

  function isoDate(ordinal) { return ordinalDate(ordinal).toISOString().slice(0, 10); }

  function longDate(ordinal) {
    var d = ordinalDate(ordinal);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  function dayLabel(ordinal) {
    return (ordinal === null || ordinal < 0) ? "before the first report" : isoDate(ordinal);
  }

  function capitalized(text) { text = String(text); return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase(); }

  /* Place i's card on the day: what MapBuilder.popup_html writes. ``chunk`` is the place's evidence file:
     null while it loads, false if it could not be loaded. */
  function cardHtml(b, i, st, day, chunk) {
    var place = b.places[i];
    var html = '<div class="mapdata-popup" data-place="' + escapeHtml(place.id) + '"><h4>' + escapeHtml(place.name) + "</h4>";
    if (place.ar) { html += '<div class="mapdata-ar" lang="ar" dir="rtl">' + escapeHtml(place.ar) + "</div>"; }
    var meta = (b.kind_labels || {})[place.kind] || place.kind;
    if (typeof place.u === "number" && isFinite(place.u) && place.u) {
      meta += "; position uncertain by about " + (place.u / 1000).toFixed(1) + " km";
    }
    html += '<div class="mapdata-meta">' + escapeHtml(meta) + "</div>";
    if (st.holder >= 0) {
      var f = b.forces[st.holder];
      html += '<div class="mapdata-state"><span class="mapdata-dot" style="background:' + escapeHtml(f.colour) + '"></span><b>'
        + escapeHtml(f.name) + "</b>: " + escapeHtml(b.status_labels[st.status]) + ", since " + escapeHtml(dayLabel(st.since)) + "</div>";
    } else {
      html += '<div class="mapdata-state">' + escapeHtml(capitalized(b.status_labels[st.status])) + "</div>";
    }
    if (st.present.length) {
      html += '<div class="mapdata-meta">Forces present: ' + escapeHtml(st.present.map(function (k) { return b.forces[k].name; }).join(", ")) + "</div>";
    }
    if (chunk === false) {
      return html + '<div class="mapdata-warn">The reports could not be loaded (if the data has changed since this map '
        + "was loaded, reload the page); close and reopen this popup to try again.</div></div>";
    }
    if (!chunk) {
      return html + '<div class="mapdata-meta mapdata-loading">Loading the reports…</div></div>';
    }
    var note = (chunk.notes || {})[i];
    if (note) { html += "<details><summary>Location: how it was placed</summary>" + escapeHtml(note) + "</details>"; }
    var text = b.card_text, evidence = evidenceOf(chunk, i, st, day);  /* the server's words (model/timeline.py) */
    evidence.forEach(function (ev) {
      var e = ev.event;
      html += '<div class="mapdata-ev' + (ev.later ? " mapdata-ev-later" : "") + '" data-event="' + escapeHtml(e.id) + '">'
        + "<blockquote>“" + escapeHtml(e.quote) + "”</blockquote>"
        + '<div class="mapdata-meta">' + escapeHtml(e.publisher) + ", " + escapeHtml(e.date) + " · <b>" + escapeHtml(e.verification) + "</b>"
        + (ev.later ? ' · <span class="mapdata-later">' + escapeHtml(text.reported_later.replace("{date}", e.reported)) + "</span>" : "")
        + "</div>";
      if (e.date_note && e.as_written) {
        html += '<div class="mapdata-warn">Date as written: “' + escapeHtml(e.as_written) + "”. " + escapeHtml(e.date_note) + "</div>";
      }
      html += "</div>";
    });
    if (!evidence.length && st.periods.length) {
      html += '<div class="mapdata-meta mapdata-no-evidence">' + escapeHtml(text.no_evidence_yet.replace("{day}", isoDate(day))) + "</div>";
    }
    return html + historyHtml(b, i, day, chunk) + "</div>";
  }

  /* A card's control history up to the day (mapview.py's history_html writes the same): the holding periods as a
     strip from the scenario's first day, and every period with the latest report behind it as known that day. */
  function historyHtml(b, i, day, chunk) {
    var per = b.periods, index = b.__index || (b.__index = indexPeriods(b)), text = b.card_text;
    var first = b.range[0], span = day - first + 1, strip = "", items = "";
    if (span < 1) { return ""; }
    var events = chunk.events || {}, byPeriod = chunk.periods || {}, count = 0;
    for (var n = index.offsets[i]; n < index.offsets[i + 1]; n += 1) {
      var k = index.order[n], start = per.start[k] < 0 ? null : per.start[k];
      if ((start === null ? first : start) > day) { continue; }
      count += 1;
      var f = b.forces[per.force[k]], words = text.roles[String(per.role[k])];
      var end = per.end[k] >= 10000000 || per.end[k] >= day ? null : per.end[k];
      if (per.role[k] !== 3) {
        var a = Math.max(start === null ? first : start, first), z = Math.min(per.end[k], day);
        if (a <= z) {
          var left = Math.floor((a - first) * 1000 / span), width = Math.max(Math.floor((z - a + 1) * 1000 / span), 6);
          strip += '<span class="mapdata-seg mapdata-seg-' + (per.role[k] === 1 ? "control" : "contested") + '" style="left:calc('
            + left + " * 0.1%);width:calc(" + width + " * 0.1%);background:" + escapeHtml(f.colour) + '" title="'
            + escapeHtml(f.name + " " + words + ", " + isoDate(a) + " to " + isoDate(z)) + '"></span>';
        }
      }
      var when = "from " + (start === null ? "before the first report" : isoDate(start)) + (end === null ? " on" : " to " + isoDate(end));
      var latest = null;
      (byPeriod[k] || []).forEach(function (x) {
        var e = events[x];
        if (e && typeof e.from === "number" && e.from <= day && (!latest || e.rank > latest.rank)) { latest = e; }
      });
      var report = latest ? latest.publisher + ", " + latest.date
        + (latest.known > day ? " · " + text.reported_later.replace("{date}", latest.reported) : "") : text.no_report_yet;
      items += '<li><span class="mapdata-dot" style="background:' + escapeHtml(f.colour) + '"></span><b>' + escapeHtml(f.name)
        + "</b> " + escapeHtml(words) + ", " + escapeHtml(when) + " · " + escapeHtml(report) + "</li>";
    }
    if (!count) { return ""; }
    return '<details class="mapdata-history"><summary><span class="mapdata-meta">' + escapeHtml(text.history.replace("{day}", isoDate(day)))
      + '</span><span class="mapdata-strip">' + strip + "</span></summary><ul>" + items + "</ul></details>";
  }

  function popupFor(i) {
    var b = client.bundle, day = client.shownDay;
    return cardHtml(b, i, stateOf(i, day), day, evidenceFor(i));
  }

  /* The days on which some place's state may change, by day: edges.places[edges.at[d - r0] .. edges.at[d - r0 + 1] - 1]
     are the places with a period starting on day d or ending the day before (r0: the scenario's first day). A step
     from day a to day b repaints only the places with an edge in (min(a, b), max(a, b)]: O(places that change). */
  function changeEdges(bundle, index) {
    var per = bundle.periods, r0 = bundle.range[0], span = bundle.range[1] - r0 + 1, order = index.order;
    var at = new Int32Array(span + 2), k, n, d;
    function each(fn) {
      for (n = 0; n < order.length; n += 1) {
        k = order[n];
        d = per.start[k];
        if (d > r0 && d - r0 < span) { fn(d - r0, per.place[k]); }
        d = per.end[k] + 1;
        if (d > r0 && d - r0 < span) { fn(d - r0, per.place[k]); }
      }
    }
    each(function (slot) { at[slot + 1] += 1; });
    for (d = 0; d <= span; d += 1) { at[d + 1] += at[d]; }
    var fill = at.slice(0, span + 1), places = new Int32Array(at[span + 1]);
    each(function (slot, place) { places[fill[slot]] = place; fill[slot] += 1; });
    return { r0: r0, span: span, at: at, places: places, seen: new Int32Array(bundle.places.length), stamp: 0 };
  }

  /* The places whose state may differ between two days (each once), or null when most would: repaint all. */
  function changedBetween(edges, a, b, total) {
    var lo = Math.max(Math.min(a, b) - edges.r0 + 1, 0), hi = Math.min(Math.max(a, b) - edges.r0, edges.span - 1);
    if (hi < lo) { return []; }
    var from = edges.at[lo], to = edges.at[hi + 1];
    if (to - from > total / 2) { return null; }
    edges.stamp += 1;
    var out = [];
    for (var n = from; n < to; n += 1) {
      var i = edges.places[n];
      if (edges.seen[i] !== edges.stamp) { edges.seen[i] = edges.stamp; out.push(i); }
    }
    return out;
  }

  /* Repaints the map for client.shownDay. Only the places whose state may have changed since the day last painted
     are worked out again, unless what every place's look depends on changed (forces shown, the compared date, the
     control areas, the names' language): then all of them. */
  function render() {
    if (!client || !client.ready || client.shownDay === null) { return; }
    var b = client.bundle, day = client.shownDay;
    var areasOn = !!(client.areas && client.cells), comparing = client.since !== null && client.since !== undefined;
    var mode = JSON.stringify([Object.keys(client.hidden).filter(function (k) { return client.hidden[k]; }).sort(),
                               comparing ? client.since : null, areasOn, client.areaLook || null]);
    var todo = null;
    if (mode === client.paintedMode && client.paintedDay !== null && client.paintedDay !== undefined) {
      client.edges = client.edges || changeEdges(b, client.index);
      todo = changedBetween(client.edges, client.paintedDay, day, client.layers.length);
    }
    if (comparing && client.beforeDay !== client.since) { client.before = []; client.beforeDay = client.since; }  /* per since */
    if (todo === null) { client.changedSet = {}; }
    var ctx = { b: b, day: day, areasOn: areasOn, comparing: comparing, changed: 0 };
    if (todo === null) {
      for (var i = 0; i < client.layers.length; i += 1) { paint(i, ctx); }
    } else {
      todo.forEach(function (i) { paint(i, ctx); });
    }
    client.paintedDay = day;
    client.paintedMode = mode;
    client.lastChanged = ctx.changed;
    client.lastWorked = todo === null ? client.layers.length : todo.length;
    if (comparing) {
      drawRings(Object.keys(client.changedSet).slice(0, MAX_RINGS).map(Number));
    } else {
      drawRings([]);
    }
    if (client.names && (ctx.changed || client.names.lang !== client.lang)) { client.names.lang = client.lang; client.names.later(); }
  }

  /* Place i's look on ctx.day (render()). */
  function paint(i, ctx) {
    var layer = client.layers[i], b = ctx.b;
    if (!layer) { return; }  /* bad data: skipped (and said so) when loaded */
    var st = stateOf(i, ctx.day), kind = b.places[i].g.type === "Point" ? "point"
      : (b.places[i].g.type.indexOf("Line") >= 0 ? "line" : "area");
    var show, forceId;
    if (st.holder >= 0) { forceId = b.forces[st.holder].id; show = !client.hidden[forceId]; }
    else if (st.present.length) {
      var visiblePresent = st.present.filter(function (k) { return !client.hidden[b.forces[k].id]; });
      forceId = b.forces[(visiblePresent.length ? visiblePresent : st.present)[0]].id;
      show = visiblePresent.length > 0;
    } else { forceId = "unknown"; show = !client.hidden.unknown; }
    var faded = false;
    if (ctx.comparing) {  /* compare mode, as mapdata/model/timeline.py's changed_between: status, holder or forces present */
      var before = client.before[i] || (client.before[i] = stateOf(i, client.since));
      faded = before.status === st.status && before.holder === st.holder && samePresent(before.present, st.present);
      if (faded) { delete client.changedSet[i]; } else { client.changedSet[i] = true; }
    }
    var cell = client.cells && client.cells[i];
    if (cell) {
      var holds = ctx.areasOn && st.holder >= 0 && !client.hidden[b.forces[st.holder].id];
      if (holds !== !!client.cellShown[i]) {
        if (holds) { cell.addTo(client.map); } else { client.map.removeLayer(cell); }
        client.cellShown[i] = holds;
        ctx.changed += 1;
      }
      var cellKey = holds ? st.holder + "|" + st.status + "|" + faded : "";
      if (holds && client.cellStyle[i] !== cellKey) {
        cell.setStyle(areaStyle(client.areaLook, b.forces[st.holder].colour, st.status === "contested", faded));
        client.cellStyle[i] = cellKey;
        ctx.changed += 1;
      }
    }
    if (ctx.areasOn && kind === "point" && cell) { show = false; }  /* the cell stands for the marker */
    var key = st.status + "|" + forceId + (faded ? "|faded" : "");
    if (show !== client.visible[i]) {
      if (show) { layer.addTo(client.map); } else { client.map.removeLayer(layer); }
      client.visible[i] = show;
      ctx.changed += 1;
    }
    if (show && client.style[i] !== key) {
      var look = ((b.styles[kind] || {})[st.status] || {})[forceId] || {};
      if (faded) {
        look = L.extend({}, look, { opacity: (look.opacity === undefined ? 1 : look.opacity) * 0.3,
                                    fillOpacity: (look.fillOpacity === undefined ? 0.2 : look.fillOpacity) * 0.3 });
      }
      layer.setStyle(look);
      client.style[i] = key;
      ctx.changed += 1;
    }
  }

  /* The forces present on two days are the same (stateAt lists them in one order: holder first, then by id). */
  function samePresent(a, b) {
    if (a.length !== b.length) { return false; }
    for (var k = 0; k < a.length; k += 1) { if (a[k] !== b[k]) { return false; } }
    return true;
  }

  /* Compare mode on the browser-side map: a dashed ring around each changed place (on a canvas), redrawn when the
     changed places differ; the unchanged ones are faded by render(). */
  var MAX_RINGS = 2000;
  function drawRings(rings) {
    var now = {}, marks = client.ringMarks || (client.ringMarks = {});
    rings.forEach(function (i) { now[i] = true; });
    Object.keys(marks).forEach(function (i) {  /* only the difference is redrawn: a step changes few places */
      if (!now[i]) { client.rings.removeLayer(marks[i]); delete marks[i]; }
    });
    rings.forEach(function (i) {
      if (marks[i]) { return; }
      var g = client.bundle.places[i].g;
      var at = g.type === "Point" ? [g.coordinates[1], g.coordinates[0]] : client.layers[i].getBounds().getCenter();
      marks[i] = L.circleMarker(at, {
        renderer: client.ringRenderer, radius: 12, color: "#111111", weight: 2, dashArray: "4 3", fill: false,
        interactive: false
      }).addTo(client.rings);
    });
    client.ringsKey = rings.length;
  }


  /* ---- Play: animate the map through the dates in the browser; the slider (the view you share) stays put. ---- */

  function playControl(map) {
    var state = { mode: "idle", step: 7, timer: null, day: null };
    var Play = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = el("div", "mapdata-play leaflet-bar");
        state.button = el("a", "mapdata-play-button", "▶ Play");
        state.button.href = "#";
        state.button.setAttribute("role", "button");
        state.button.setAttribute("title", "Animate the map through the dates from the one shown; the slider and the link stay where they are");
        state.select = el("select", "mapdata-play-step");
        state.select.setAttribute("aria-label", "Play step");
        [[1, "a day a step"], [7, "a week a step"], [30, "30 days a step"]].forEach(function (o) {
          var option = el("option", "", o[1]);
          option.value = String(o[0]);
          if (o[0] === state.step) { option.selected = true; }
          state.select.appendChild(option);
        });
        state.back = el("a", "mapdata-play-back", "✕ Back to the slider's date");
        state.back.href = "#";
        state.back.setAttribute("role", "button");
        state.back.style.display = "none";
        L.DomEvent.on(state.button, "click", function (e) {
          L.DomEvent.preventDefault(e);
          if (state.mode === "playing") { pause(); } else { play(); }
        });
        L.DomEvent.on(state.select, "change", function () { state.step = parseInt(state.select.value, 10) || 7; });
        L.DomEvent.on(state.back, "click", function (e) { L.DomEvent.preventDefault(e); backToSlider(); });
        bar.appendChild(state.button);
        bar.appendChild(state.select);
        bar.appendChild(state.back);
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      }
    });
    new Play().addTo(map);

    function show(day) {
      state.day = day;
      client.shownDay = day;
      render();
      var asof = document.querySelector(".mapdata-asof-date");
      var served = client.pending;
      if (asof) {
        asof.textContent = (state.mode === "playing" ? "▶ " : "❚❚ ") + longDate(day)
          + (served ? " (slider: " + longDate(served.day) + ")" : "");
      }
      document.body.setAttribute("data-mapdata-date", isoDate(day));
    }
    /* The last day on which some place's state changes (a period starts, or ends the day before). */
    function lastChange() {
      if (state.lastChange === undefined) {
        var per = client.bundle.periods, range = client.bundle.range, last = range[0];
        for (var k = 0; k < per.start.length; k += 1) {
          if (per.start[k] > last && per.start[k] <= range[1]) { last = per.start[k]; }
          if (per.end[k] + 1 > last && per.end[k] < range[1]) { last = per.end[k] + 1; }
        }
        state.lastChange = last;
      }
      return state.lastChange;
    }
    function tick() {
      var last = client.bundle.range[1];
      var next = Math.min(state.day + state.step, last);
      show(next);
      if (next >= last) { pause(); }
    }
    function play() {
      if (!client || !client.ready) { return; }
      var range = client.bundle.range;
      var from = state.mode === "idle" ? client.shownDay : state.day;
      /* At the end (nothing changes after the day shown, e.g. the latest report, where the map
         opens): play the whole scenario from its start, not the few empty weeks left. */
      if (from === null || from >= Math.min(range[1], lastChange())) { from = range[0]; }
      state.mode = "playing";
      document.body.setAttribute("data-mapdata-playing", "playing");
      state.button.textContent = "❚❚ Pause";
      state.back.style.display = "";
      show(from);
      state.timer = window.setInterval(tick, 400);
    }
    function pause() {
      if (state.timer) { window.clearInterval(state.timer); state.timer = null; }
      state.mode = "paused";
      document.body.setAttribute("data-mapdata-playing", "paused");
      state.button.textContent = "▶ Play";
      if (state.day !== null) { show(state.day); }
    }
    function reset() {
      if (state.timer) { window.clearInterval(state.timer); state.timer = null; }
      state.mode = "idle";
      document.body.removeAttribute("data-mapdata-playing");
      if (state.button) { state.button.textContent = "▶ Play"; state.back.style.display = "none"; }
    }
    function backToSlider() {
      reset();
      if (client.pending) { clientShow(map, client.pending); }
    }
    return { state: state, reset: reset };
  }

  /* ---- The page's date slider, followed while it moves: the map shows each day it passes from the data it
     already holds, every animation frame, with no server round trip. Streamlit sends the slider's value once,
     when the drag ends (or on a key press); the rerun then brings the same day, and the link. ---- */

  var EPOCH_ORDINAL = 719163;  /* Python's date(1970, 1, 1).toordinal(): Streamlit's date sliders count microseconds from it */

  function sliderDay(input) {
    var us = Number(input && input.value);
    return input && isFinite(us) && input.value !== "" ? EPOCH_ORDINAL + Math.floor(us / 86400000000) : null;
  }

  /* The host page's date slider (``selector``: its range input), if this frame may read the page (same origin). */
  function followSlider(selector) {
    if (!selector || (client.follow && client.follow.selector === selector)) { return; }
    if (client.follow) { client.follow.stop(); }
    var doc = null;
    try { doc = window.parent && window.parent !== window ? window.parent.document : null; } catch (err) { doc = null; }
    if (!doc || !doc.body) { client.follow = null; return; }
    var state = { selector: selector, frame: 0, busy: 0, applied: 0, workMs: 0, maxMs: 0 };
    state.day = function () {
      var box = doc.querySelector(selector), day = sliderDay(box);
      return day !== null && client.bundle && day >= client.bundle.range[0] && day <= client.bundle.range[1] ? day : null;
    };
    function apply() {
      state.frame = 0;
      var day = state.day();
      if (day === null || !client.ready || (day === client.shownDay && client.play.state.mode === "idle")) { return; }
      var t0 = window.performance.now();
      client.play.reset();  /* the slider moved: it wins over an animation */
      showDay(day);
      document.body.setAttribute("data-mapdata-followed", isoDate(day));
      var ms = window.performance.now() - t0;  /* the frame's work, for bench/slider.py */
      state.applied += 1;
      state.workMs += ms;
      state.maxMs = Math.max(state.maxMs, ms);
    }
    /* The first change in a frame is painted at once (a key press shows in the next frame); further ones in the
       same frame (a fast drag) wait for the next one: at most one repaint a frame. */
    function changed() {
      if (state.frame) { return; }
      if (!state.busy) {
        state.busy = window.requestAnimationFrame(function () { state.busy = 0; });
        apply();
      } else {
        state.frame = window.requestAnimationFrame(apply);
      }
    }
    var observer = new MutationObserver(function (records) {
      for (var r = 0; r < records.length; r += 1) {
        var target = records[r].target;
        if (target.matches && target.matches(selector)) { changed(); return; }
      }
    });
    observer.observe(doc.body, { subtree: true, attributes: true, attributeFilter: ["value", "aria-valuetext"] });
    state.stop = function () {
      observer.disconnect();
      if (state.frame) { window.cancelAnimationFrame(state.frame); }
      if (state.busy) { window.cancelAnimationFrame(state.busy); }
    };
    window.addEventListener("pagehide", state.stop);
    client.follow = state;
  }

  /* Shows a day on the map: the places, the "As of" line and body[data-mapdata-date]. */
  function showDay(day) {
    client.shownDay = day;
    render();
    var asof = document.querySelector(".mapdata-asof-date");
    if (asof) { asof.textContent = "As of " + longDate(day); }
    document.body.setAttribute("data-mapdata-date", isoDate(day));
  }

  function clientShow(map, data) {
    if (!client) { return; }
    var previous = client.pending;
    client.pending = data;
    /* While playing (or paused on a played date), a rerun for the same day (e.g. after a pan, or a layer
       toggle) leaves the animation alone; a new day from the slider ends it. */
    var played = client.play && client.play.state.mode !== "idle" && previous && previous.day === data.day;
    if (client.play && !played) { client.play.reset(); }
    var asof = document.querySelector(".mapdata-asof-date");
    if (asof && !played) { asof.textContent = data.asof; }
    client.syncing = true;
    Object.keys(client.toggles).forEach(function (id) {
      var hide = data.hidden.indexOf(id) >= 0;
      if (id === "unknown") { hide = !!client.hidden.unknown; }
      client.hidden[id] = hide;
      var group = client.toggles[id];
      if (hide && map.hasLayer(group)) { map.removeLayer(group); }
      if (!hide && !map.hasLayer(group)) { map.addLayer(group); }
    });
    client.syncing = false;
    var global = window.__GLOBAL_DATA__;
    if (global) {
      Object.keys(global.selected_layers).forEach(function (k) { if (k.indexOf("mapdata:") === 0) { delete global.selected_layers[k]; } });
      Object.keys(client.toggles).forEach(function (id) {
        if (!client.hidden[id] && id !== "unknown") { global.selected_layers["mapdata:" + id] = { name: id, url: "mapdata" }; }
      });
      global.selected_layers["mapdata:" + SENTINEL] = { name: SENTINEL, url: "mapdata", gen: data.gen || 0 };
    }
    map.getContainer().classList.toggle("mapdata-areas-on", !!data.areas);
    map.getContainer().classList.toggle("mapdata-compare", data.since !== null && data.since !== undefined);
    client.since = data.since;
    client.lang = data.names === "ar" ? "ar" : "en";
    if (!client.ready) { return; }
    client.areas = !!data.areas;
    if (data.areas && client.cellsUrl !== data.areas.url) { loadCells(map, data.areas); }
    followSlider(data.follow);
    document.body.setAttribute("data-mapdata-served", data.date);
    /* A rerun for a day the slider has already left (keys pressed faster than the server answers) must not
       pull the map back: the slider's own day wins. */
    var slid = !played && client.follow ? client.follow.day() : null;
    if (played) {
      client.shownDay = client.play.state.day;
      render();
    } else {
      showDay(slid !== null ? slid : data.day);
    }
    client.highlight.clearLayers();
    data.highlight.forEach(function (id) {
      var index = client.bundle.places.findIndex(function (p) { return p.id === id; });
      if (index >= 0 && client.layers[index]) {
        L.geoJSON(client.bundle.places[index].g, {
          pane: "mapdata-highlight", interactive: false,
          style: function () { return { color: "#000000", weight: 5, fill: false }; },
          pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 16, color: "#000000", weight: 5, fill: false }); }
        }).addTo(client.highlight);
      }
    });
    fitOnce(map, data.fit);
    if (data.open) {
      var at = client.bundle.places.findIndex(function (p) { return p.id === data.open.id; });
      if (at >= 0) { openCard(map, data.open, [client.visible[at] ? client.layers[at] : null, client.cells && client.cells[at]]); }
    }
  }

  window.mapdata = {
    basemap: basemap, loadBasemap: loadBasemap, chrome: chrome, addPlaces: addPlaces, addAreas: addAreas, markChanges: markChanges,
    sync: sync, fitOnce: fitOnce,
    clientLoad: clientLoad, clientShow: clientShow, SENTINEL: SENTINEL,
    /* the browser-side timeline and cards, pure (tests/unit/test_evidence_js_parity.py runs them in node) */
    card: { indexPeriods: indexPeriods, stateAt: stateAt, changeEdges: changeEdges, changedBetween: changedBetween,
            sliderDay: sliderDay, evidenceOf: evidenceOf, cardHtml: cardHtml, parseJson: parseJson,
            validGeometry: validGeometry }
  };
})();
