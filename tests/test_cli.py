import pytest

from skgan import cli


def test_demo_reports_quality_figures(capsys, monkeypatch):
    from skgan import GANSampler

    monkeypatch.setattr(GANSampler, "_auto_steps", 50)
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "GANSampler: fit" in out
    assert "C2ST accuracy" in out and "MMD" in out


def test_unknown_command_exits_non_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["transmogrify"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
