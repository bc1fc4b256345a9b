import pytest


@pytest.fixture(scope="session")
def geocoder():
    """One geocoder for the session: the packaged gazetteer and GeoNames, scoped to the AF-PK theatre."""
    from geo.geocode import make_geocoder

    return make_geocoder(countries=("AF", "PK"))


@pytest.fixture(scope="session")
def synthetic_events(tmp_path_factory):
    """``synthetic_events(n, seed)``: path of an ACLED-layout CSV of ``n`` synthetic Durand Line
    events written by ``bench/make_events.py`` (the benchmarks' generator), made once per session."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("make_events", Path(__file__).resolve().parent.parent / "bench" / "make_events.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    made = {}

    def make(n: int, seed: int = 1) -> Path:
        if (n, seed) not in made:
            path = tmp_path_factory.mktemp("events") / f"acled_{n}_{seed}.csv"
            mod.make_events(n, seed=seed).to_csv(path, index=False)
            made[n, seed] = path
        return made[n, seed]

    return make
