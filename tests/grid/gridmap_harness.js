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

// A DOM element as far as gridmap.js uses one: its text, appended children (the sign-in link)
// and, for escapeHtml, its text as HTML.
function element(tagName) {
  let text = "";
  const el = { tagName, children: [], hidden: false, href: "" };
  Object.defineProperty(el, "textContent", {
    get: () => text + el.children.map((c) => c.textContent).join(""),
    set: (v) => { text = String(v); el.children = []; },
  });
  Object.defineProperty(el, "innerHTML", {
    get: () => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
  });
  el.appendChild = (child) => { el.children.push(child); return child; };
  return el;
}
const LOGIN_URL = "/accounts/login/?next=/grid/";

// `catalog`: translations, as Django's JavaScript catalog gives them to gettext.
function world({ tileUrl = "", checked = "officer", catalog = {} } = {}) {
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
    map: {
      dataset: {
        cellsUrl: "/grid/cells.geojson", areasUrl: "/grid/areas.geojson?level=district", loginUrl: LOGIN_URL, tileUrl,
      },
    },
    "map-status": element("span"),
    "map-tiles-note": { hidden: true },
    "map-areas-note": { hidden: true },
  };
  const radios = ["officer", "area"].map((value) => emitter({ value, checked: value === checked }));
  radios.forEach((r) => { r.addEventListener = r.on; });
  const document = {
    getElementById: (id) => elements[id] || null,
    querySelectorAll: (sel) => (sel === "input[name=colour]" ? radios : []),
    querySelector: (sel) => (sel === "input[name=colour]:checked" ? radios.find((r) => r.checked) || null : null),
    createElement: element,
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
        fail: () => { if (!(signal && signal.aborted)) reject(new TypeError("Failed to fetch")); }, // network down
      };
      if (signal) {
        signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })));
      }
      requests.push(request);
    });
  }
  const sandbox = {
    document, L, fetch, AbortController, console,
    gettext: (s) => catalog[s] || s,
    ngettext: (s, p, n) => (n === 1 ? s : p),
    interpolate: (fmt, args) => { let i = 0; return fmt.replace(/%s/g, () => String(args[i++])); },
  };
  vm.runInNewContext(fs.readFileSync(scriptPath, "utf8"), sandbox);
  const cells = groups[1];
  const status = elements["map-status"];
  return {
    map, elements, radios, requests, cells,
    lastCells: () => requests.filter((r) => r.url.includes("cells")).pop(),
    areas: () => requests.find((r) => r.url.includes("areas")),
    cellRequests: () => requests.filter((r) => r.url.includes("cells")).length,
    // what the status line shows: its text and its links
    status: () => ({
      text: status.textContent,
      links: status.children.filter((c) => c.tagName === "a").map((a) => ({ href: a.href, text: a.textContent })),
    }),
  };
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
  // the session ended while the user worked: a reload answers 401
  async session_ended_on_cells() {
    const w = world();
    w.map.moveTo(13);
    w.lastCells().answer(collection(feature("1", 5), feature("2", 6)));
    await settle();
    w.map.fire("moveend");
    w.lastCells().answer({ detail: "You are not signed in or your session has ended. Sign in again." }, 401);
    await settle();
    const seen = { status: w.status(), drawn: w.cells.layers.length };
    const asked = w.cellRequests();
    w.map.moveTo(11); // neither zooming out nor moving replaces the message or asks again
    w.map.moveTo(13);
    await settle();
    return { ...seen, status_after_moves: w.status(), requests_after_moves: w.cellRequests() - asked };
  },
  async session_ended_in_chinese() {
    const w = world({ catalog: { "Your session has ended.": "登录已过期。", "Sign in again.": "重新登录" } });
    w.map.moveTo(13);
    w.lastCells().answer({}, 401);
    await settle();
    return w.status();
  },
  // the district boundaries, asked for as the page opens, answer 401
  async session_ended_on_districts() {
    const w = world();
    w.areas().answer({}, 401);
    await settle();
    const status = w.status();
    w.map.moveTo(13);
    return { status, cell_requests: w.cellRequests(), areas_note_hidden: w.elements["map-areas-note"].hidden };
  },
  async districts_fail() {
    const broken = world();
    broken.areas().answer({ detail: "Server error" }, 500);
    const offline = world();
    offline.areas().fail();
    await settle();
    return {
      after_500: broken.elements["map-areas-note"].hidden,
      offline: offline.elements["map-areas-note"].hidden,
      status: broken.status().text,
    };
  },
  // a reload that fails leaves the cells drawn (still right where they are) and says so
  async cells_reload_fails() {
    const w = world();
    w.map.moveTo(13);
    w.lastCells().answer(collection(feature("1", 5), feature("2", 6)));
    await settle();
    w.map.fire("moveend");
    w.lastCells().answer({ detail: "Server error" }, 500);
    await settle();
    const broken = { drawn: w.cells.layers.length, status: w.status().text };
    w.map.fire("moveend");
    w.lastCells().fail();
    await settle();
    return { ...broken, offline: { drawn: w.cells.layers.length, status: w.status().text } };
  },
  async tiles_fail() {
    const w = world({ tileUrl: "https://tiles.example/{z}/{x}/{y}.png" });
    const before = w.elements["map-tiles-note"].hidden;
    w.map.tiles.fire("tileerror", {});
    return { hidden_before: before, hidden_after: w.elements["map-tiles-note"].hidden };
  },
};

scenarios[scenario]().then((result) => process.stdout.write(JSON.stringify(result)));
