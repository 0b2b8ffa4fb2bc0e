// hubplan web map: draws HUBPLAN_DATA (written by hubplan/outputs/webmap.py) with Leaflet.
// Every text in HUBPLAN_DATA that is inserted as HTML was escaped in Python.
(function () {
  "use strict";
  const D = HUBPLAN_DATA;
  const phone = window.innerWidth < 700;
  const narrow = window.innerWidth < 1200;  // the layer list starts folded, leaving the county room
  const map = L.map("map", {zoomControl: false, zoomSnap: 0.25, attributionControl: false});
  const panes = {areas: 410, isolated: 420, localities: 430, catchments: 440, lines: 450, rounds: 460};
  for (const [name, z] of Object.entries(panes)) {
    map.createPane("hp-" + name).style.zIndex = String(z);
  }
  map.getPane("hp-isolated").style.pointerEvents = "none";
  map.getPane("hp-localities").style.pointerEvents = "none";

  // --- controls: title and zoom (top left), layers (top right), key and scale (bottom left),
  // one attribution line (bottom right). Leaflet stacks controls of a corner, so they never overlap.
  const Title = L.Control.extend({
    onAdd: function () {
      const div = L.DomUtil.create("div", "hp-box");
      div.id = "hubplan-title";
      div.innerHTML = document.getElementById("hp-title").innerHTML;
      return div;
    },
  });
  new Title({position: "topleft"}).addTo(map);
  L.control.zoom({position: "topleft"}).addTo(map);
  L.control.scale({position: "bottomleft", maxWidth: 80}).addTo(map);
  const Legend = L.Control.extend({
    onAdd: function () {
      const div = L.DomUtil.create("div", "hp-box");
      div.id = "hubplan-legend";
      div.innerHTML = D.legend;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    },
  });
  const legend = new Legend({position: "bottomleft"}).addTo(map);
  const attribution = L.control.attribution({position: "bottomright", prefix: false}).addTo(map);
  attribution.addAttribution(document.getElementById("hp-attribution").innerHTML);
  attribution.getContainer().id = "hubplan-attribution";

  const legendBody = document.getElementById("hp-legend-body");
  const legendToggle = document.getElementById("hp-legend-toggle");
  function showLegend(open) {
    legendBody.hidden = !open;
    legendToggle.setAttribute("aria-expanded", String(open));
    legendToggle.textContent = open ? "Key ▾" : "Key ▸";
  }
  legendToggle.addEventListener("click", () => showLegend(legendBody.hidden));
  showLegend(!phone);

  const sources = document.getElementById("hubplan-sources");
  document.getElementById("hp-sources-link").addEventListener("click", (e) => {
    e.preventDefault();
    sources.hidden = !sources.hidden;
  });
  document.getElementById("hp-sources-close").addEventListener("click", () => { sources.hidden = true; });

  // --- home areas, coloured by the journey chosen in the key
  function colour(minutes) {
    if (minutes === null || minutes === undefined) return D.colours.none;
    for (let i = 0; i < D.colours.breaks.length; i++) {
      if (minutes <= D.colours.breaks[i]) return D.colours.fills[i];
    }
    return D.colours.fills[D.colours.fills.length - 1];
  }
  function feature(item) {
    return {type: "Feature", properties: item, geometry: item.geometry};
  }
  let view = D.views.length ? D.views[0].key : null;
  const areas = L.geoJSON(D.areas.map(feature), {
    pane: "hp-areas",
    style: (f) => ({color: "#636363", weight: 0.5, fillOpacity: 0.75,
                    fillColor: colour(view ? f.properties.minutes[view] : null)}),
    onEachFeature: (f, layer) => {
      layer.bindPopup(f.properties.popup, {maxWidth: 300});
      layer.bindTooltip(() => {
        const m = view ? f.properties.minutes[view] : null;
        return f.properties.name + (m === null || m === undefined ? "" : " · " + Math.round(m) + " min") +
          (f.properties.isolated ? " · isolated" : "");
      }, {sticky: true});
    },
  }).addTo(map);
  const isolated = L.geoJSON(D.areas.filter((a) => a.isolated).map(feature), {
    pane: "hp-isolated", interactive: false,
    style: () => ({color: "#111111", weight: 1.5, fillColor: "url(#hp-hatch)", fillOpacity: 1}),
  }).addTo(map);
  function setView(key) {
    view = key;
    areas.setStyle((f) => ({fillColor: colour(f.properties.minutes[view])}));
    const chosen = D.views.find((v) => v.key === key);
    document.getElementById("hp-view-note").textContent = chosen ? chosen.explanation : "";
  }
  for (const input of document.querySelectorAll("input[name=hp-view]")) {
    input.addEventListener("change", () => setView(input.value));
  }
  if (view) setView(view);

  const localities = L.geoJSON(D.localities.map(feature), {
    pane: "hp-localities", interactive: false,
    style: () => ({color: "#252525", weight: 2.5, fill: false}),
  }).addTo(map);
  const catchments = L.geoJSON(D.catchments.map(feature), {
    pane: "hp-catchments",
    style: () => ({color: "#08306b", weight: 2, dashArray: "6 4", fillOpacity: 0}),
    onEachFeature: (f, layer) => layer.bindTooltip("Catchment of " + f.properties.name, {sticky: true}),
  });
  const lines = L.geoJSON(D.lines.map((g) => ({type: "Feature", properties: {}, geometry: g})), {
    pane: "hp-lines", interactive: false,
    style: () => ({color: "#4d4d4d", weight: 1, opacity: 0.6}),
  });

  // --- minibus rounds (off at first): one line per vehicle round, through home-area points only
  const roundStyle = (f) => {
    const s = D.sessions[f.properties.session] || {color: "#333333", dash: ""};
    return {color: s.color, weight: phone ? D.roundWidth - 1 : D.roundWidth, opacity: 0.85, dashArray: s.dash || null,
            lineCap: "round", lineJoin: "round"};
  };
  const rounds = L.geoJSON(D.rounds.map(feature), {
    pane: "hp-rounds",
    style: roundStyle,
    onEachFeature: (f, layer) => {
      layer.bindPopup(f.properties.popup, {maxWidth: 300});
      layer.bindTooltip(f.properties.tooltip, {sticky: true});
      layer.on("mouseover", () => { layer.setStyle({weight: D.roundWidth + 3, opacity: 1}); layer.bringToFront(); });
      layer.on("mouseout", () => rounds.resetStyle(layer));
    },
  });

  // --- sites: one marker each, shape and colour by tier and status; open and closing sites labelled
  const groups = {open: L.layerGroup(), closed: L.layerGroup(), not_selected: L.layerGroup()};
  const labelled = [];
  const markers = [];
  for (const s of D.sites) {
    const half = s.size / 2;
    const icon = L.divIcon({className: "hp-site hp-site-" + s.kind, html: s.svg, iconSize: [s.size, s.size],
                            iconAnchor: [half - s.dx, half - s.dy]});
    const marker = L.marker([s.lat, s.lon], {icon: icon, title: "", keyboard: true,
                                             zIndexOffset: s.status === "open" ? 1000 : 0});
    marker.bindPopup(s.popup, {maxWidth: 300, offset: [s.dx, s.dy - half + 4]});
    marker.on("mouseover", () => marker.openPopup());
    marker.hpSite = s;
    markers.push(marker);
    if (s.status === "open" || s.status === "closed") {
      const words = s.status === "closed" ? s.name + " (closing)" : s.name;
      marker.bindTooltip(words, {permanent: true, direction: "center", offset: [s.dx + half + 40, s.dy],
                                 className: "hp-label hp-label-" + s.kind, interactive: false});
      labelled.push(marker);
    }
    (groups[s.status] || groups.open).addLayer(marker);
  }
  groups.open.addTo(map);
  groups.closed.addTo(map);
  function labelsForZoom() {
    map.getContainer().classList.toggle("hp-spoke-labels", map.getZoom() >= D.spokeLabelZoom);
  }

  // Each label goes to the first of sixteen places around its site (right, left, above, below, the
  // corners, then each side shifted), beside the symbol and then a little further out, where it overlaps
  // no label placed before it, no site and no control; labels are placed in order of priority (specialist services, hubs, closing sites, spokes). A label with no free place
  // takes the one it overlaps least, except a closing site's or a spoke's, which is hidden until a closer
  // zoom gives it room (the key lists the closing sites by name).
  function rect(x, y, w, h) { return {x: x, y: y, w: w, h: h}; }
  function overlap(a, b) {
    const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
    const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    return w > 0 && h > 0 ? w * h : 0;
  }
  function placeLabels() {
    placeOnce();
    placeOnce();  // a label's box can change with where it sits (wrapping near an edge): measure again
  }
  function placeOnce() {
    const size = map.getSize();
    const box = map.getContainer().getBoundingClientRect();
    const obstacles = [];
    for (const m of markers) {
      if (!map.hasLayer(m)) continue;
      const s = m.hpSite, p = map.latLngToContainerPoint(m.getLatLng());
      obstacles.push(rect(p.x + s.dx - s.size / 2, p.y + s.dy - s.size / 2, s.size, s.size));
    }
    for (const id of ["hubplan-title", "hubplan-legend", "hubplan-layers"]) {
      const el = document.getElementById(id);
      if (!el) continue;
      const r = el.getBoundingClientRect();
      if (r.width) obstacles.push(rect(r.left - box.left, r.top - box.top, r.width, r.height));
    }
    const order = labelled.filter((m) => map.hasLayer(m) && m.getTooltip().getElement())
      .sort((a, b) => a.hpSite.priority - b.hpSite.priority || a.hpSite.id.localeCompare(b.hpSite.id));
    const placed = [];
    for (const m of order) {
      const el = m.getTooltip().getElement();
      el.style.visibility = "";
      if (getComputedStyle(el).display === "none") continue;
      const w = el.offsetWidth, h = el.offsetHeight, s = m.hpSite, gap = 3;
      const p = map.latLngToContainerPoint(m.getLatLng());
      const cx = p.x + s.dx, cy = p.y + s.dy, r = s.size / 2 + gap;
      const tries = [];
      for (const far of [r, r + 12]) {  // beside the symbol, then a little further out
        tries.push([far, -h / 2], [-far - w, -h / 2], [-w / 2, -far - h], [-w / 2, far],
                   [far * 0.7, -far * 0.7 - h], [-far * 0.7 - w, -far * 0.7 - h], [far * 0.7, far * 0.7],
                   [-far * 0.7 - w, far * 0.7], [far, -h + 2], [far, -2], [-far - w, -h + 2], [-far - w, -2],
                   [-w + 4, -far - h], [-4, -far - h], [-w + 4, far], [-4, far]);
      }
      let best = null, bestCost = Infinity;
      for (const [ox, oy] of tries) {
        const cand = rect(cx + ox - 1, cy + oy - 1, w + 2, h + 2);  // a pixel of room: boxes may be fractional
        let cost = 0;
        for (const o of obstacles) cost += overlap(cand, o);
        for (const o of placed) cost += 4 * overlap(cand, o);
        const outside = cand.w * cand.h - overlap(cand, rect(0, 0, size.x, size.y));
        cost += 8 * outside;
        if (cost < bestCost) { best = cand; bestCost = cost; }
        if (cost === 0) break;
      }
      if (bestCost > 0 && s.priority >= 2) {  // a closing site's or spoke's name with no free place waits for a
        // closer zoom (closing sites are listed by name in the key)
        el.style.visibility = "hidden";
        continue;
      }
      placed.push(best);
      const tip = m.getTooltip();
      tip.options.offset = L.point(best.x + best.w / 2 - p.x, best.y + best.h / 2 - p.y);
      tip.update();
    }
  }
  map.on("zoomend", () => { labelsForZoom(); placeLabels(); });
  map.on("resize overlayadd overlayremove", placeLabels);

  const tiles = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {maxZoom: 19});
  tiles.addTo(map);
  const overlays = {
    "Street map (online)": tiles,
    "Isolated areas (hatched)": isolated,
    "Locality boundaries": localities,
    "Hub catchments": catchments,
    "Journeys (straight lines)": lines,
    "Open sites": groups.open,
  };
  if (D.rounds.length) overlays["Minibus rounds"] = rounds;
  if (groups.closed.getLayers().length) overlays["Closing sites"] = groups.closed;
  if (groups.not_selected.getLayers().length) overlays["Not selected sites"] = groups.not_selected;
  const layers = L.control.layers(null, overlays, {position: "topright", collapsed: narrow}).addTo(map);
  layers.getContainer().id = "hubplan-layers";

  // --- fit the whole county into the space the controls leave free
  function fit() {
    const title = document.getElementById("hubplan-title").getBoundingClientRect();
    const layerBox = layers.getContainer().getBoundingClientRect();
    const legendBox = legend.getContainer().getBoundingClientRect();
    const left = phone ? 8 : Math.min(legendBox.width + 16, window.innerWidth * 0.3);
    const right = phone ? 8 : Math.min(layerBox.width + 16, window.innerWidth * 0.3);
    map.fitBounds(D.bounds, {paddingTopLeft: [left, title.bottom + 8],
                             paddingBottomRight: [right, phone ? 60 : 30], animate: false});
    labelsForZoom();
    placeLabels();
  }
  fit();
  window.hubplan = {map: map, areas: areas, isolated: isolated, localities: localities, catchments: catchments,
                    lines: lines, rounds: rounds, sites: groups, labelled: labelled, setView: setView, fit: fit, legend: showLegend,
                    placeLabels: placeLabels};
})();
