"""HTTP routes served beside the app by the same server (see serve.py)."""

from starlette.routing import Route

from .api import MOUNT as API
from .health import healthz, readyz
from .map_data import countries_shaded, outlines, tile

ROUTES = [
    Route("/tiles/{z:int}/{x:int}/{y:int}.json", tile, methods=["GET"]),
    Route("/outlines.json", outlines, methods=["GET"]),
    Route("/countries.json", countries_shaded, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    API,
]
