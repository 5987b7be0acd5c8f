import gzip
import io
import os
import pickle
import re
import runpy
import signal
import sys
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

import skgan
from skgan import GANSampler, cli


# Tables and models are read, never changed, by the tests: one of each per module.
@pytest.fixture(scope="module")
def numeric_csv(tmp_path_factory):
    rng = np.random.RandomState(0)
    n = 200
    x = rng.normal(size=n)
    path = tmp_path_factory.mktemp("numeric") / "data.csv"
    pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=n), "k": rng.randint(0, 5, n)}).to_csv(
        path, index=False
    )
    return path


@pytest.fixture(scope="module")
def mixed_csv(tmp_path_factory):
    rng = np.random.RandomState(0)
    n = 200
    income = rng.lognormal(3, 0.5, n).round(2)
    income[::10] = np.nan
    path = tmp_path_factory.mktemp("mixed") / "mixed.csv"
    pd.DataFrame({
        "income": income,
        "age": rng.randint(18, 90, n),
        "city": rng.choice(["Lyon", "Oslo", "Pune"], n),
        "member": rng.rand(n) > 0.3,
        "joined": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.randint(0, 900, n), unit="D"),
    }).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted_model(numeric_csv):
    path = numeric_csv.with_name("model.skgan")
    assert _fit(numeric_csv, path) == 0
    return path


@pytest.fixture(scope="module")
def mixed_model(mixed_csv):
    # needs the tabular adapter
    path = mixed_csv.with_name("mixed.skgan")
    assert _fit(mixed_csv, path) == 0
    return path


def _fit(data, model, *options):
    return cli.main(["fit", str(data), "-o", str(model), "--epochs", "2", "--quiet",
                     "--random-state", "0", *options])


def _one_error_line(capsys):
    """The single stderr line of a failed command (and that there is no traceback)."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("skgan: error: ")
    assert "Traceback" not in err
    return lines[0]


def test_fit_sample_report_round_trip(numeric_csv, tmp_path, capsys):
    model, synthetic = tmp_path / "model.skgan", tmp_path / "synthetic.csv"
    assert _fit(numeric_csv, model) == 0
    captured = capsys.readouterr()
    assert "GANSampler fitted on 200 rows x 3 columns" in captured.out
    assert captured.err == ""  # --quiet: no progress bar
    assert model.exists()

    assert cli.main(["sample", str(model), "-n", "150", "-o", str(synthetic)]) == 0
    assert f"wrote 150 rows x 3 columns to {synthetic}" in capsys.readouterr().out
    table = pd.read_csv(synthetic)
    assert list(table.columns) == ["x", "y", "k"] and len(table) == 150
    assert table["k"].dtype == np.int64

    assert cli.main(["report", str(numeric_csv), str(synthetic), "--target", "k"]) == 0
    out = capsys.readouterr().out
    for heading in ("Overall quality score", "Column shapes", "Weakest pair trends",
                    "ML efficacy: predicting 'k'"):
        assert heading in out


def test_fit_options_reach_the_estimator_and_a_progress_bar_shows(numeric_csv, tmp_path,
                                                                  capsys):
    model = tmp_path / "model.skgan"
    assert cli.main(["fit", str(numeric_csv), "-o", str(model), "--estimator", "wgan",
                     "--epochs", "2", "--batch-size", "64", "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    assert "WGANSampler fitted" in captured.out
    assert "WGANSampler:" in captured.err and "step/s" in captured.err  # the progress bar
    estimator = skgan.load(model)
    assert (estimator.epochs, estimator.batch_size, estimator.device) == (2, 64, "cpu")
    assert len(estimator.history_["epoch"]) == 2


def test_sample_writes_to_stdout(fitted_model, capsys):
    for output in ([], ["-o", "-"]):
        assert cli.main(["sample", str(fitted_model), "-n", "7", *output]) == 0
        table = pd.read_csv(io.StringIO(capsys.readouterr().out))
        assert table.shape == (7, 3)


def test_sample_random_state_repeats_rows(fitted_model, capsys):
    outputs = []
    for _ in range(2):
        assert cli.main(["sample", str(fitted_model), "-n", "5", "--random-state", "3"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def test_sample_truncation_gives_the_models_truncated_rows(fitted_model, capsys):
    assert cli.main(["sample", str(fitted_model), "-n", "6", "--random-state", "2",
                     "--truncation", "0.5"]) == 0
    written = pd.read_csv(io.StringIO(capsys.readouterr().out))
    expected = skgan.load(fitted_model).sample(6, random_state=2, truncation=0.5)
    pd.testing.assert_frame_equal(written, expected.reset_index(drop=True),
                                  check_dtype=False, atol=1e-6)
    assert cli.main(["sample", str(fitted_model), "-n", "6", "--truncation", "0"]) == 2
    assert "positive number" in capsys.readouterr().err


def test_sample_zero_rows_writes_the_header(fitted_model, capsys):
    assert cli.main(["sample", str(fitted_model), "-n", "0"]) == 0
    assert capsys.readouterr().out.strip() == "x,y,k"


def test_report_with_a_holdout(numeric_csv, tmp_path, capsys):
    holdout = tmp_path / "holdout.csv"
    pd.read_csv(numeric_csv).iloc[:40].to_csv(holdout, index=False)
    assert cli.main(["report", str(numeric_csv), str(numeric_csv), "--target", "k",
                     "--holdout", str(holdout), "--pairs", "1"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "Overall quality score: 1.000" in out
    assert "tested on 40 real rows (the holdout rows)" in out
    assert "Weakest pair trends (1 of 3)" in out
    # these held-out rows are training rows: the privacy section would read as no leak
    assert "warning: 100% of the held-out rows are rows of the training table" in (
        captured.err)


def test_report_with_a_holdout_has_a_privacy_section(numeric_csv, tmp_path, capsys):
    table = pd.read_csv(numeric_csv)
    real, holdout = tmp_path / "real.csv", tmp_path / "holdout.csv"
    table.iloc[40:].to_csv(real, index=False)
    table.iloc[:40].to_csv(holdout, index=False)
    assert cli.main(["report", str(real), str(real), "--target", "k",
                     "--holdout", str(holdout)]) == 0
    out = capsys.readouterr().out
    # the synthetic table is the real one: every row copies a training row
    privacy = out[out.index("Privacy:"):]
    copies = next(line for line in privacy.splitlines()
                  if line.startswith("exact matches with training rows"))
    assert copies.split()[-2:] == ["1.000", "0.000"]  # synthetic, held-out real
    # the privacy section needs no target (it said "give a target too" and stopped)
    assert cli.main(["report", str(real), str(real), "--holdout", str(holdout)]) == 0
    captured = capsys.readouterr()
    assert "Privacy:" in captured.out
    assert "held-out rows are rows of the training table" not in captured.err
    # too few held-out rows: one error line and no half report on stdout
    table.iloc[:1].to_csv(holdout, index=False)
    assert cli.main(["report", str(real), str(real), "--holdout", str(holdout)]) == 1
    assert capsys.readouterr().out == ""


def test_help_describes_each_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("fit", "sample", "report", "demo"):
        assert command in out
    assert cli.main(["sample", "--help"]) == 0
    assert "--condition COLUMN=VALUE" in capsys.readouterr().out


def test_demo_reports_quality_figures(capsys, monkeypatch):
    monkeypatch.setattr(GANSampler, "_auto_rows", 50 * 128)
    # the C2ST classifier's OpenMP threads crawl on a busy machine: one thread is faster
    with threadpool_limits(limits=1, user_api="openmp"):
        assert cli.main(["demo", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "GANSampler: fit" in out
    assert "C2ST accuracy" in out and "MMD" in out
    assert "Overall quality score" in out and "ML efficacy: predicting 'wage'" in out


# ---------------------------------------------------------------------- mixed tables
# These need the tabular adapter (mixed-type DataFrames in fit and sample).
def test_mixed_table_round_trip(mixed_csv, mixed_model, tmp_path, capsys):
    synthetic = tmp_path / "synthetic.csv"
    assert cli.main(["sample", str(mixed_model), "-n", "100", "-o", str(synthetic)]) == 0
    real, generated = cli.read_table(mixed_csv), cli.read_table(synthetic)
    assert list(generated.columns) == list(real.columns)
    assert generated["joined"].dtype.kind == "M" and generated["member"].dtype == bool
    assert set(generated["city"].dropna()) <= {"Lyon", "Oslo", "Pune"}
    assert cli.main(["report", str(mixed_csv), str(synthetic), "--target", "city"]) == 0
    out = capsys.readouterr().out
    assert all(kind in out for kind in ("numerical", "categorical", "boolean", "datetime"))


def test_sample_with_conditions(mixed_model, capsys):
    model = mixed_model
    assert cli.main(["sample", str(model), "-n", "20", "--condition", "city=Oslo",
                     "--condition", "member=false"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert (table["city"] == "Oslo").all() and not table["member"].any()
    assert cli.main(["sample", str(model), "-n", "5", "--condition", "member=maybe"]) == 1
    assert "'maybe' is not a value of column 'member'" in _one_error_line(capsys)


def test_conditions_on_booleans_with_blanks_and_whole_numbers_written_as_floats(
        tmp_path, capsys):
    # pandas reads a column of True/False with blanks as Python objects; the spellings
    # docs/cli.md gives for booleans still find its levels. An integer column takes
    # 3.0 for 3.
    rng = np.random.RandomState(0)
    data = tmp_path / "paid.csv"
    paid = rng.choice(["True", "False", ""], 120)
    pd.DataFrame({"paid": paid, "code": rng.randint(1, 4, 120),
                  "amount": rng.lognormal(2, 0.5, 120).round(2)}).to_csv(data, index=False)
    model = tmp_path / "paid.skgan"
    assert _fit(data, model, "--discrete", "code") == 0
    capsys.readouterr()
    for spelling, wanted in [("true", True), ("True", True), ("yes", True), ("1", True),
                             ("no", False), ("False", False)]:
        assert cli.main(["sample", str(model), "-n", "10", "--random-state", "0",
                         "--condition", f"paid={spelling}"]) == 0
        table = pd.read_csv(io.StringIO(capsys.readouterr().out))
        assert (table["paid"] == wanted).all(), spelling
    assert cli.main(["sample", str(model), "-n", "10", "--condition", "code=3.0"]) == 0
    assert (pd.read_csv(io.StringIO(capsys.readouterr().out))["code"] == 3).all()
    assert cli.main(["sample", str(model), "-n", "5", "--condition", "code=3.5"]) == 1
    assert "'3.5' is not a value of column 'code'" in _one_error_line(capsys)


@pytest.mark.parametrize("separator", [";", "\t"])
def test_csv_files_separated_by_semicolons_or_tabs_are_read_as_columns(separator, tmp_path,
                                                                       capsys):
    # Read with commas, a semicolon file was one column of whole rows, and every
    # sampled row was a copied training row.
    rng = np.random.RandomState(0)
    table = pd.DataFrame({"x": rng.normal(size=60).round(3), "city": rng.choice(
        ["Oslo", "Lyon"], 60)})
    data = tmp_path / "semi.csv"
    table.to_csv(data, index=False, sep=separator)
    assert cli.read_table(data).columns.tolist() == ["x", "city"]
    model = tmp_path / "semi.skgan"
    assert _fit(data, model) == 0
    capsys.readouterr()
    assert cli.main(["sample", str(model), "-n", "5", "--random-state", "0"]) == 0
    sampled = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert sampled.columns.tolist() == ["x", "city"] and set(sampled["city"]) <= {"Oslo", "Lyon"}


def test_report_compares_parquet_dates_with_the_same_dates_in_csv(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    rng = np.random.RandomState(0)
    table = pd.DataFrame({"x": rng.normal(size=100), "day": (pd.Timestamp("2020-01-01") + (
        pd.to_timedelta(rng.randint(0, 30, 100), "D"))).date})
    table.loc[::10, "day"] = None
    table.to_parquet(tmp_path / "real.parquet")
    table.to_csv(tmp_path / "same.csv", index=False)
    for real, synthetic in [("real.parquet", "same.csv"), ("same.csv", "real.parquet")]:
        assert cli.main(["report", str(tmp_path / real), str(tmp_path / synthetic)]) == 0
        assert "Overall quality score: 1.000" in capsys.readouterr().out, (real, synthetic)


def test_discrete_and_continuous_options_decide_column_kinds(mixed_csv, tmp_path, capsys):
    model_path = tmp_path / "kinds.skgan"
    assert _fit(mixed_csv, model_path, "--discrete", "age", "--continuous", "income") == 0
    capsys.readouterr()
    # age is discrete now, so it can be conditioned on, and only seen ages come out
    assert cli.main(["sample", str(model_path), "-n", "30", "--condition", "age=40"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert (table["age"] == 40).all()


def test_min_frequency_option_reaches_the_adapter(tmp_path, capsys):
    rng = np.random.RandomState(0)
    data = tmp_path / "states.csv"
    pd.DataFrame({"state": [f"S{k}" for k in rng.permutation(np.repeat(np.arange(40), 5))],
                  "amount": rng.normal(size=200)}).to_csv(data, index=False)
    model_path = tmp_path / "model.skgan"
    widths = {}
    for setting in ("10", "0"):  # 5 rows a level: all pooled, or none
        assert _fit(data, model_path, "--min-frequency", setting) == 0
        adapter = skgan.load(model_path).adapter_
        widths[setting] = adapter.column_encoders_[0].block_widths[0]
    assert widths == {"10": 1, "0": 40}
    assert _fit(data, model_path, "--min-frequency", "-1") == 2
    assert "--min-frequency" in capsys.readouterr().err


def test_max_condition_levels_option_reaches_the_adapter(mixed_csv, tmp_path, capsys):
    import skgan

    model_path = tmp_path / "levels.skgan"
    assert _fit(mixed_csv, model_path, "--max-condition-levels", "1") == 0
    adapter = skgan.load(model_path).adapter_
    assert adapter.max_condition_levels == 1 and adapter.condition_blocks_ == []
    assert _fit(mixed_csv, model_path, "--max-condition-levels", "0") == 2
    assert "--max-condition-levels" in capsys.readouterr().err


def test_condition_on_a_continuous_column_names_the_option(mixed_csv, tmp_path, capsys):
    model_path = tmp_path / "continuous.skgan"
    assert _fit(mixed_csv, model_path, "--continuous", "age") == 0
    capsys.readouterr()
    assert cli.main(["sample", str(model_path), "-n", "3", "--condition", "age=40"]) == 1
    assert "--discrete" in _one_error_line(capsys)


def test_unknown_column_kind_option_exits_1_with_one_line(mixed_csv, tmp_path, capsys):
    assert _fit(mixed_csv, tmp_path / "m.skgan", "--discrete", "nope") == 1
    assert "discrete_columns names columns not in the data: ['nope']" in _one_error_line(capsys)


def test_datetimes_are_written_back_in_the_format_they_were_read_in(tmp_path, capsys):
    rng = np.random.RandomState(0)
    stamps = pd.Timestamp("2013-05-17T18:00:00Z") + pd.to_timedelta(
        rng.randint(0, 10**7, 120), unit="s")
    data = tmp_path / "stops.csv"
    pd.DataFrame({
        "stopped": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "day": (stamps.normalize() + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
        "minutes": rng.gamma(2.0, 5.0, 120).round(1),
    }).to_csv(data, index=False)
    model_path = tmp_path / "stops.skgan"
    assert _fit(data, model_path) == 0
    capsys.readouterr()
    assert cli.main(["sample", str(model_path), "-n", "20", "--random-state", "0"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert table["stopped"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert table["day"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()


def test_pickled_models_of_earlier_versions_are_refused_and_convert(fitted_model, tmp_path,
                                                                    capsys):
    model = skgan.load(fitted_model)
    del model._cli_datetime_formats  # as earlier versions pickled it
    old, new = tmp_path / "old.pkl", tmp_path / "new.skgan"
    old.write_bytes(pickle.dumps(model))
    assert cli.main(["sample", str(old), "-n", "4"]) == 1
    assert "is a pickle" in capsys.readouterr().err
    assert cli.main(["convert", str(old), str(new)]) == 1
    assert "--trust-pickle" in capsys.readouterr().err and not new.exists()
    assert cli.main(["convert", str(old), str(new), "--trust-pickle"]) == 0
    assert "converted GANSampler" in capsys.readouterr().out
    assert cli.main(["sample", str(new), "-n", "4", "--random-state", "1"]) == 0
    converted = capsys.readouterr().out
    assert cli.main(["sample", str(fitted_model), "-n", "4", "--random-state", "1"]) == 0
    assert capsys.readouterr().out == converted


def test_fit_writes_the_safe_format(fitted_model):
    with zipfile.ZipFile(fitted_model) as archive:
        assert sorted(archive.namelist()) == [
            "arrays.safetensors", "skgan.json", "tensors.safetensors"]


# ---------------------------------------------------------------------- parquet
@pytest.fixture(scope="module")
def mixed_parquet(tmp_path_factory):
    """A table of the types Parquet keeps and CSV loses."""
    rng = np.random.RandomState(1)
    n = 200
    path = tmp_path_factory.mktemp("parquet") / "mixed.parquet"
    pd.DataFrame({
        "income": np.where(rng.rand(n) < 0.1, np.nan, rng.lognormal(3, 0.5, n).round(2)),
        "age": pd.array(np.where(rng.rand(n) < 0.1, None, rng.randint(18, 90, n)),
                        dtype="Int64"),
        "city": pd.Categorical(rng.choice(["Lyon", "Oslo", "Pune"], n),
                               categories=["Pune", "Oslo", "Lyon"]),
        "plan": pd.array(rng.choice(["basic", "plus", None], n), dtype="string"),
        "member": rng.rand(n) > 0.3,
        "joined": pd.Timestamp("2020-01-01", tz="Europe/Oslo")
        + pd.to_timedelta(rng.randint(0, 900 * 24, n), unit="h"),
        "waited": pd.to_timedelta(rng.randint(0, 10**6, n), unit="s"),
    }).to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def parquet_model(mixed_parquet):
    path = mixed_parquet.with_name("mixed.skgan")
    assert _fit(mixed_parquet, path) == 0
    return path


def test_parquet_round_trip_keeps_the_column_types(mixed_parquet, parquet_model, tmp_path,
                                                   capsys):
    capsys.readouterr()
    assert skgan.load(parquet_model)._cli_datetime_formats == {}  # no text forms
    synthetic = tmp_path / "synthetic.pq"
    assert cli.main(["sample", str(parquet_model), "-n", "120", "-o", str(synthetic),
                     "--random-state", "0"]) == 0
    assert f"wrote 120 rows x 7 columns to {synthetic}" in capsys.readouterr().out
    real, generated = pd.read_parquet(mixed_parquet), pd.read_parquet(synthetic)
    assert len(generated) == 120
    pd.testing.assert_series_equal(generated.dtypes, real.dtypes)
    assert list(generated["city"].cat.categories) == ["Pune", "Oslo", "Lyon"]

    as_csv = tmp_path / "synthetic.csv"
    assert cli.main(["sample", str(parquet_model), "-n", "120", "-o", str(as_csv),
                     "--random-state", "0"]) == 0
    written = cli.read_table(as_csv)["joined"]  # text: CSV holds offsets, not zones
    assert pd.to_datetime(written, utc=True).tolist() == generated["joined"].tolist()

    assert cli.main(["report", str(mixed_parquet), str(synthetic), "--target", "city"]) == 0
    out = capsys.readouterr().out
    assert "ML efficacy: predicting 'city'" in out
    assert all(kind in out for kind in ("numerical", "categorical", "boolean", "datetime"))


def test_fit_reads_parquet_as_it_reads_the_same_csv(numeric_csv, tmp_path, capsys):
    table = pd.read_parquet(_as_parquet(numeric_csv, tmp_path))
    pd.testing.assert_frame_equal(table, cli.read_table(numeric_csv))
    assert _fit(tmp_path / "data.parquet", tmp_path / "model.skgan") == 0
    assert "GANSampler fitted on 200 rows x 3 columns" in capsys.readouterr().out


def _as_parquet(csv_path, folder):
    path = folder / "data.parquet"
    pd.read_csv(csv_path).to_parquet(path, index=False)
    return path


def test_parquet_without_pyarrow_names_the_extra(mixed_parquet, fitted_model, tmp_path,
                                                 capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow fails
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    extra = "pip install 'skgan[parquet]'"
    with pytest.raises(ImportError, match=re.escape(extra)):
        cli.read_table(mixed_parquet)
    assert _fit(mixed_parquet, tmp_path / "model.skgan") == 1
    assert extra in _one_error_line(capsys)
    assert cli.main(["sample", str(fitted_model), "-n", "5", "-o",
                     str(tmp_path / "out.parquet")]) == 1
    assert extra in _one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []
    assert cli.main(["sample", str(fitted_model), "-n", "5", "-o",
                     str(tmp_path / "out.csv")]) == 0  # CSV needs no pyarrow


@pytest.mark.parametrize(
    "content, message",
    [(b"", "is not a readable Parquet file"),
     (b"x,y\n1,2\n", "is not a readable Parquet file"),
     (pd.DataFrame({"x": pd.Series([], dtype=float)}), "has no rows")],
    ids=["empty", "csv", "no-rows"],
)
def test_unreadable_parquet_tables_exit_1_with_one_line(content, message, tmp_path, capsys):
    data = tmp_path / "data.parquet"
    if isinstance(content, pd.DataFrame):
        content.to_parquet(data)
    else:
        data.write_bytes(content)
    assert _fit(data, tmp_path / "model.skgan") == 1
    assert message in _one_error_line(capsys)


# ---------------------------------------------------------------------- streaming
@pytest.mark.parametrize("name", ["out.csv", "out.parquet", "out.csv.gz"])
@pytest.mark.parametrize("random_state", [None, 4])
def test_streamed_samples_equal_the_sample_written_at_once(name, random_state, parquet_model,
                                                           tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli.commands, "SAMPLE_CHUNK_ROWS", 64)  # 300 rows: 5 chunks
    # Without --random-state the command draws a seed from the operating system.
    monkeypatch.setattr(cli.commands.secrets, "randbits", lambda bits: 11)
    streamed, at_once = tmp_path / name, tmp_path / f"at_once_{name}"
    seed = [] if random_state is None else ["--random-state", str(random_state)]
    assert cli.main(["sample", str(parquet_model), "-n", "300", "-o", str(streamed),
                     *seed]) == 0
    model, datetime_formats = cli.files.read_model_file(parquet_model)  # as loaded fresh
    cli.write_table(model.sample(300, random_state=11 if random_state is None else random_state),
                    at_once, datetime_formats)
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        assert pq.ParquetFile(streamed).num_row_groups == 5
        assert pq.read_table(streamed).equals(pq.read_table(at_once))
        pd.testing.assert_frame_equal(pd.read_parquet(streamed), pd.read_parquet(at_once))
    elif name.endswith(".gz"):
        assert gzip.decompress(streamed.read_bytes()) == gzip.decompress(at_once.read_bytes())
    else:
        assert streamed.read_bytes() == at_once.read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([name, at_once.name])


def test_streamed_samples_with_conditions_and_to_stdout(mixed_model, capsys, monkeypatch):
    monkeypatch.setattr(cli.commands, "SAMPLE_CHUNK_ROWS", 7)
    argv = ["sample", str(mixed_model), "-n", "30", "--random-state", "2",
            "--condition", "city=Oslo"]
    assert cli.main(argv) == 0
    streamed = capsys.readouterr().out
    model, datetime_formats = cli.files.read_model_file(mixed_model)
    cli.write_table(model.sample(30, random_state=2, conditions={"city": "Oslo"}), None,
                    datetime_formats)
    assert streamed == capsys.readouterr().out
    assert (pd.read_csv(io.StringIO(streamed))["city"] == "Oslo").all()


def test_datetimes_keep_one_text_form_across_chunks(tmp_path):
    def times(*texts):
        return pd.to_datetime(list(texts), format="ISO8601")

    table = pd.DataFrame({
        "at": times("2021-03-01 10:30", "2021-03-02", "2021-03-03"),
        "fraction": times("2021-03-01 08:00:00.25", "2021-03-02 09:00", None),
        "zoned": times("2021-03-01 10:00:00.5", "2021-03-02", "2021-03-03").tz_localize(
            "Europe/Oslo"),
        "took": pd.to_timedelta(["1 days 02:00:00", "3 days", None]),
        "written": times("2021-03-01 10:30", "2021-03-02", None),
        "x": [1.5, 2.0, None],
    })
    chunks = [table.iloc[:1], table.iloc[1:2], table.iloc[2:]]  # later: midnights, days
    formats = {"written": "%Y-%m-%dT%H:%M"}
    cli.write_chunks(chunks, tmp_path / "chunks.csv", formats)
    cli.write_table(table, tmp_path / "at_once.csv", formats)
    assert (tmp_path / "chunks.csv").read_text() == (tmp_path / "at_once.csv").read_text()
    assert "2021-03-03 00:00:00," in (tmp_path / "chunks.csv").read_text()
    assert "2021-03-03," in table.iloc[2:].to_csv(index=False)  # what a chunk alone gives


@pytest.mark.parametrize("name", ["out.csv", "out.parquet"])
@pytest.mark.parametrize("failure, status",
                         [(RuntimeError("boom"), 1), (KeyboardInterrupt(), 130),
                          ("SIGTERM", 143)],
                         ids=["error", "ctrl-c", "sigterm"])
def test_a_failed_sample_leaves_no_partial_file(name, failure, status, fitted_model,
                                                tmp_path, capsys, monkeypatch):
    sample_chunks = GANSampler.sample_chunks

    def fail_after_a_chunk(self, n_samples, chunk_size=65536, **options):
        yield from sample_chunks(self, chunk_size, chunk_size=chunk_size, **options)
        if failure == "SIGTERM":  # as `kill` or a scheduler stops the command
            os.kill(os.getpid(), signal.SIGTERM)
        raise failure

    monkeypatch.setattr(cli.commands, "SAMPLE_CHUNK_ROWS", 10)
    monkeypatch.setattr(GANSampler, "sample_chunks", fail_after_a_chunk)
    output = tmp_path / name
    output.write_text("an older file")
    assert cli.main(["sample", str(fitted_model), "-n", "50", "-o", str(output)]) == status
    _one_error_line(capsys)
    assert list(tmp_path.iterdir()) == [output]
    assert output.read_text() == "an older file"


def test_zero_rows_to_parquet_keep_the_schema(parquet_model, tmp_path, capsys):
    output = tmp_path / "empty.parquet"
    assert cli.main(["sample", str(parquet_model), "-n", "0", "-o", str(output)]) == 0
    assert "wrote 0 rows x 7 columns" in capsys.readouterr().out
    table = pd.read_parquet(output)
    assert len(table) == 0 and table["city"].dtype == "category"


def test_codes_with_leading_zeros_are_read_and_sampled_as_text(tmp_path, capsys):
    rng = np.random.default_rng(0)
    zips = rng.choice(["02134", "00501", "10001"], 120)
    data = tmp_path / "zips.csv"
    pd.DataFrame({"zip": zips, "amount": rng.gamma(2, 10, 120).round(2)}).to_csv(data, index=False)
    model, synthetic = tmp_path / "zips.skgan", tmp_path / "zips_synthetic.csv"
    assert cli.main(["fit", str(data), "-o", str(model), "--epochs", "1", "--quiet",
                     "--random-state", "0"]) == 0
    assert cli.main(["sample", str(model), "-n", "60", "-o", str(synthetic),
                     "--random-state", "0"]) == 0
    written = pd.read_csv(synthetic, dtype=str)
    assert set(written["zip"]) <= {"02134", "00501", "10001"}
    assert pd.to_numeric(written["amount"]).notna().all()  # other numbers stay numbers


def test_whole_numbers_with_blanks_stay_whole_and_fit_minus_is_refused(tmp_path, capsys):
    data = tmp_path / "counts.csv"
    data.write_text("count,price\n" + "".join(
        f"{'' if i % 9 == 0 else i * 7},{i + 0.25}\n" for i in range(60)))
    assert cli.read_table(data)["count"].dtype == "Int64"  # not float64: 263.0
    model, synthetic = tmp_path / "counts.skgan", tmp_path / "counts_synthetic.csv"
    assert cli.main(["fit", str(data), "-o", str(model), "--epochs", "1", "--quiet",
                     "--random-state", "0"]) == 0
    assert cli.main(["sample", str(model), "-n", "40", "-o", str(synthetic),
                     "--random-state", "0"]) == 0
    counts = pd.read_csv(synthetic, dtype=str, keep_default_na=False)["count"]
    assert counts[counts != ""].str.fullmatch(r"\d+").all()
    capsys.readouterr()
    assert cli.main(["fit", str(data), "-o", "-", "--epochs", "1"]) == 1
    assert "writes a model file" in capsys.readouterr().err


def test_numbers_formatted_for_reading_are_warned_about(tmp_path, capsys):
    data = tmp_path / "sheet.csv"
    data.write_text("price,share,city\n" + "".join(
        f'"${1000 + 37 * i:,}.50",{i % 50}%,City {i % 3}\n' for i in range(40)))
    table = cli.read_table(data)
    said = capsys.readouterr().err
    assert "column 'price' holds numbers written as text" in said
    assert "column 'share' holds numbers written as text" in said
    assert "'city'" not in said and len(table) == 40


def test_a_model_with_numbered_columns_samples_to_parquet(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    table = pd.DataFrame({0: rng.normal(size=60), 1: rng.choice(["x", "y"], 60)})
    model = tmp_path / "numbered.skgan"
    skgan.save(GANSampler(epochs=1, batch_size=16, generator_dims=(8,), discriminator_dims=(8,),
                          random_state=0).fit(table), model)
    output = tmp_path / "numbered.parquet"
    assert cli.main(["sample", str(model), "-n", "20", "-o", str(output),
                     "--random-state", "0"]) == 0
    written = pd.read_parquet(output)
    assert list(written.columns) == ["0", "1"] and len(written) == 20  # as CSV names them
    assert set(written["1"]) <= {"x", "y"}


# ---------------------------------------------------------------------- --sample-rows
def _rows_fitted_on(monkeypatch):
    """The number of rows of each fit (a list that grows as GANSampler.fit is called)."""
    counts, fit = [], GANSampler.fit

    def counting_fit(self, X, *args, **kwargs):
        counts.append(len(X))
        return fit(self, X, *args, **kwargs)

    monkeypatch.setattr(GANSampler, "fit", counting_fit)
    return counts


def test_sample_rows_trains_on_a_seeded_subsample(numeric_csv, tmp_path, capsys,
                                                  monkeypatch):
    counts = _rows_fitted_on(monkeypatch)
    first, second = tmp_path / "first.skgan", tmp_path / "second.skgan"
    assert _fit(numeric_csv, first, "--sample-rows", "50") == 0
    assert "fitted on 50 of 200 rows (a random subsample) x 3 columns" in capsys.readouterr().out
    assert _fit(numeric_csv, second, "--sample-rows", "50") == 0
    assert counts == [50, 50]
    samples = [skgan.load(path).sample(20, random_state=0) for path in (first, second)]
    pd.testing.assert_frame_equal(*samples)  # same seed: same rows, same model

    table = pd.DataFrame({"x": np.arange(10)})
    rows = cli.rows.subsample_rows(table, 4, random_state=0)["x"]
    assert rows.is_monotonic_increasing and rows.is_unique and len(rows) == 4


def test_sample_rows_above_the_table_size_uses_every_row(numeric_csv, tmp_path, capsys,
                                                         monkeypatch):
    counts = _rows_fitted_on(monkeypatch)
    assert _fit(numeric_csv, tmp_path / "model.skgan", "--sample-rows", "500") == 0
    captured = capsys.readouterr()
    assert counts == [200]
    assert "GANSampler fitted on 200 rows x 3 columns" in captured.out
    assert captured.err == ("skgan: warning: --sample-rows 500 is more than the 200 rows of "
                            f"{numeric_csv}: training on all of them\n")


@pytest.mark.parametrize("value, message",
                         [("0", "must be >= 1, got 0"), ("-3", "must be >= 1, got -3"),
                          ("many", "expected an integer, got 'many'")])
def test_bad_sample_rows_exit_2_with_one_line(value, message, capsys):
    assert cli.main(["fit", "data.csv", "-o", "m.skgan", "--sample-rows", value]) == 2
    line = _one_error_line(capsys)
    assert "argument --sample-rows" in line and message in line


def test_subsample_rows_checks_its_count():
    table = pd.DataFrame({"x": range(3)})
    with pytest.raises(ValueError, match="n_rows must be >= 1, got 0"):
        cli.rows.subsample_rows(table, 0)
    with pytest.raises(TypeError, match="n_rows must be an integer, got float"):
        cli.rows.subsample_rows(table, 2.0)


# ---------------------------------------------------------------------- failures
@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "the following arguments are required: COMMAND"),
        (["transmogrify"], "invalid choice: 'transmogrify'"),
        (["fit", "data.csv"], "the following arguments are required: -o/--output"),
        (["fit", "data.csv", "-o", "m", "--bogus"], "unrecognized arguments: --bogus"),
        (["fit", "data.csv", "-o", "m", "--epochs", "0"], "must be >= 1, got 0"),
        (["fit", "data.csv", "-o", "m", "--epochs", "many"], "expected an integer or 'auto'"),
        (["fit", "data.csv", "-o", "m", "--estimator", "vae"], "invalid choice: 'vae'"),
        (["sample", "m.skgan", "-n", "-5"], "must be >= 0, got -5"),
        (["sample", "m.skgan"], "the following arguments are required: -n/--n-samples"),
        (["report", "real.csv"], "the following arguments are required: synthetic"),
    ],
    ids=["no-command", "unknown-command", "no-output", "unknown-option", "zero-epochs",
         "text-epochs", "unknown-estimator", "negative-n", "no-n", "one-table"],
)
def test_bad_command_lines_exit_2_with_one_line(argv, message, capsys):
    assert cli.main(argv) == 2
    line = _one_error_line(capsys)
    assert message in line and "--help" in line


def _write(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _saved(estimator):
    buffer = io.BytesIO()
    skgan.save(estimator, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("", "is empty"),
        ("x,y\n", "has a header but no rows"),
        ("x,y\n1,2\n3,4,5,6\n", "is not a well-formed CSV file: Error tokenizing data"),
        (b"\x80\x04\x95\xff\xfe binary", "is not UTF-8 text"),
        ("x,y\n1,2\n", "1 sample"),  # the estimator's own check, as one line
    ],
    ids=["missing", "empty", "header-only", "ragged", "binary", "one-row"],
)
def test_unreadable_training_tables_exit_1_with_one_line(content, message, tmp_path, capsys):
    data = tmp_path / "data.csv"
    if content is not None:
        _write(data, content)
    assert _fit(data, tmp_path / "model.skgan") == 1
    assert message in _one_error_line(capsys)
    assert not (tmp_path / "model.skgan").exists()


def test_directories_and_unwritable_paths(numeric_csv, tmp_path, capsys, monkeypatch):
    assert _fit(tmp_path, tmp_path / "model.skgan") == 1
    assert "is a directory, not a CSV file" in _one_error_line(capsys)
    # a bad output path is found before training, not after
    monkeypatch.setattr(GANSampler, "fit", None)
    assert _fit(numeric_csv, tmp_path / "missing" / "model.skgan") == 1
    assert "cannot write" in _one_error_line(capsys)
    assert _fit(numeric_csv, tmp_path) == 1
    assert "it is a directory" in _one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"", "is not a skgan model file"),
        ("x,y\n1,2\n", "is not a skgan model file"),
        (pickle.dumps({"weights": [1, 2]}), "is a pickle, not a skgan model file"),
        (_saved(GANSampler()), "never fitted"),
    ],
    ids=["missing", "empty", "csv", "other-pickle", "unfitted"],
)
def test_files_that_are_not_models_exit_1_with_one_line(content, message, tmp_path, capsys):
    model = tmp_path / "model.skgan"
    if content is not None:
        _write(model, content)
    assert cli.main(["sample", str(model), "-n", "3"]) == 1
    assert message in _one_error_line(capsys)


@pytest.mark.parametrize(
    "condition, message",
    [
        ("city", "--condition expects COLUMN=VALUE, got 'city'"),
        ("=3", "--condition expects COLUMN=VALUE"),
        ("nope=3", "the model has no column 'nope' (its columns: x, y, k)"),
    ],
)
def test_bad_conditions_exit_1_with_one_line(fitted_model, condition, message, capsys):
    assert cli.main(["sample", str(fitted_model), "-n", "3", "--condition", condition]) == 1
    assert message in _one_error_line(capsys)


def test_a_column_whose_name_holds_an_equals_sign_can_be_conditioned_on(tmp_path, capsys):
    rng = np.random.RandomState(0)
    data = tmp_path / "equals.csv"
    pd.DataFrame({"Total\nAmount": rng.lognormal(2, 0.5, 60).round(2),
                  "a=b": rng.choice(["k=0", "k=1"], 60), "val": rng.choice(["no", "yes"], 60),
                  "a": rng.choice(["x", "y"], 60)}).to_csv(data, index=False)
    model = tmp_path / "equals.skgan"
    assert _fit(data, model) == 0
    capsys.readouterr()
    assert cli.main(["sample", str(model), "-n", "10", "--condition", "a=b=k=1"]) == 0
    assert (pd.read_csv(io.StringIO(capsys.readouterr().out))["a=b"] == "k=1").all()
    assert cli.main(["sample", str(model), "-n", "3", "--condition", "zz=1"]) == 1
    assert "(its columns: 'Total\\nAmount', a=b, val, a)" in _one_error_line(capsys)
    assert cli.main(["sample", str(model), "-n", "3", "--condition", "a=b=q"]) == 1
    assert "is ambiguous: column 'a' = 'b=q' or column 'a=b' = 'q'" in _one_error_line(capsys)


def test_report_errors_exit_1_with_one_line(numeric_csv, tmp_path, capsys):
    other = tmp_path / "other.csv"
    pd.read_csv(numeric_csv).rename(columns={"k": "kk"}).to_csv(other, index=False)
    assert cli.main(["report", str(numeric_csv), str(other)]) == 1
    assert f"{other} does not have the columns of {numeric_csv}: lacks 'k'; has extra 'kk'" \
        in _one_error_line(capsys)
    assert cli.main(["report", str(numeric_csv), str(numeric_csv), "--holdout", str(other)]) == 1
    assert f"{other} does not have the columns of" in _one_error_line(capsys)  # the holdout
    assert cli.main(["report", str(numeric_csv), str(numeric_csv), "--target", "z"]) == 1
    assert "has no column 'z'" in _one_error_line(capsys)
    assert cli.main(["report", str(numeric_csv), str(numeric_csv), "--target", "k",
                     "--holdout", str(tmp_path / "nope.csv")]) == 1
    assert "nope.csv: no such file" in _one_error_line(capsys)


def test_ctrl_c_exits_130_with_one_line(numeric_csv, tmp_path, capsys, monkeypatch):
    def interrupt(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.commands, "read_table", interrupt)
    assert _fit(numeric_csv, tmp_path / "model.skgan") == 130
    assert _one_error_line(capsys) == "skgan: error: interrupted"


def test_ctrl_c_during_training_saves_the_completed_epochs(numeric_csv, tmp_path, capsys,
                                                           monkeypatch):
    steps = []
    train_step = GANSampler._train_step

    def interrupt_second_epoch(self, batch):
        steps.append(1)
        if len(steps) > 1:  # 200 rows: one batch per epoch
            raise KeyboardInterrupt
        return train_step(self, batch)

    monkeypatch.setattr(GANSampler, "_train_step", interrupt_second_epoch)
    model = tmp_path / "model.skgan"
    assert _fit(numeric_csv, model, "--epochs", "5") == 130
    assert "training stopped after epoch 1; that model was saved" in _one_error_line(capsys)
    assert len(skgan.load(model).history_["epoch"]) == 1


def test_unexpected_errors_are_one_line_unless_debugging(numeric_csv, tmp_path, capsys,
                                                         monkeypatch):
    def fail(path):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli.commands, "read_table", fail)
    assert _fit(numeric_csv, tmp_path / "model.skgan") == 1
    assert _one_error_line(capsys) == "skgan: error: RuntimeError: boom"
    monkeypatch.setenv("SKGAN_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        _fit(numeric_csv, tmp_path / "model.skgan")


def test_warnings_are_one_line(numeric_csv, capsys, monkeypatch):
    def warn_then_read(path):
        warnings.warn("careful\nwith details", UserWarning)
        return pd.read_csv(path)

    monkeypatch.setattr(cli.commands, "read_table", warn_then_read)
    assert cli.main(["report", str(numeric_csv), str(numeric_csv)]) == 0
    assert capsys.readouterr().err == "skgan: warning: careful\n"


@pytest.mark.parametrize("module", ["skgan", "skgan.cli"])
def test_python_m_skgan_exits_with_the_status(module, tmp_path, capsys, monkeypatch):
    missing = tmp_path / "missing.csv"
    monkeypatch.setattr(sys, "argv", ["skgan", "fit", str(missing), "-o", "m"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module(module, run_name="__main__")
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == f"skgan: error: {missing}: no such file\n"


def test_sample_without_random_state_draws_new_rows_each_call(fitted_model, capsys):
    # The model file holds the random stream it was saved with: every call printed the
    # same rows until a seed was drawn from the operating system.
    outputs = []
    for _ in range(2):
        assert cli.main(["sample", str(fitted_model), "-n", "5"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] != outputs[1]


def _fitted_file(folder, estimator, *fit_args):
    path = folder / f"{type(estimator).__name__}.skgan"
    skgan.save(estimator.fit(*fit_args), path)
    return path


def test_sample_refuses_models_whose_samples_are_not_tables(tmp_path, capsys):
    from skgan import ConditionalGAN, CycleGANTransformer

    rng = np.random.RandomState(0)
    images = rng.rand(40, 8, 8).astype(np.float32)
    small = dict(epochs=1, random_state=0)
    cases = [
        (_fitted_file(tmp_path, ConditionalGAN(**small), rng.normal(size=(40, 2)),
                      np.repeat([0, 1], 20)), "holds a ConditionalGAN"),
        (_fitted_file(tmp_path, GANSampler(**small), images), "fitted on images, not a table"),
        (_fitted_file(tmp_path, CycleGANTransformer(**small), rng.normal(size=(40, 2)),
                      np.repeat(["a", "b"], 20)), "holds a CycleGANTransformer"),
        (_fitted_file(tmp_path, skgan.AugmentedEstimator(
            LogisticRegression(), skgan.GANResampler(estimator=GANSampler(**small))),
            rng.normal(size=(40, 2)), np.repeat([0, 1], [30, 10])),
         "holds an AugmentedEstimator, not a sampler"),  # was "a AugmentedEstimator"
    ]
    for path, message in cases:
        assert cli.main(["sample", str(path), "-n", "3"]) == 1
        assert message in _one_error_line(capsys)


def test_repeated_column_names_in_a_csv_header_are_refused(tmp_path, capsys):
    data = _write(tmp_path / "data.csv", "a,a,b\n1,2,3\n4,5,6\n")
    assert _fit(data, tmp_path / "model.skgan") == 1
    assert "names columns more than once: 'a'" in _one_error_line(capsys)


def test_the_output_may_not_be_the_input(numeric_csv, fitted_model, capsys):
    before = numeric_csv.read_bytes()
    assert _fit(numeric_csv, numeric_csv) == 1
    assert "it is the input file" in _one_error_line(capsys)
    assert cli.main(["sample", str(fitted_model), "-n", "3", "-o", str(fitted_model)]) == 1
    assert "it is the input file" in _one_error_line(capsys)
    assert numeric_csv.read_bytes() == before and skgan.load(fitted_model) is not None


def test_replaced_outputs_keep_their_permissions_and_links(fitted_model, tmp_path, capsys):
    for name in ("rows.csv", "model.skgan"):
        private = tmp_path / name
        private.write_text("old")
        private.chmod(0o600)
        if name.endswith(".csv"):
            assert cli.main(["sample", str(fitted_model), "-n", "3", "-o", str(private)]) == 0
        else:
            skgan.save(skgan.load(fitted_model), private)
        assert private.stat().st_mode & 0o777 == 0o600 and private.read_bytes() != b"old"
    target = tmp_path / "real" / "rows.csv"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert cli.main(["sample", str(fitted_model), "-n", "3", "-o", str(link)]) == 0
    assert link.is_symlink() and len(pd.read_csv(target)) == 3
    capsys.readouterr()


def test_sample_rows_under_torchrun_needs_a_random_state(numeric_csv, tmp_path, capsys,
                                                        monkeypatch):
    # Each process drew its own subsample without a seed to share.
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert cli.main(["fit", str(numeric_csv), "-o", str(tmp_path / "m.skgan"), "--epochs", "1",
                     "--quiet", "--sample-rows", "50"]) == 1
    assert "--sample-rows needs --random-state" in _one_error_line(capsys)


def test_parquet_indexes_and_repeated_names(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    import pyarrow
    import pyarrow.parquet as pq

    frame = pd.DataFrame({"x": np.arange(40.0), "k": np.arange(40) % 3})
    named = frame.set_index(pd.Index(np.arange(100, 140), name="id"))
    named.to_parquet(tmp_path / "named.parquet")  # a named index is a column of data
    assert list(cli.read_table(tmp_path / "named.parquet").columns) == ["id", "x", "k"]
    frame.iloc[::2].to_parquet(tmp_path / "filtered.parquet")  # pandas' row numbers only
    read = cli.read_table(tmp_path / "filtered.parquet")
    assert list(read.columns) == ["x", "k"] and list(read.index) == list(range(20))
    pq.write_table(pyarrow.table([[1, 2], [3, 4], [5, 6]], names=["a", "a", "b"]),
                   tmp_path / "repeated.parquet")
    assert _fit(tmp_path / "repeated.parquet", tmp_path / "m.skgan") == 1
    assert "names columns more than once: 'a'" in _one_error_line(capsys)


def test_only_rank_0_prints_warnings_under_torchrun(capsys, monkeypatch):
    # Every process of a torchrun printed each warning.
    monkeypatch.setenv("RANK", "1")
    cli.files._warn("a warning")
    with cli.entry._one_line_warnings():
        warnings.warn("another warning")
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("RANK", "0")
    cli.files._warn("a warning")
    assert capsys.readouterr().err == "skgan: warning: a warning\n"


def test_an_infinite_truncation_draws_as_none(fitted_model, capsys):
    outputs = []
    for extra in ([], ["--truncation", "inf"]):
        assert cli.main(["sample", str(fitted_model), "-n", "5", "--random-state", "3",
                         *extra]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def test_local_times_across_daylight_saving_are_read_as_utc_times(tmp_path):
    when = pd.date_range("2024-03-20", "2024-04-10", freq="7h", tz="Europe/Paris")
    path = tmp_path / "times.csv"
    pd.DataFrame({"when": [stamp.isoformat() for stamp in when]}).to_csv(path, index=False)
    read = cli.read_table(path)["when"]  # offsets +01:00, then +02:00
    assert str(read.dtype).startswith("datetime64") and str(read.dt.tz) == "UTC"
    assert (read.to_numpy() == when.tz_convert("UTC").to_numpy()).all()
    naive_and_offset = tmp_path / "mixed.csv"
    naive_and_offset.write_text("when\n2024-03-20T10:00:00+01:00\n2024-04-20T10:00:00\n")
    assert not pd.api.types.is_datetime64_any_dtype(cli.read_table(naive_and_offset)["when"])


def test_a_semicolon_file_whose_text_holds_commas_is_read_as_its_columns(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name;age;city\nDoe, Jane;31;Oslo\nRoe, Rich;45;Lyon\nPoe, Ann;28;Oslo\n")
    table = cli.read_table(path)
    assert list(table.columns) == ["name", "age", "city"]
    assert table["name"].tolist() == ["Doe, Jane", "Roe, Rich", "Poe, Ann"]


def test_numbers_with_decimal_commas_in_a_semicolon_file_are_read_as_numbers(tmp_path):
    # Excel in many locales writes "3,5" for 3.5 beside semicolons: read as text, such a
    # column was discrete and samples held only the seen values.
    path = tmp_path / "prices.csv"
    path.write_text("name;price;weight;note\nDoe, Jane;3,5;1.234,5;3,5 kg\n"
                    "Roe;4;2,25;\nPoe;;7;ok\n")
    table = cli.read_table(path)
    assert table["price"].dtype == np.float64 and table["weight"].dtype == np.float64
    assert table["price"].tolist()[:2] == [3.5, 4.0] and np.isnan(table["price"].iloc[2])
    assert table["weight"].tolist() == [1234.5, 2.25, 7.0]
    assert table["note"].tolist()[0] == "3,5 kg"  # text with a number in it stays text
    assert table["name"].tolist()[0] == "Doe, Jane"


def test_a_header_with_several_blank_names_says_so(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("a,b,,\n1,2,,\n3,4,,\n")
    with pytest.raises(cli.CommandError, match="leaves 2 columns without a name"):
        cli.read_table(path)


def test_year_month_dates_are_written_back_as_months(tmp_path):
    source = tmp_path / "months.csv"
    months = [f"20{year}-{month:02d}" for year in (20, 21, 22) for month in range(1, 13)]
    pd.DataFrame({"month": months * 3, "amount": np.arange(108.0)}).to_csv(source,
                                                                          index=False)
    table = cli.read_table(source)
    assert table.attrs["datetime_formats"] == {"month": "%Y-%m"}
    model_path, out = tmp_path / "m.skgan", tmp_path / "out.csv"
    assert cli.main(["fit", str(source), "-o", str(model_path), "--epochs", "1",
                     "--quiet"]) == 0
    assert cli.main(["sample", str(model_path), "-n", "20", "-o", str(out),
                     "--random-state", "0"]) == 0
    written = pd.read_csv(out, dtype=str)["month"]
    assert written.str.fullmatch(r"20\d\d-\d\d").all()


def test_the_separator_is_the_one_that_splits_every_line_alike(tmp_path):
    # A German Excel file whose header holds a comma was read with commas (garbage
    # columns "Doe" / " Jane;2,5;Köln"); a comma file whose header holds a semicolon was
    # split into two columns.
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("Name, Vorname;Betrag;Stadt\n"
                          + "".join(f"Doe, Jane;{i},5;Köln\n" for i in range(6)))
    table = cli.read_table(semicolons)
    assert list(table.columns) == ["Name, Vorname", "Betrag", "Stadt"]
    assert table["Betrag"].tolist() == [i + 0.5 for i in range(6)]
    quoted = tmp_path / "quoted.csv"  # commas split header and rows in two alike
    quoted.write_text("Name, Vorname;Betrag;Ort\n"
                      + "".join(f'"Müller, Hans";{i},50;Köln\n' for i in range(6)))
    table = cli.read_table(quoted)
    assert list(table.columns) == ["Name, Vorname", "Betrag", "Ort"]
    assert table["Betrag"].tolist() == [i + 0.5 for i in range(6)]
    one_column = tmp_path / "notes.csv"
    one_column.write_text("note; remark\n" + "".join(f"value {i}\n" for i in range(5)))
    assert list(cli.read_table(one_column).columns) == ["note; remark"]


def test_a_windows_1252_file_is_read_with_a_warning_and_binary_is_refused(tmp_path, capsys):
    excel = tmp_path / "excel.csv"
    pd.DataFrame({"Größe": [170.5, 180.25, 165.0], "Stadt": ["Zürich", "Köln", "Zürich"]}
                 ).to_csv(excel, sep=";", decimal=",", index=False, encoding="cp1252")
    table = cli.read_table(excel)  # was: "is not UTF-8 text (is it a CSV file?)"
    assert list(table.columns) == ["Größe", "Stadt"]
    assert table["Größe"].tolist() == [170.5, 180.25, 165.0]
    assert table["Stadt"].tolist() == ["Zürich", "Köln", "Zürich"]
    assert "read as Windows-1252" in capsys.readouterr().err
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"a,b\n\x00\xff\xfe,\x81\n")
    with pytest.raises(cli.CommandError, match="not UTF-8 text"):
        cli.read_table(binary)


@pytest.mark.parametrize("name, encoding", [
    ("unicode.txt", "utf-16"), ("unicode.csv.gz", "utf-16"), ("wide.csv", "utf-32")])
def test_a_utf16_file_as_excel_saves_unicode_text_is_read(tmp_path, name, encoding):
    path = tmp_path / name
    pd.DataFrame({"Größe": [170.5, 180.25, 165.0], "Stadt": ["Zürich", "Köln", "Zürich"]}
                 ).to_csv(path, sep="\t", index=False, encoding=encoding)
    table = cli.read_table(path)  # was: "is not UTF-8 text (is it a CSV file?)"
    assert list(table.columns) == ["Größe", "Stadt"]
    assert table["Größe"].tolist() == [170.5, 180.25, 165.0]
    assert table["Stadt"].tolist() == ["Zürich", "Köln", "Zürich"]


def test_a_pandas_index_column_without_a_name_is_refused(tmp_path):
    path = tmp_path / "indexed.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"]}).to_csv(path)  # ",a,b"
    with pytest.raises(cli.CommandError, match="first column without a name.*index=False"):
        cli.read_table(path)  # was: learned as a column named "Unnamed: 0"


def test_a_random_state_numpy_cannot_take_is_a_usage_error(fitted_model, capsys):
    for value in ("-1", "4294967296"):
        assert cli.main(["sample", str(fitted_model), "-n", "2",
                         "--random-state", value]) == 2
        assert "must be between 0 and 4294967295" in capsys.readouterr().err


def test_report_names_a_synthetic_column_without_values(numeric_csv, tmp_path, capsys):
    synthetic = tmp_path / "blank.csv"
    pd.read_csv(numeric_csv).assign(x=np.nan).to_csv(synthetic, index=False)
    assert cli.main(["report", str(numeric_csv), str(synthetic), "--target", "k"]) == 1
    assert "synthetic has no values in column(s) ['x']" in _one_error_line(capsys)


def test_an_array_models_columns_are_conditioned_by_their_header_names(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = np.c_[rng.integers(0, 3, 100), rng.normal(size=(100, 2))]
    path = tmp_path / "array.skgan"
    skgan.save(GANSampler(epochs=1, random_state=0).fit(X), path)
    for name in ("x0", "0"):  # the samples' header says x0; both name column 0
        assert cli.main(["sample", str(path), "-n", "3", "--condition", f"{name}=1",
                         "--random-state", "0"]) == 0
        rows = pd.read_csv(io.StringIO(capsys.readouterr().out))
        assert list(rows.columns) == ["x0", "x1", "x2"] and (rows["x0"] == 1.0).all()
    assert cli.main(["sample", str(path), "-n", "3", "--condition", "x7=1"]) == 1
    assert "no column 'x7'" in _one_error_line(capsys)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_written_into_not_replaced(fitted_model, tmp_path):
    import stat
    import threading

    def read_from(pipe, into):
        with open(pipe, "rb") as handle:
            into.append(handle.read())

    for write in (lambda pipe: cli.main(["sample", str(fitted_model), "-n", "5", "-o",
                                         str(pipe), "--random-state", "0"]),
                  lambda pipe: skgan.save(skgan.load(fitted_model), pipe) or 0):
        pipe = tmp_path / "pipe"
        os.mkfifo(pipe)
        received = []
        # a daemon: where the pipe is never opened for writing, the test fails, not hangs
        reader = threading.Thread(target=read_from, args=(pipe, received), daemon=True)
        reader.start()
        assert write(pipe) == 0
        reader.join(timeout=60)
        assert received and len(received[0]) > 0
        assert stat.S_ISFIFO(os.stat(pipe).st_mode)  # still the pipe
        pipe.unlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_table_read_from_a_pipe_is_read_once(tmp_path):
    import threading

    pipe = tmp_path / "table.csv"
    os.mkfifo(pipe)
    text = "city,amount\n" + "".join(f"{city},{k}.5\n" for k, city in
                                     enumerate(["Oslo", "Lima", "Pune"] * 10))

    def write_once():
        with open(pipe, "w") as handle:
            handle.write(text)

    writer = threading.Thread(target=write_once, daemon=True)  # never hangs the run
    writer.start()
    tables = []  # read in a daemon too: reading the pipe again would wait forever
    reader = threading.Thread(target=lambda: tables.append(cli.read_table(str(pipe))),
                              daemon=True)
    reader.start()
    reader.join(timeout=60)  # was: "is empty" (the pipe read again), or a wait
    assert tables and list(tables[0].columns) == ["city", "amount"] and len(tables[0]) == 30


def test_codes_with_a_leading_zero_are_not_read_as_years(tmp_path):
    # pandas' ISO 8601 parser takes "0910" as the year 910: samples were invented dates
    path = _write(tmp_path / "sic.csv", "sic,revenue\n0910,1.5\n1011,2.5\n7011,3.5\n0111,4\n")
    table = cli.read_table(path)
    assert table["sic"].tolist() == ["0910", "1011", "7011", "0111"]
    for days in ("2021-03-01\n2021-04-01", "2021/03/01\n2021/04/01", "2021-3-1\n2021-12-15"):
        dates = cli.read_table(_write(tmp_path / "days.csv", f"day\n{days}\n"))
        assert pd.api.types.is_datetime64_any_dtype(dates["day"])  # dates still are


def test_a_separator_ending_every_row_is_no_column_and_row_names_are_no_data(tmp_path):
    # pandas took the first column as the index and shifted every name by one
    trailing = _write(tmp_path / "trailing.csv", "price,qty,city\n1.5,1,c1,\n2.5,2,c2,\n")
    table = cli.read_table(trailing)
    assert list(table.columns) == ["price", "qty", "city"]
    assert table["price"].tolist() == [1.5, 2.5] and table["city"].tolist() == ["c1", "c2"]
    both = cli.read_table(_write(tmp_path / "both.csv", "a,b,\n1,x,\n2,y,\n"))  # header too
    assert both.to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    # R's write.table writes row names: one more value than names, filled in every row
    r_table = _write(tmp_path / "r.csv", '"price","city"\n"1",1.5,"Oslo"\n"2",2.5,"Lyon"\n')
    assert cli.read_table(r_table).to_dict("list") == {"price": [1.5, 2.5],
                                                       "city": ["Oslo", "Lyon"]}


def test_excel_error_values_are_read_as_missing_with_a_warning(tmp_path, capsys):
    ratios = ["#DIV/0!" if i % 10 == 0 else f"{i / 7:.4f}" for i in range(60)]  # 6 errors
    counts = ["#N/A" if i % 12 == 0 else str(i) for i in range(60)]  # 5 missing
    path = _write(tmp_path / "ratios.csv", "ratio,count\n" + "".join(
        f"{ratio},{count}\n" for ratio, count in zip(ratios, counts)))
    table = cli.read_table(path)
    assert table["ratio"].dtype == np.float64 and table["ratio"].isna().sum() == 6
    assert table["count"].dtype == "Int64" and table["count"].isna().sum() == 5  # not 9.0
    assert "column 'ratio' holds Excel error values (#DIV/0!)" in capsys.readouterr().err


def test_whole_numbers_with_thousands_dots_in_a_decimal_comma_file(tmp_path):
    # "5.734" beside "3,36" is five thousand seven hundred and thirty-four, not 5.734
    path = _write(tmp_path / "de.csv", "name;menge;preis;version\nn0;5.734;3,36;1.500\n"
                  "n1;912;5,66;2.5\nn2;12.500;4,10;3.0\n")
    table = cli.read_table(path)
    assert table["menge"].tolist() == [5734, 912, 12500]
    assert table["preis"].tolist() == [3.36, 5.66, 4.1]
    assert table["version"].tolist() == [1.5, 2.5, 3.0]  # not thousands: left as read
    weights = cli.read_table(_write(tmp_path / "kg.csv",
                                    "name;kg;preis\nn0;0.250;3,36\nn1;1.500;5,66\n"))
    assert weights["kg"].tolist() == [0.25, 1.5]  # "0.250" groups no thousands
    plain = cli.read_table(_write(tmp_path / "en.csv", "name;menge\nn0;5.734\nn1;1.5\n"))
    assert plain["menge"].tolist() == [5.734, 1.5]  # no decimal commas: dots are decimals


def test_a_condition_with_nothing_after_the_equals_sign_asks_for_missing_values(tmp_path,
                                                                                capsys):
    rng = np.random.RandomState(0)
    data = tmp_path / "notes.csv"
    pd.DataFrame({"note": rng.choice(["late", "early", None], 120),
                  "city": rng.choice(["Lyon", "Oslo"], 120),
                  "amount": rng.gamma(2, 10, 120).round(2)}).to_csv(data, index=False)
    model = tmp_path / "notes.skgan"
    assert _fit(data, model) == 0
    capsys.readouterr()
    assert cli.main(["sample", str(model), "-n", "15", "--condition", "note=",
                     "--random-state", "0"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table["note"].isna().all() and table["city"].notna().all()
    assert cli.main(["sample", str(model), "-n", "5", "--condition", "city="]) == 1
    assert "'city'" in _one_error_line(capsys)  # never missing in training: refused
