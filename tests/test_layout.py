"""The package's layout is the one docs/architecture.md describes, and its layers hold."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "skgan"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

# Layer of each module, lowest first; a module may import only from its own layer or
# from a lower one. The first matching prefix decides.
LAYERS = [
    ("foundation", ("skgan/_engine/torch_utils.py", "skgan/_engine/caller_warnings.py",
                    "skgan/_legacy_modules.py")),
    ("building blocks", ("skgan/constraints/", "skgan/adapters/", "skgan/networks/", "skgan/objectives.py",
                         "skgan/metrics/", "skgan/evaluation/", "skgan/datasets/",
                         "skgan/plotting.py", "skgan/exceptions.py")),
    ("engine", ("skgan/_engine/",)),
    ("estimators", ("skgan/base.py", "skgan/gan.py", "skgan/wgan.py", "skgan/conditional.py",
                    "skgan/cycle.py", "skgan/resampler.py", "skgan/augmented.py",
                    "skgan/_oversampling_counts.py", "skgan/_labelled_sampling.py")),
    ("users", ("skgan/__init__.py", "skgan/__main__.py", "skgan/io/", "skgan/cli/")),
]


def _modules():
    return sorted(path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*.py"))


def _layer(module_path):
    for rank, (_, prefixes) in enumerate(LAYERS):
        if module_path.startswith(prefixes):
            return rank
    raise AssertionError(f"{module_path} belongs to no layer of tests/test_layout.py")


def _module_path(dotted):
    """The file of a dotted skgan module name (a package's __init__.py)."""
    base = ROOT / Path(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate.relative_to(ROOT).as_posix()
    return None


def _imported_modules(module_path):
    """The skgan modules that ``module_path`` imports (relative imports resolved)."""
    package = Path(module_path).parent.as_posix().split("/")
    tree = ast.parse((ROOT / module_path).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                dotted = ".".join(base + ([node.module] if node.module else []))
            else:
                dotted = node.module or ""
            names = [f"{dotted}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            dotted, names = "", [alias.name for alias in node.names]
        else:
            continue
        for name in [dotted, *names]:
            if name.startswith("skgan"):
                path = _module_path(name)
                if path is not None:
                    yield path


def _documented_paths():
    """Every module path named in the "Where does X live" table of architecture.md."""
    table = ARCHITECTURE.read_text().split("## Where does X live", 1)[1].split("\n## ", 1)[0]
    paths = set()
    for row in table.splitlines():
        if not row.startswith("|"):
            continue
        directory = None
        for token in re.findall(r"`([^`]+)`", row.rsplit("|", 2)[-2]):
            if token.startswith("skgan/") and token.endswith("/"):
                directory = token
                paths.add(directory + "__init__.py")
            elif token.startswith("skgan/") and token.endswith(".py"):
                paths.add(token)
            elif token.endswith(".py") and directory is not None:
                paths.add(directory + token)
    return paths


def test_top_level_keeps_at_most_16_modules():
    top_level = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top_level) <= 16, top_level


def test_architecture_doc_names_every_module_and_only_existing_ones():
    documented = _documented_paths()
    package_inits = {path for path in _modules()
                     if path.endswith("/__init__.py") and path != "skgan/__init__.py"}
    undocumented = set(_modules()) - documented - package_inits
    missing = {path for path in documented if not (ROOT / path).exists()}
    assert not undocumented, f"modules missing from docs/architecture.md: {undocumented}"
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


@pytest.mark.parametrize("module_path", _modules())
def test_modules_import_only_from_their_layer_or_below(module_path):
    rank = _layer(module_path)
    upward = [imported for imported in _imported_modules(module_path)
              if _layer(imported) > rank]
    assert not upward, f"{module_path} ({LAYERS[rank][0]}) imports from above: {upward}"


TOP_LEVEL_ENTRIES = {".ci", ".gitignore", "README.md", "benchmarks", "docs", "pyproject.toml",
                     "setup.cfg", "skgan", "tests"}


def test_repository_top_level_tracks_only_the_project_files():
    """Scratch files a run leaves in the working folder (CSV, Parquet, pid files) stay out."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "ls-files", "--cached"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    tracked = {line.split("/", 1)[0] for line in listed if line}
    assert tracked <= TOP_LEVEL_ENTRIES, sorted(tracked - TOP_LEVEL_ENTRIES)
