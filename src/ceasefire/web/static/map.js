// The dashboard map: governorate outlines as the base layer (no tiles, works offline) and one
// circle per incident, coloured by verdict, with the page's filters applied. The page names the
// map's request (data-points) and asks for it early; it holds only where each incident is and its
// verdict, and a popup asks for its incident when it opens. When there are more incidents than a
// map can show one by one, nearby ones are drawn as one numbered cluster per cell of a screen
// grid, redrawn at each zoom; clicking a cluster zooms into it.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L) return;
  var COLOURS = { violation: "#c0392b", not_a_violation: "#2e7d32", undetermined: "#d68910" };
  var CLUSTER_ABOVE = 200; // incidents on the map before nearby ones are grouped
  var CELL = 48; // pixels: the grid cell a cluster gathers

  function json(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
  }

  function popup(point, changed) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/incidents/" + encodeURIComponent(point.id);
    link.className = "popup-link";
    link.textContent = "Incident " + point.id;
    var about = document.createElement("div");
    about.textContent = "…";
    box.append(link, about);
    json("/api/incidents/" + encodeURIComponent(point.id)).then(function (record) {
      var verdict = record.verdict || {};
      about.textContent = (verdict.status || "no verdict").replace(/_/g, " ") +
        (verdict.violator ? " by " + verdict.violator : "") +
        (verdict.disputed ? " (disputed)" : "") + "; " + record.review_status;
      var summary = document.createElement("p");
      summary.textContent = record.summary;
      box.append(summary);
      changed();
    }, function () {
      about.textContent = "details unavailable";
      changed();
    });
    return box;
  }

  function marker(point) {
    var circle = L.circleMarker(point.latlng, {
      radius: 7, color: "#222", weight: 1, fillColor: COLOURS[point.verdict] || "#555",
      fillOpacity: 0.85, className: "incident-marker verdict-" + (point.verdict || "none"),
    });
    var box = null; // built when first opened
    return circle.bindPopup(function () {
      return box || (box = popup(point, function () { circle.getPopup().update(); }));
    });
  }

  function cluster(members) {
    var bounds = L.latLngBounds(members.map(function (m) { return m.latlng; }));
    var violations = members.filter(function (m) { return m.verdict === "violation"; }).length;
    var icon = L.divIcon({
      className: "incident-cluster" + (violations ? " has-violations" : ""),
      html: String(members.length),
      iconSize: [34, 34],
    });
    return L.marker(bounds.getCenter(), { icon: icon, title: members.length + " incidents" })
      .on("click", function () { map.fitBounds(bounds.pad(0.2), { maxZoom: map.getZoom() + 3 }); });
  }

  function draw(points, layer) {
    layer.clearLayers();
    element.dataset.zoom = String(map.getZoom());
    if (points.length <= CLUSTER_ABOVE) {
      points.forEach(function (p) { layer.addLayer(marker(p)); });
      return;
    }
    var cells = {};
    points.forEach(function (p) {
      var at = map.latLngToLayerPoint(p.latlng);
      var key = Math.floor(at.x / CELL) + ":" + Math.floor(at.y / CELL);
      (cells[key] = cells[key] || []).push(p);
    });
    Object.keys(cells).forEach(function (key) {
      var members = cells[key];
      layer.addLayer(members.length === 1 ? marker(members[0]) : cluster(members));
    });
  }

  var map = L.map(element, { zoomSnap: 0.25, attributionControl: false });
  map.setView([35, 38.5], 6.5);
  var incidents = json(element.dataset.points); // meanwhile
  json("/api/governorates")
    .then(function (shapes) {
      var base = L.geoJSON(shapes, {
        style: { color: "#777", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 },
        onEachFeature: function (feature, layer) { layer.bindTooltip(feature.properties.name); },
      }).addTo(map);
      map.fitBounds(base.getBounds(), { animate: false });
      return incidents;
    })
    .then(function (answer) {
      var at = {};
      answer.fields.forEach(function (name, n) { at[name] = n; });
      var points = answer.points.map(function (row) {
        return { id: row[at.id], verdict: row[at.verdict], latlng: L.latLng(row[at.lat], row[at.lon]) };
      });
      var layer = L.layerGroup().addTo(map);
      draw(points, layer);
      map.on("zoomend", function () { draw(points, layer); });
      element.dataset.shown = String(points.length);
    });
})();
