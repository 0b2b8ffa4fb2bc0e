/* hubplan serve: the workshop page. Draws the map and the figures from the JSON API
   (GET /api/board once, then each answer of /api/plan, /api/click, ...). Every text from the
   server is set with textContent, never as HTML. */
(function () {
  "use strict";
  var board = null, state = null, map = null, areasLayer = null, markers = {}, easy = false, polling = null;
  var colours = null, view = "hub";

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function icon(name) {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), use = document.createElementNS(ns, "use");
    svg.setAttribute("class", "hp-icon"); svg.setAttribute("aria-hidden", "true");
    use.setAttribute("href", "#i-" + name); svg.appendChild(use); return svg;
  }
  function num(v, digits) {
    if (v === null || v === undefined) return null;
    return Number(v).toLocaleString("en-GB", {maximumFractionDigits: digits || 0, minimumFractionDigits: 0});
  }
  function minutes(v) { var n = num(v); return n === null ? "not shown" : n + " min"; }
  function minutesExact(v) { var n = num(v, 1); return n === null ? "not shown" : n + " min"; }
  function minutesLong(v) { var n = num(v); return n === null ? "an unknown time" : n + " minutes"; }
  function people(v) {
    if (v === null || v === undefined) {
      return state && state.indicators && state.indicators.suppress_below ? "fewer than " + state.indicators.suppress_below + " (not shown)" : "not shown";
    }
    return num(v, v < 10 ? 1 : 0);
  }

  async function api(method, path, body) {
    var options = {method: method, headers: {"Accept": "application/json"}, credentials: "same-origin"};
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    var response = await fetch(path, options);
    var data = await response.json();
    if (!response.ok) throw new Error(data.error || ("the server answered " + response.status));
    return data;
  }
  function showError(err) { var r = document.getElementById("hp-reason"); r.hidden = false; r.textContent = String(err.message || err); }

  function colourOf(m) {
    if (m === null || m === undefined) return colours.none;
    for (var i = 0; i < colours.breaks.length; i++) if (m <= colours.breaks[i]) return colours.fills[i];
    return colours.fills[colours.fills.length - 1];
  }
  var ROLE_STYLE = {closed: ["#ffffff", "#555555", "×"], hub: ["#08306b", "#ffffff", "H"], spoke: ["#238b45", "#ffffff", "S"]};
  var SPECIALIST_FILLS = ["#6a3d9a", "#b15928", "#e7298a", "#1b9e77"];
  function roleLook(token) {
    if (token === "closed") return ROLE_STYLE.closed;
    var parts = token.split("+"), letters = [], fill = null;
    parts.forEach(function (p) {
      if (p.indexOf("specialist:") === 0) {
        var k = board.tiers.findIndex(function (t) { return t.token === p; });
        var si = board.tiers.filter(function (t) { return t.kind === "specialist"; }).findIndex(function (t) { return t.token === p; });
        letters.push("P" + (si + 1)); fill = fill || SPECIALIST_FILLS[si % SPECIALIST_FILLS.length]; void k;
      } else {
        var look = ROLE_STYLE[(board.tiers.find(function (t) { return t.token === p; }) || {}).kind] || ROLE_STYLE.hub;
        letters.push(look[2]); fill = fill || look[0];
      }
    });
    return [fill, "#ffffff", letters.join("+")];
  }
  function roleLabel(building, token) {
    var found = building.roles.find(function (r) { return r.token === token; });
    return found ? found.label : token;
  }
  function markerIcon(building, token) {
    var look = roleLook(token), div = el("div", look[2], "hp-building" + (token === "closed" ? " hp-closed" : ""));
    div.style.background = look[0]; div.style.color = look[1];
    div.setAttribute("data-site", building.id); div.setAttribute("data-role", token);
    return L.divIcon({html: div, className: "hp-building-icon", iconSize: [34, 34], iconAnchor: [17, 17]});
  }

  function popupFor(building) {
    var box = el("div", null, "hp-popup"), token = state.roles[building.id];
    box.appendChild(el("b", building.name));
    box.appendChild(el("div", building.locality, "hp-muted"));
    box.appendChild(el("div", "Now: " + roleLabel(building, token)));
    box.appendChild(el("div", "Choose what it does:", "hp-muted"));
    var list = el("div", null, "hp-roles"); box.appendChild(list);
    building.roles.forEach(function (role) {
      var b = el("button", role.label, "hp-role" + (role.token === token ? " hp-current" : ""));
      b.type = "button"; b.setAttribute("data-token", role.token);
      b.addEventListener("click", function () {
        var roles = {}; roles[building.id] = role.token;
        act("POST", "/api/plan", {roles: roles}); map.closePopup();
      });
      list.appendChild(b);
    });
    moveButtons(building, token).forEach(function (b) { box.appendChild(b); });
    return box;
  }

  function moveButtons(building, token) {
    /* "Move the specialist service here": this building gains the tier, its other hosts lose it (one step). */
    var mine = token === "closed" ? [] : token.split("+"), out = [];
    board.tiers.filter(function (t) { return t.kind === "specialist" && mine.indexOf(t.token) < 0; }).forEach(function (t) {
      var wanted = mine.concat([t.token]);
      if (wanted.length > board.tiers_per_site) return;
      var mineRole = building.roles.find(function (r) {
        var parts = r.token.split("+"); return parts.length === wanted.length && wanted.every(function (w) { return parts.indexOf(w) >= 0; });
      });
      if (!mineRole) return;
      var roles = {}, from = [];
      roles[building.id] = mineRole.token;
      Object.keys(state.roles).forEach(function (id) {
        var parts = state.roles[id] === "closed" ? [] : state.roles[id].split("+");
        if (id === building.id || parts.indexOf(t.token) < 0) return;
        var rest = parts.filter(function (p) { return p !== t.token; });
        roles[id] = rest.length ? rest.join("+") : "closed";
        from.push(board.buildings.find(function (x) { return x.id === id; }).name);
      });
      if (!from.length) return;
      var b = el("button", "Move “" + t.label + "” here from " + from.join(", "), "hp-role hp-move");
      b.type = "button";
      b.addEventListener("click", function () { act("POST", "/api/plan", {roles: roles}); map.closePopup(); });
      out.push(b);
    });
    return out;
  }

  function drawMap() {
    map = L.map("map", {zoomSnap: 0.25, preferCanvas: false});
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {maxZoom: 17, opacity: 0.55,
      attribution: "© OpenStreetMap contributors"}).addTo(map);
    areasLayer = L.geoJSON(board.layers.areas, {style: function () {
      return {weight: 0.5, color: "#555", fillOpacity: 0.55, fillColor: colours.none};
    }, onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name, {sticky: true}); }}).addTo(map);
    L.geoJSON(board.layers.localities, {interactive: false, style: {weight: 2.5, color: "#111", fill: false}}).addTo(map);
    board.buildings.forEach(function (b) {
      var m = L.marker([b.lat, b.lon], {icon: markerIcon(b, "closed"), title: b.name, keyboard: true, riseOnHover: true});
      m.on("click", function () {
        act("POST", "/api/click", {site: b.id}).then(function () { m.bindPopup(popupFor(b)).openPopup(); });
      });
      m.bindTooltip(b.name, {direction: "top", offset: [0, -16]});
      m.addTo(map); markers[b.id] = m;
    });
    map.fitBounds(board.layers.bounds, {padding: [8, 8]});
    var key = L.control({position: "bottomleft"});
    key.onAdd = function () {
      var box = el("details", null, "hp-key");
      box.open = window.innerWidth > 900;  /* a phone opens the key when it wants it */
      box.appendChild(el("summary", "Key: colour the home areas by"));
      [["hub", "the journey to the hub"], ["longest", "the longest journey (any service)"]].forEach(function (v) {
        var label = el("label", null, "hp-key-view"), radio = el("input");
        radio.type = "radio"; radio.name = "hp-view"; radio.value = v[0]; radio.checked = v[0] === view;
        radio.addEventListener("change", function () { view = v[0]; if (state) recolour(); });
        label.appendChild(radio); label.appendChild(document.createTextNode(" " + v[1])); box.appendChild(label);
      });
      var lows = [0].concat(colours.breaks);
      colours.fills.forEach(function (fill, i) {
        var row = el("div", null, "hp-key-row"), sw = el("span", null, "hp-swatch");
        sw.style.background = fill; row.appendChild(sw);
        row.appendChild(el("span", i < colours.breaks.length ? "up to " + colours.breaks[i] + " min" : "over " + lows[i] + " min"));
        box.appendChild(row);
      });
      var none = el("div", null, "hp-key-row"), sw = el("span", null, "hp-swatch"); sw.style.background = colours.none;
      none.appendChild(sw); none.appendChild(el("span", "no journey shown")); box.appendChild(none);
      box.appendChild(el("b", "Buildings"));
      board.tiers.concat([{token: "closed", label: "Closed"}]).forEach(function (t) {
        var r = el("div", null, "hp-key-row"), look = roleLook(t.token), mark = el("span", look[2], "hp-key-mark");
        mark.style.background = look[0]; mark.style.color = look[1]; r.appendChild(mark); r.appendChild(el("span", t.label));
        box.appendChild(r);
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    key.addTo(map);
  }

  function row(table, cells, head) {
    var tr = el("tr");
    cells.forEach(function (c, i) { tr.appendChild(el(head || i === 0 ? "th" : "td", c)); });
    table.appendChild(tr);
  }
  function renderFigures(ind) {
    var box = document.getElementById("hp-figures"); box.textContent = "";
    if (!ind) return;
    var o = ind.overall, iso = ind.isolation_minutes;
    var head = el("div", null, "hp-headline");
    [["Average journey", minutesExact(o.mean_minutes), "hp-mean"], ["Longest journey", minutesExact(o.max_minutes), "hp-max"],
     ["Isolated (over " + num(iso) + " min)", people(o.isolated.total), "hp-isolated-total"],
     ["Buildings open", num(o.buildings.open), "hp-open"]].forEach(function (h) {
      var card = el("div", null, "hp-card"); card.id = h[2];
      card.appendChild(el("span", h[0], "hp-card-label")); card.appendChild(el("span", h[1], "hp-card-value"));
      head.appendChild(card);
    });
    box.appendChild(head);
    var t = el("table", null, "hp-table"); t.appendChild(el("caption", "Journeys by service"));
    row(t, ["Service", "People", "Average", "Longest"], true);
    o.tiers.forEach(function (g) { row(t, [g.label, people(g.attendees), minutes(g.mean_minutes), minutes(g.max_minutes)]); });
    box.appendChild(t);
    var iso2 = el("table", null, "hp-table"); iso2.appendChild(el("caption", "People travelling over " + num(iso) + " minutes"));
    row(iso2, ["Who", "People"], true);
    row(iso2, ["Everyone", people(o.isolated.total)]); row(iso2, ["Rural home areas", people(o.isolated.rural)]);
    row(iso2, ["Urban home areas", people(o.isolated.urban)]);
    o.isolated_by_segment.forEach(function (s) { row(iso2, [s.label, people(s.isolated)]); });
    box.appendChild(iso2);
    var b = el("table", null, "hp-table"); b.appendChild(el("caption", "Buildings, cost and carbon"));
    row(b, ["Figure", "Value"], true);
    row(b, ["Today's buildings kept", num(o.buildings.kept)]); row(b, ["Buildings closed", num(o.buildings.closed)]);
    row(b, ["Building cost a year", o.buildings.annual_cost_gbp === null ? "not set in this scenario" : "£" + num(o.buildings.annual_cost_gbp)]);
    row(b, ["Car travel CO2e a year", o.annual_co2e_tonnes === null ? "not shown" : num(o.annual_co2e_tonnes) + " tonnes"]);
    row(b, ["Minibus vehicles and cost", "not estimated here (hubplan transport routes a saved plan)"]);
    box.appendChild(b);
    var l = el("table", null, "hp-table hp-localities"); l.appendChild(el("caption", "By locality: average / longest journey"));
    row(l, ["Locality"].concat(o.tiers.map(function (g) { return g.label; })).concat(["Isolated"]), true);
    ind.localities.forEach(function (loc) {
      var cells = [loc.name];
      o.tiers.forEach(function (g) {
        var mine = loc.tiers.find(function (x) { return x.tier === g.tier; });
        cells.push(mine ? minutes(mine.mean_minutes) + " / " + minutes(mine.max_minutes) : "–");
      });
      cells.push(people(loc.isolated.total)); row(l, cells);
    });
    box.appendChild(l);
  }

  function sentence(parent, iconName, text) {
    var p = el("p", null, "hp-easy-line"); p.appendChild(icon(iconName)); p.appendChild(el("span", text)); parent.appendChild(p);
  }
  function renderEasy(ind) {
    var box = document.getElementById("hp-easyread"); box.textContent = "";
    if (!ind) return;
    var o = ind.overall, iso = num(ind.isolation_minutes);
    box.appendChild(el("h2", "What this plan means"));
    sentence(box, "clock", "On average, a journey to day services takes " + minutesLong(o.mean_minutes) + ".");
    sentence(box, "clock", "The longest journey takes " + minutesLong(o.max_minutes) + ".");
    sentence(box, "far", peopleEasy(o.isolated.total) + " people travel more than " + iso + " minutes. That is a long way.");
    sentence(box, "building", num(o.buildings.open) + " buildings are open. " + num(o.buildings.closed) + " buildings close.");
    sentence(box, "car", "Car travel to day services makes about " + (o.annual_co2e_tonnes === null ? "an unknown amount of" : num(o.annual_co2e_tonnes) + " tonnes of") + " carbon dioxide a year.");
    box.appendChild(el("h2", "In each area"));
    ind.localities.forEach(function (loc) {
      sentence(box, "person", "In " + loc.name + ", the average journey takes " + minutesLong(loc.mean_minutes) + ". " +
        peopleEasy(loc.isolated.total) + " people travel more than " + iso + " minutes.");
    });
  }

  function renderHistory() {
    var list = document.getElementById("hp-history"); list.textContent = "";
    state.history.forEach(function (h, i) {
      var li = el("li"), b = el("button", "Go back to it", "hp-small");
      li.appendChild(el("span", h.name + ": average " + minutes(h.mean_minutes) + ", isolated " + people(h.isolated) + " "));
      b.type = "button"; b.addEventListener("click", function () { act("POST", "/api/history/restore", {index: i}); });
      li.appendChild(b); list.appendChild(li);
    });
  }

  function renderSearch(search) {
    var box = document.getElementById("hp-search");
    if (!search) { box.hidden = true; return; }
    box.hidden = false; box.textContent = "";
    if (search.state === "waiting" || search.state === "running") {
      box.appendChild(el("p", "Looking for the best plan that keeps the open buildings… " + search.seconds + " s (stops by " + num(search.time_limit_s) + " s)"));
      var bar = el("progress"); bar.max = search.time_limit_s || 1; bar.value = Math.min(search.seconds, bar.max); box.appendChild(bar);
      if (!polling) polling = setInterval(function () { api("GET", "/api/best").then(function (d) { renderSearch(d.search); }).catch(showError); }, 500);
      return;
    }
    if (polling) { clearInterval(polling); polling = null; }
    if (search.state === "failed") { box.appendChild(el("p", search.reason)); return; }
    var c = search.comparison;
    box.appendChild(el("p", "The " + (search.status === "optimal" ? "best" : "best found") + " plan that keeps the open buildings: average journey " +
      minutesExact(c.best.mean_minutes) + " (this plan: " + minutesExact(c.current.mean_minutes) + "), isolated " + people(c.best.isolated) +
      " (this plan: " + people(c.current.isolated) + ")."));
    if (!c.changes.length) { box.appendChild(el("p", "This plan is already that plan.")); return; }
    var ul = el("ul");
    c.changes.forEach(function (ch) {
      var b = board.buildings.find(function (x) { return x.id === ch.site; });
      ul.appendChild(el("li", ch.name + ": " + roleLabel(b, ch.from) + " → " + roleLabel(b, ch.to)));
    });
    box.appendChild(el("p", c.changes.length + " building" + (c.changes.length === 1 ? "" : "s") + " would change:"));
    box.appendChild(ul);
    var adopt = el("button", "Use that plan"); adopt.type = "button"; adopt.id = "hp-adopt";
    adopt.addEventListener("click", function () { act("POST", "/api/best/adopt"); });
    box.appendChild(adopt);
  }

  function recolour() {
    var areas = state.indicators ? state.indicators.areas[view] : null;
    areasLayer.eachLayer(function (layer) {
      var m = areas ? areas[layer.feature.properties.area_id] : null;
      layer.setStyle({fillColor: areas ? colourOf(m) : colours.none});
      var path = layer.getElement && layer.getElement();
      if (path) path.setAttribute("data-minutes", m === undefined || m === null ? "" : String(m));
    });
  }
  function peopleEasy(v) { return v === null || v === undefined ? people(v) : "About " + num(Math.round(v)); }
  function render(next) {
    state = next;
    if (map) map.closePopup();
    var reason = document.getElementById("hp-reason");
    reason.hidden = !state.reason; reason.textContent = state.reason || "";
    document.body.classList.toggle("hp-infeasible", !!state.reason);
    Object.keys(markers).forEach(function (id) {
      var b = board.buildings.find(function (x) { return x.id === id; });
      markers[id].setIcon(markerIcon(b, state.roles[id]));
    });
    recolour();
    renderFigures(state.indicators); renderEasy(state.indicators);
    document.getElementById("hp-undo").disabled = !state.can_undo;
    renderHistory(); renderSearch(state.search);
  }
  function act(method, path, body) {
    return api(method, path, body).then(function (d) { if (d.roles) render(d); else if (d.search !== undefined) renderSearch(d.search); return d; }).catch(showError);
  }

  function wire() {
    document.getElementById("hp-undo").addEventListener("click", function () { act("POST", "/api/undo"); });
    document.getElementById("hp-reset").addEventListener("click", function () { act("POST", "/api/reset"); });
    document.getElementById("hp-best").addEventListener("click", function () { act("POST", "/api/best"); });
    document.getElementById("hp-easy").addEventListener("click", function () {
      easy = !easy; this.setAttribute("aria-pressed", String(easy)); document.body.classList.toggle("hp-easy", easy);
      document.getElementById("hp-easyread").hidden = !easy; document.getElementById("hp-figures").hidden = easy;
      setTimeout(function () { map.invalidateSize(); }, 50);
    });
    document.getElementById("hp-history-form").addEventListener("submit", function (e) {
      e.preventDefault(); var input = document.getElementById("hp-history-name");
      act("POST", "/api/history", {name: input.value}).then(function () { input.value = ""; });
    });
    document.getElementById("hp-save-form").addEventListener("submit", function (e) {
      e.preventDefault(); var name = document.getElementById("hp-save-name").value;
      api("POST", "/api/save", {name: name, title: name}).then(function (d) {
        document.getElementById("hp-saved").textContent = "Saved as " + d.file + " in the server's output folder: `hubplan run` on it gives these figures.";
      }).catch(showError);
    });
  }

  async function start() {
    try {
      board = await api("GET", "/api/board");
      colours = board.colours;
      drawMap(); wire();
      render(await api("GET", "/api/plan"));
      document.body.setAttribute("data-ready", "true");
    } catch (err) { showError(err); }
  }
  start();
})();
