// The dashboard map: governorate outlines as the base layer (no tiles, works offline) and one
// circle per incident, coloured by verdict, with the page's filters applied. When there are more
// incidents than a map can show one by one, nearby ones are drawn as one numbered cluster per
// cell of a screen grid, redrawn at each zoom; clicking a cluster zooms into it.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L) return;
  var COLOURS = { violation: "#c0392b", not_a_violation: "#2e7d32", undetermined: "#d68910" };
  var CLUSTER_ABOVE = 200; // incidents on the map before nearby ones are grouped
  var CELL = 48; // pixels: the grid cell a cluster gathers

  function query() {
    var params = new URLSearchParams();
    new FormData(document.getElementById("filters")).forEach(function (value, key) {
      if (value) params.append(key, value);
    });
    return params.toString();
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/incidents/" + encodeURIComponent(properties.id);
    link.className = "popup-link";
    link.textContent = "Incident " + properties.id;
    var verdict = document.createElement("div");
    verdict.textContent = (properties.verdict || "no verdict").replace(/_/g, " ") +
      (properties.violator ? " by " + properties.violator : "") +
      (properties.disputed ? " (disputed)" : "") + "; " + properties.review_status;
    var summary = document.createElement("p");
    summary.textContent = properties.summary;
    box.append(link, verdict, summary);
    return box;
  }

  function marker(feature, latlng) {
    var verdict = feature.properties.verdict;
    return L.circleMarker(latlng, {
      radius: 7, color: "#222", weight: 1, fillColor: COLOURS[verdict] || "#555",
      fillOpacity: 0.85, className: "incident-marker verdict-" + (verdict || "none"),
    }).bindPopup(function () { return popup(feature.properties); }); // built when opened
  }

  function cluster(members) {
    var bounds = L.latLngBounds(members.map(function (m) { return m.latlng; }));
    var violations = members.filter(function (m) {
      return m.feature.properties.verdict === "violation";
    }).length;
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
      points.forEach(function (p) { layer.addLayer(marker(p.feature, p.latlng)); });
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
      layer.addLayer(members.length === 1 ? marker(members[0].feature, members[0].latlng)
        : cluster(members));
    });
  }

  var map = L.map(element, { zoomSnap: 0.25, attributionControl: false });
  map.setView([35, 38.5], 6.5);
  var incidents = fetch("/api/map?" + query(), { credentials: "same-origin" }) // meanwhile
    .then(function (response) { return response.json(); });
  fetch("/api/governorates", { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (shapes) {
      var base = L.geoJSON(shapes, {
        style: { color: "#777", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 },
        onEachFeature: function (feature, layer) { layer.bindTooltip(feature.properties.name); },
      }).addTo(map);
      map.fitBounds(base.getBounds(), { animate: false });
      return incidents;
    })
    .then(function (collection) {
      var points = collection.features.map(function (f) {
        return { feature: f, latlng: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]) };
      });
      var layer = L.layerGroup().addTo(map);
      draw(points, layer);
      map.on("zoomend", function () { draw(points, layer); });
      element.dataset.shown = String(points.length);
    });
})();
