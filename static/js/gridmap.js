/* Grid map: districts always, cells of the visible area once zoomed in, coloured by officer or community. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) return;
  var status = document.getElementById("map-status");
  var map = L.map(el, { preferCanvas: true }).setView([22.62, 114.12], 11);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" })
      .once("tileerror", function () { document.getElementById("map-tiles-note").hidden = false; })
      .addTo(map);
  }
  var MIN_CELL_ZOOM = 13;
  var NO_OFFICER_FILL = "#9aa3ad";
  // A browser restores the radio's state on reload: follow it rather than assume "officer".
  var checked = document.querySelector("input[name=colour]:checked");
  var colourBy = checked ? checked.value : "officer";

  function hue(key) {
    var s = String(key), h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 360;
    return h;
  }
  function cellStyle(feature) {
    var p = feature.properties;
    var style = { color: "#41506b", weight: 0.6, fillOpacity: 0.45 };
    if (colourBy === "officer" && p.officer_key === null) {
      style.fillColor = NO_OFFICER_FILL; // a cell nobody answers for must not look like somebody's
    } else {
      style.fillColor = "hsl(" + hue(colourBy === "officer" ? p.officer_key : p.area_code) + ",65%,62%)";
    }
    return style;
  }
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  var districts = L.geoJSON(null, {
    style: { color: "#0b5cad", weight: 2, fill: true, fillColor: "#ffffff", fillOpacity: 0.6 },
    onEachFeature: function (f, layer) { layer.bindTooltip(escapeHtml(f.properties.name), { sticky: true }); },
  }).addTo(map);
  var cells = L.geoJSON(null, {
    style: cellStyle,
    onEachFeature: function (f, layer) {
      var p = f.properties;
      // The map's popup, not the cell's: opening it near an edge pans the map, which reloads the
      // cells, and a popup bound to a cell closed with it.
      layer.on("click", function (e) {
        L.popup().setLatLng(e.latlng).setContent(
          "<strong>" + escapeHtml(p.name) + "</strong><br>" +
          gettext("Code") + ": " + escapeHtml(p.code) + "<br>" +
          gettext("Area") + ": " + escapeHtml(p.area_path.join(" / ")) + "<br>" +
          gettext("Responsible officer") + ": " + escapeHtml(p.officer || gettext("none"))
        ).openOn(map);
      });
    },
  }).addTo(map);

  // Rejects with the HTTP status in `err.status` when the answer is not a success.
  function getJson(url, signal) {
    return fetch(url, { credentials: "same-origin", signal: signal }).then(function (r) {
      if (r.ok) return r.json();
      var err = new Error("HTTP " + r.status);
      err.status = r.status;
      throw err;
    });
  }

  // The session ended (the endpoints answer 401): nothing loads until the user signs in again, so
  // the message stays instead of being replaced by the next move's status.
  var signedOut = false;
  function showSignedOut() {
    signedOut = true;
    if (pending) pending.abort();
    pending = null;
    var link = document.createElement("a");
    link.href = el.dataset.loginUrl; // the sign-in page, coming back to this map
    link.textContent = gettext("Sign in again.");
    status.textContent = gettext("Your session has ended.") + " ";
    status.appendChild(link);
  }

  var pending = null;
  getJson(el.dataset.areasUrl)
    .then(function (data) { districts.addData(data); })
    .catch(function (err) {
      if (err.status === 401) showSignedOut();
      else document.getElementById("map-areas-note").hidden = false;
    });

  function loadCells() {
    if (signedOut) return;
    if (map.getZoom() < MIN_CELL_ZOOM) {
      if (pending) pending.abort(); // its cells would be drawn over the zoomed-out map
      pending = null;
      cells.clearLayers();
      status.textContent = gettext("Zoom in to see the grid cells.");
      return;
    }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    if (pending) pending.abort();
    pending = new AbortController();
    status.textContent = gettext("Loading cells…");
    getJson(el.dataset.cellsUrl + "?bbox=" + bbox, pending.signal)
      .then(function (data) {
        cells.clearLayers();
        cells.addData(data);
        var n = data.features.length;
        status.textContent = data.truncated
          ? interpolate(gettext("Showing the first %s cells: zoom in to see all."), [n])
          : interpolate(ngettext("%s cell in view.", "%s cells in view.", n), [n]);
      })
      .catch(function (err) {
        if (err.name === "AbortError") return;
        // the cells already drawn stay: they are still right where they are
        if (err.status === 401) showSignedOut();
        else status.textContent = gettext("Could not load the cells.");
      });
  }
  map.on("moveend", loadCells);
  loadCells();

  document.querySelectorAll("input[name=colour]").forEach(function (input) {
    input.addEventListener("change", function () { colourBy = input.value; cells.setStyle(cellStyle); });
  });
})();
