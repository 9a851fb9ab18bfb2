"""Which files a wheel carries (pyproject.toml holds the rest): the code, the app, the bundled scenario.

- ``src/mapdata``: the code, and the Streamlit app as it runs (``mapdata/app/``: dashboard.py,
  pages/, .streamlit/config.toml and static/), less ``static/cache/``, written while the app runs.
- ``geodata/``, the bundled scenario, stays at the top of the repository beside its build
  (scripts/build_geodata.py) and its raw inputs (geodata/raw/, not shipped); a wheel carries
  its files, SOURCES.md (the attribution) included, as ``mapdata/geodata/``.

mapdata.resources finds them there once installed. Every folder is listed as a package
(setuptools asks for that of data folders too).
"""

from setuptools import find_namespace_packages, setup

CACHE = ["mapdata.app.static.cache", "mapdata.app.static.cache.*", "*.__pycache__"]
CODE = find_namespace_packages("src", include=["mapdata", "mapdata.*"], exclude=CACHE)
STATIC = [name for name in CODE if name.startswith("mapdata.app.static.")]
GEODATA = ["mapdata.geodata", *(f"mapdata.geodata.{name}" for name in find_namespace_packages(
    "geodata", exclude=["raw", "raw.*", "*.__pycache__"]))]

setup(
    packages=[*CODE, *GEODATA],
    package_dir={"": "src", "mapdata.geodata": "geodata"},
    package_data={
        "mapdata": ["py.typed"],
        "mapdata.app": [".streamlit/config.toml"],
        **{name: ["*"] for name in [*STATIC, *GEODATA]},
    },
)
