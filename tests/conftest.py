import pytest


@pytest.fixture(scope="session")
def geocoder():
    """One geocoder for the session: the packaged gazetteer plus the GeoNames AF/PK fallback."""
    from geo.gazetteer import build_gazetteer, read_geonames
    from geo.geocode import Geocoder

    return Geocoder(build_gazetteer(), fallback=lambda: read_geonames(("AF", "PK")))
