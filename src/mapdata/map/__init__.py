"""The map: ``mapview`` (the Folium map drawn by the server: a fixed base map and per-date force
layers), ``clientmap`` (large scenarios: data published once, the timeline run in the browser by
``static/mapdata/mapdata.js``), ``share`` (the view as URL query parameters) and ``colours``
(force colours and marker shapes that stay apart)."""
