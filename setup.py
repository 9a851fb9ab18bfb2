"""Which files a wheel carries (pyproject.toml holds the rest): the code, the app, the bundled scenario.

- ``src/mapdata``: the code.
- The Streamlit app, at the top of the repository (dashboard.py, pages/, static/ and
  .streamlit/config.toml: ``mapdata.resources.APP_PARTS``), less ``static/cache/``, written while the
  app runs: copied into the wheel as ``mapdata/app/`` when it is built (``_BuildWithApp``).
- ``geodata/``, the bundled scenario, stays at the top of the repository beside its build
  (scripts/build_geodata.py) and its raw inputs (geodata/raw/, not shipped); a wheel carries
  its files, SOURCES.md (the attribution) included, as ``mapdata/geodata/``.

mapdata.resources finds them there once installed. Every folder is listed as a package
(setuptools asks for that of data folders too).
"""

import importlib.util
from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CODE = find_namespace_packages("src", include=["mapdata", "mapdata.*"], exclude=["*.__pycache__"])
GEODATA = [
    "mapdata.geodata",
    *(
        f"mapdata.geodata.{name}"
        for name in find_namespace_packages("geodata", exclude=["raw", "raw.*", "*.__pycache__"])
    ),
]


def _resources():  # mapdata.resources (standard library only), read from the source tree
    spec = importlib.util.spec_from_file_location("_mapdata_resources", ROOT / "src" / "mapdata" / "resources.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _BuildWithApp(build_py):
    """build_py, then the app's files into mapdata/app/ (an editable install uses them where they are)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        app = Path(self.build_lib) / "mapdata" / "app"
        files = _resources().app_files_in(ROOT)
        if "dashboard.py" not in files or not any(rel.startswith("static/vendor/") for rel in files):
            raise SystemExit(
                f"setup.py: the app (dashboard.py, pages/, static/) is not in {ROOT}; "
                "a source archive must carry it (MANIFEST.in)"
            )
        for rel in files:
            (app / rel).parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(ROOT / rel), str(app / rel), preserve_mode=False)


setup(
    packages=[*CODE, *GEODATA],
    package_dir={"": "src", "mapdata.geodata": "geodata"},
    package_data={
        "mapdata": ["py.typed"],
        **{name: ["*"] for name in GEODATA},
    },
    cmdclass={"build_py": _BuildWithApp},
)
