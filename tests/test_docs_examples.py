"""Every ```python example of README.md and docs/*.md runs, as written.

Each fenced ``python`` block is one test case, named after its file and the line of its
opening fence (``docs/resampling.md:11``). A page's blocks run in order in one namespace,
as a reader would type them into one session, inside a temporary working directory
holding the files the examples read: ``customers.csv`` and ``holdout.csv`` (a small
mixed table as users have them: floats, integers, text that ``pd.read_csv`` reads as
``object``/``str``, dates, booleans, a few missing values) and a stand-in for the FID
Inception weights. Names an example takes for granted ("your" ``X``, ``y_train``,
``holdout``) are defined beforehand by the page's entry in ``SETUP`` (what sphinx calls
``testsetup``); only those names reach the page's namespace, so an example that forgets
an import still fails.

Blocks written as doctests (``>>>`` prompts) are checked with :mod:`doctest`, output
included; other blocks only have to run. A grid search whose fits or scores fail (which
scikit-learn turns into NaN scores and a warning) fails the test. An HTML comment on
the line before the fence, ``<!-- skip: needs a CUDA GPU -->``, skips the block with
that reason.

Training is shortened without editing the examples: every fit runs at most
``MAX_STEPS`` mini-batch steps, or one epoch where an epoch has more
(``epochs="auto"`` and an explicit ``epochs=300`` alike); ``n_jobs`` runs in threads
(so the cap reaches a grid search's workers), torch and OpenMP use one thread per
worker, and matplotlib draws off-screen.
"""

import doctest
import io
import math
import re
import shutil
import textwrap
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from skgan import ConditionalGAN, CycleGANTransformer, GANSampler, WGANSampler

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: Mini-batch steps a fit may run here (summed over its epochs; at least one epoch).
MAX_STEPS = 10

#: What each page takes for granted: code run before its first block, and the names it
#: hands to the page's namespace (nothing else: no imports leak into the examples).
SETUP = {
    "docs/conditional.md": (
        """
        import pandas as pd
        customers = pd.read_csv("customers.csv", parse_dates=["signup"])
        X_train, y_train = customers.drop(columns="plan"), customers["plan"]
        """,
        ["X_train", "y_train"],
    ),
    "docs/metrics.md": (
        """
        import pandas as pd
        X = pd.read_csv("customers.csv", parse_dates=["signup"])
        """,
        ["X"],
    ),
    "docs/resampling.md": (
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split
        customers = pd.read_csv("customers.csv")
        X = customers.drop(columns=["churned", "signup"])   # text columns: object / str
        y = customers["churned"]                             # about one row in six True
        X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y,
                                                            random_state=0)
        """,
        ["X", "y", "X_train", "X_test", "y_train", "y_test"],
    ),
}


# ---------------------------------------------------------------------- the examples
@dataclass
class Example:
    path: str  # as in the test id: relative to the repository root
    line: int  # of the opening fence, 1-based
    source: str
    skip_reason: str | None = None

    @property
    def id(self):
        return f"{self.path}:{self.line}"

    @property
    def is_doctest(self):
        return self.source.lstrip().startswith(">>>")


_OPENING = re.compile(r"^\s*```python\s*$")
_CLOSING = re.compile(r"^\s*```\s*$")
_SKIP = re.compile(r"^\s*<!--\s*skip:\s*(?P<reason>.*?)\s*-->\s*$")


def extract_examples(text, path):
    """The ```python blocks of Markdown ``text`` (the file ``path``), in order."""
    lines = text.splitlines()
    examples, index = [], 0
    while index < len(lines):
        if not _OPENING.match(lines[index]):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not _CLOSING.match(lines[end]):
            end += 1
        if end == len(lines):
            raise ValueError(f"{path}:{index + 1}: ```python block is never closed")
        skip = _SKIP.match(lines[index - 1]) if index else None
        examples.append(Example(
            path=path,
            line=index + 1,
            source=textwrap.dedent("\n".join(lines[index + 1:end])) + "\n",
            skip_reason=skip.group("reason") if skip else None,
        ))
        index = end + 1
    return examples


EXAMPLES = [
    example
    for path in DOC_FILES
    for example in extract_examples(path.read_text(encoding="utf-8"),
                                    path.relative_to(ROOT).as_posix())
]


def test_examples_are_found():
    # a renamed folder or fence must not leave the parametrized test below empty
    assert len(EXAMPLES) >= 20
    assert {example.path for example in EXAMPLES} >= {
        "README.md", "docs/tabular.md", "docs/resampling.md", "docs/user_guide.md"}
    assert all("```" not in example.source for example in EXAMPLES)
    assert set(SETUP) <= {example.path for example in EXAMPLES}


def test_extraction_reads_lines_skips_and_only_python():
    text = "\n".join([
        "# Page",                                  # 1
        "```bash",                                 # 2
        "skgan demo",                              # 3
        "```",                                     # 4
        "```python",                               # 5
        "x = 1",                                   # 6
        "```",                                     # 7
        "<!-- skip: needs a CUDA GPU -->",         # 8
        "```python",                               # 9
        "GANSampler(device='cuda').fit(x)",        # 10
        "```",                                     # 11
        "- a list item:",                          # 12
        "  ```python",                             # 13
        "  >>> 1 + 1",                             # 14
        "  2",                                     # 15
        "  ```",                                   # 16
    ])
    first, second, third = extract_examples(text, "docs/page.md")
    assert (first.id, first.source, first.skip_reason) == ("docs/page.md:5", "x = 1\n", None)
    assert (second.line, second.skip_reason) == (9, "needs a CUDA GPU")
    assert third.line == 13 and third.is_doctest and third.source == ">>> 1 + 1\n2\n"
    with pytest.raises(ValueError, match="never closed"):
        extract_examples("```python\nx = 1\n", "docs/page.md")


# ---------------------------------------------------------------------- the data files
def customers_table(n_rows, seed):
    """A customer table as users export it: every common column kind, some blanks."""
    rng = np.random.RandomState(seed)
    plan = rng.choice(["basic", "pro", "enterprise"], size=n_rows, p=[0.6, 0.3, 0.1])
    base_charge = pd.Series(plan).map({"basic": 29.0, "pro": 59.0, "enterprise": 149.0})
    region = rng.choice(["north", "south", "east", "west"], size=n_rows).astype(object)
    region[rng.rand(n_rows) < 0.05] = None
    income = np.round(rng.lognormal(10.8, 0.4, size=n_rows), -2)
    income[rng.rand(n_rows) < 0.08] = np.nan
    support_calls = rng.poisson(1.5, size=n_rows)
    churn_odds = np.exp(-2.3 + 0.45 * support_calls - 0.8 * (plan == "enterprise"))
    signup = pd.Timestamp("2021-01-01") + pd.to_timedelta(
        rng.randint(0, 3 * 365, size=n_rows), unit="D")
    return pd.DataFrame({
        "customer_id": 10_000 + rng.permutation(n_rows),
        "age": rng.randint(18, 80, size=n_rows),
        "income": income,
        "plan": plan,
        "region": region,
        "monthly_charges": np.round(base_charge + rng.normal(0, 6, size=n_rows), 2),
        "support_calls": support_calls,
        "signup": signup.strftime("%Y-%m-%d"),
        "churned": rng.rand(n_rows) < churn_odds / (1 + churn_odds),
    })


def write_customers(path):
    customers_table(300, seed=0).to_csv(path, index=False)


def write_holdout(path):
    customers_table(100, seed=1).to_csv(path, index=False)


def write_inception_stand_in(path):
    # random weights in the layout of the real file, as tests/test_inception.py uses:
    # the real file cannot be downloaded here, and the example only loads it
    import torch
    from skgan.metrics.inception import FIDInceptionV3

    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.random.fork_rng():
        torch.save(FIDInceptionV3().state_dict(), path)


#: Files the examples read, by name (relative to the working directory), and how to
#: write them; a page gets those that its examples or its setup mention.
DATA_FILES = {
    "customers.csv": write_customers,
    "holdout.csv": write_holdout,
    "weights/pt_inception-2015-12-05-6726825d.pth": write_inception_stand_in,
}


def test_customers_csv_reads_like_a_users_table(tmp_path):
    write_customers(tmp_path / "customers.csv")
    table = pd.read_csv(tmp_path / "customers.csv")
    kinds = {name: str(dtype) for name, dtype in table.dtypes.items()}
    assert kinds["plan"] in ("object", "str") and kinds["region"] in ("object", "str")
    assert kinds["signup"] in ("object", "str")
    assert kinds["age"] == "int64" and kinds["income"] == "float64"
    assert kinds["churned"] == "bool" and 0.05 < table["churned"].mean() < 0.35
    assert table["income"].isna().any() and table["region"].isna().any()
    assert set(table["plan"]) == {"basic", "pro", "enterprise"}
    signup = pd.read_csv(tmp_path / "customers.csv", parse_dates=["signup"])["signup"]
    assert signup.dtype.kind == "M"


# ---------------------------------------------------------------------- running them
@dataclass
class PageRun:
    """One page's namespace and working directory, shared by its blocks in order."""

    examples: list
    workdir: Path
    setup: str  # "" once it has run
    exported: list
    namespace: dict = field(
        default_factory=lambda: {"__name__": "__main__", "__builtins__": __builtins__})
    next_index: int = 0
    outcomes: dict = field(default_factory=dict)  # id: None (ran) or its exception


_PAGES: dict = {}


def _page_run(path, tmp_path_factory):
    """The page's run, created on first use: its directory with its data files."""
    if path not in _PAGES:
        examples = [example for example in EXAMPLES if example.path == path]
        setup, exported = SETUP.get(path, ("", []))
        workdir = tmp_path_factory.mktemp(re.sub(r"\W", "_", path))
        text = setup + "".join(example.source for example in examples)
        for name, write in DATA_FILES.items():
            if name in text:
                write(workdir / name)
        _PAGES[path] = PageRun(examples=examples, workdir=workdir, setup=setup,
                               exported=exported)
    return _PAGES[path]


def _run_setup(run):
    """The page's setup, in the page's directory; only its exported names are kept."""
    scratch = {"__name__": "__main__"}
    code = compile(textwrap.dedent(run.setup), f"<setup of {run.examples[0].path}>", "exec")
    exec(code, scratch)
    run.namespace.update({name: scratch[name] for name in run.exported})
    run.setup = ""


def _execute(example, namespace):
    """Run one block in ``namespace``; tracebacks point at the Markdown file's lines."""
    filename = str(ROOT / example.path)
    if example.is_doctest:
        test = doctest.DocTestParser().get_doctest(
            example.source, namespace, example.id, filename, example.line)
        report = io.StringIO()
        runner = doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, out=report.write, clear_globs=False)
        if runner.failures:
            pytest.fail(f"doctest of {example.id} failed:\n{report.getvalue()}",
                        pytrace=False)
        return
    padded = "\n" * example.line + example.source  # the .md file's line numbers
    exec(compile(padded, filename, "exec"), namespace)


def _run_up_to(run, example):
    """Run the page's blocks up to ``example``: those before it unreported."""
    position = run.examples.index(example)
    while run.next_index <= position:
        block = run.examples[run.next_index]
        run.next_index += 1
        if block.skip_reason is not None:
            continue
        try:
            if block is example:
                _execute(block, run.namespace)
            else:
                with redirect_stdout(io.StringIO()):
                    _execute(block, run.namespace)
        except (Exception, pytest.fail.Exception) as error:
            run.outcomes[block.id] = error
        else:
            run.outcomes[block.id] = None
    if run.next_index == len(run.examples) and run.namespace:  # the page is done
        run.namespace.clear()
        shutil.rmtree(run.workdir, ignore_errors=True)  # e.g. 95 MB of stand-in weights


def _report(run, example):
    """Raise ``example``'s error, if it had one, naming the other failures of its page."""
    error = run.outcomes[example.id]
    if error is not None:
        failed_before = [name for name, outcome in run.outcomes.items()
                         if outcome is not None and name != example.id]
        if failed_before:
            print(f"other examples of {example.path} failed: {', '.join(failed_before)}")
        raise error


@pytest.fixture
def short_training(monkeypatch):
    """Every fit runs at most MAX_STEPS steps (or one epoch); restored after the test.

    ``_epochs_for(n_rows)`` is where every estimator decides how many epochs a fit
    runs (``epochs="auto"`` or an integer, also each start of ``n_init``), so capping
    it there shortens every fit the examples start, however they name ``epochs``.
    """
    owners = {cls for estimator in (GANSampler, WGANSampler, ConditionalGAN,
                                    CycleGANTransformer)
              for cls in estimator.__mro__ if "_epochs_for" in vars(cls)}
    assert owners, "no _epochs_for to cap: follow skgan's rename here"
    for cls in owners:
        monkeypatch.setattr(cls, "_epochs_for", _capped(vars(cls)["_epochs_for"]))


def _capped(epochs_for):
    def capped_epochs_for(self, n_rows):
        steps_per_epoch = max(1, n_rows // self._batch_size_for(n_rows))
        return min(epochs_for(self, n_rows), math.ceil(MAX_STEPS / steps_per_epoch))
    return capped_epochs_for


@pytest.fixture
def one_thread_per_worker():
    """torch and OpenMP on one thread each, restored after the test.

    Beside other work on a 2-core machine, torch's default of one thread per core
    makes its threads wait on each other: a 15-step fit of the signals page took
    30-40 s instead of 4. ``n_jobs=2`` still uses both cores, a thread per worker.
    """
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture
def offscreen_plots():
    try:
        import matplotlib
    except ImportError:  # the plotting examples then fail, naming skgan[plots]
        yield
        return
    backend = matplotlib.get_backend()
    matplotlib.use("Agg", force=True)
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
    if backend.lower() != "agg":
        try:
            matplotlib.use(backend, force=True)
        except ImportError:
            pass


def _threads_for_n_jobs():
    # n_jobs=2 in an example: threads, so that the training cap reaches the workers
    # (loky's worker processes would import skgan afresh, without it)
    if hasattr(joblib, "parallel_config"):
        return joblib.parallel_config(backend="threading")
    return joblib.parallel_backend("threading")


# A grid search or cross-validation whose fits or scores fail carries on with NaN
# scores and a warning: for an example, that is a failure.
@pytest.mark.filterwarnings("error::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("error:Scoring failed:UserWarning")
@pytest.mark.filterwarnings("error:One or more of the test scores are non-finite:UserWarning")
@pytest.mark.parametrize("example", EXAMPLES, ids=[example.id for example in EXAMPLES])
def test_example_runs(example, tmp_path_factory, short_training, one_thread_per_worker,
                      offscreen_plots, monkeypatch):
    if example.skip_reason is not None:
        pytest.skip(example.skip_reason)
    run = _page_run(example.path, tmp_path_factory)
    if example.id not in run.outcomes:  # not yet run as an earlier block of another test
        monkeypatch.chdir(run.workdir)
        if run.setup:
            _run_setup(run)
        with _threads_for_n_jobs():
            _run_up_to(run, example)
    _report(run, example)
