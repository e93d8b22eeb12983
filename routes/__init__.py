"""HTTP routes served beside the app by the same server (see serve.py)."""

from starlette.routing import Route

from .api import MOUNT as API
from .embed import deck_js, embed_map, map_js
from .health import healthz, readyz
from .map_data import basemap, countries_shaded, countries_valued, countries_valued_style, outlines, points, tile

ROUTES = [
    Route("/tiles/{z:int}/{x:int}/{y:int}.json", tile, methods=["GET"]),
    Route("/points.json", points, methods=["GET"]),
    Route("/outlines.json", outlines, methods=["GET"]),
    Route("/land-style.json", basemap, methods=["GET"]),
    Route("/shaded.json", countries_valued, methods=["GET"]),
    Route("/shaded-style.json", countries_valued_style, methods=["GET"]),
    Route("/countries.json", countries_shaded, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/embed/map", embed_map, methods=["GET"]),
    Route("/embed/deck.js", deck_js, methods=["GET"]),
    Route("/embed/map.js", map_js, methods=["GET"]),
    API,
]
