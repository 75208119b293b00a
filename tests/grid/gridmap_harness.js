// Runs static/js/gridmap.js against stand-ins for Leaflet, the page and fetch, plays one scenario
// and prints what a user would see as JSON (test_gridmap_js.py asserts on it).
// The stand-ins behave as Leaflet 1.9 does where it matters: a popup bound to a layer closes
// when the layer is removed (clearLayers), a popup opened on the map stays until closed.
// Usage: node gridmap_harness.js <path to gridmap.js> <scenario>
"use strict";
const fs = require("fs");
const vm = require("vm");

const [scriptPath, scenario] = process.argv.slice(2);

function emitter(target) {
  const handlers = {};
  target.on = function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); return target; };
  target.once = function (name, fn) {
    const wrapped = function (e) { handlers[name] = handlers[name].filter((h) => h !== wrapped); fn(e); };
    return target.on(name, wrapped);
  };
  target.fire = function (name, e) { (handlers[name] || []).slice().forEach((fn) => fn(e || {})); return target; };
  return target;
}

function world({ tileUrl = "", checked = "officer" } = {}) {
  const requests = [];
  const map = emitter({ zoom: 11, popup: null });
  map.setView = () => map;
  map.getZoom = () => map.zoom;
  map.getBounds = () => ({ getWest: () => 114.0, getSouth: () => 22.5, getEast: () => 114.1, getNorth: () => 22.6 });
  map.moveTo = (zoom) => { map.zoom = zoom; map.fire("moveend"); };

  function layerFor(feature, group) {
    const layer = emitter({ feature });
    layer.bindTooltip = () => layer;
    layer.bindPopup = (content) => {
      layer.on("click", () => { map.popup = { content, owner: layer }; });
      layer.on("remove", () => { if (map.popup && map.popup.owner === layer) map.popup = null; });
      return layer;
    };
    layer.group = group;
    return layer;
  }
  const groups = [];
  const L = {
    map: () => map,
    tileLayer: (url) => {
      const tiles = emitter({ url });
      tiles.addTo = () => { map.tiles = tiles; return tiles; };
      return tiles;
    },
    geoJSON: (data, options) => {
      const group = { layers: [] };
      group.addTo = () => group;
      group.addData = (fc) => {
        fc.features.forEach((f) => {
          const layer = layerFor(f, group);
          layer.style = typeof options.style === "function" ? options.style(f) : options.style;
          if (options.onEachFeature) options.onEachFeature(f, layer);
          group.layers.push(layer);
        });
        return group;
      };
      group.clearLayers = () => { group.layers.forEach((l) => l.fire("remove")); group.layers = []; return group; };
      group.setStyle = (fn) => { group.layers.forEach((l) => { l.style = fn(l.feature); }); return group; };
      groups.push(group);
      return group;
    },
    popup: () => {
      const popup = {};
      popup.setLatLng = () => popup;
      popup.setContent = (content) => { popup.content = content; return popup; };
      popup.openOn = (m) => { m.popup = { content: popup.content, owner: null }; return popup; };
      return popup;
    },
  };

  const elements = {
    map: { dataset: { cellsUrl: "/grid/cells.geojson", areasUrl: "/grid/areas.geojson?level=district", tileUrl } },
    "map-status": { textContent: "" },
    "map-tiles-note": { hidden: true },
  };
  const radios = ["officer", "area"].map((value) => emitter({ value, checked: value === checked }));
  radios.forEach((r) => { r.addEventListener = r.on; });
  const document = {
    getElementById: (id) => elements[id] || null,
    querySelectorAll: (sel) => (sel === "input[name=colour]" ? radios : []),
    querySelector: (sel) => (sel === "input[name=colour]:checked" ? radios.find((r) => r.checked) || null : null),
    createElement: () => {
      let text = "";
      return {
        set textContent(v) { text = v; },
        get innerHTML() { return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); },
      };
    },
  };
  function fetch(url, options) {
    return new Promise((resolve, reject) => {
      const signal = options && options.signal;
      const request = {
        url,
        answer: (data, status = 200) => {
          if (signal && signal.aborted) return; // an aborted fetch never answers
          resolve({ ok: status < 400, status, json: async () => data });
        },
      };
      if (signal) {
        signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })));
      }
      requests.push(request);
    });
  }
  const sandbox = {
    document, L, fetch, AbortController, console,
    gettext: (s) => s,
    ngettext: (s, p, n) => (n === 1 ? s : p),
    interpolate: (fmt, args) => { let i = 0; return fmt.replace(/%s/g, () => String(args[i++])); },
  };
  vm.runInNewContext(fs.readFileSync(scriptPath, "utf8"), sandbox);
  const cells = groups[1];
  return { map, elements, radios, requests, cells, lastCells: () => requests.filter((r) => r.url.includes("cells")).pop() };
}

function feature(code, officerKey, areaCode = "A1") {
  return {
    type: "Feature",
    geometry: { type: "Polygon", coordinates: [] },
    properties: { code, name: "cell " + code, area_code: areaCode, area_path: ["D", "S", "C"], officer: officerKey === null ? "" : "O" + officerKey, officer_key: officerKey },
  };
}
const collection = (...features) => ({ type: "FeatureCollection", features, truncated: false });
const settle = () => new Promise((resolve) => setImmediate(resolve));

const scenarios = {
  // zoomed in, then out before the cells arrive: the late answer must not draw them
  async late_answer_after_zoom_out() {
    const w = world();
    w.map.moveTo(13);
    const request = w.lastCells();
    w.map.moveTo(11);
    request.answer(collection(feature("1", 5), feature("2", 6)));
    await settle();
    return { drawn: w.cells.layers.length, status: w.elements["map-status"].textContent };
  },
  // a popup that makes the map pan (auto-pan near an edge) reloads the cells: it must stay open
  async popup_survives_reload() {
    const w = world();
    w.map.moveTo(13);
    w.lastCells().answer(collection(feature("1", 5)));
    await settle();
    w.cells.layers[0].fire("click", { latlng: [22.55, 114.05] });
    const opened = w.map.popup ? w.map.popup.content : null;
    w.map.fire("moveend");
    w.lastCells().answer(collection(feature("1", 5)));
    await settle();
    return { opened, after_reload: w.map.popup ? w.map.popup.content : null };
  },
  async colours() {
    const w = world();
    w.map.moveTo(13);
    w.lastCells().answer(collection(feature("1", null), feature("2", 5), feature("3", 6)));
    await settle();
    return { fills: w.cells.layers.map((l) => l.style.fillColor) };
  },
  // the browser restored "community" on reload: the cells follow the radio that shows as checked
  async colour_mode_from_checked_radio() {
    const w = world({ checked: "area" });
    w.map.moveTo(13);
    w.lastCells().answer(collection(feature("1", 5, "A1"), feature("2", 6, "A1")));
    await settle();
    return { fills: w.cells.layers.map((l) => l.style.fillColor) };
  },
  async tiles_fail() {
    const w = world({ tileUrl: "https://tiles.example/{z}/{x}/{y}.png" });
    const before = w.elements["map-tiles-note"].hidden;
    w.map.tiles.fire("tileerror", {});
    return { hidden_before: before, hidden_after: w.elements["map-tiles-note"].hidden };
  },
};

scenarios[scenario]().then((result) => process.stdout.write(JSON.stringify(result)));
