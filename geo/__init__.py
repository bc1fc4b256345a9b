"""geo: map border incidents from news reports — offline geocoding, border checks, Leaflet maps, GIS exports."""

__version__ = "0.1.0"
