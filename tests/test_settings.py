"""One settings module: every WGAN_COURSE_* variable parsed strictly, the same way everywhere."""

from __future__ import annotations

import pytest

from course_utils import env, image_data, settings, widgets

REPO_README = settings.__file__.replace("course_utils/settings.py", "README.md")


@pytest.mark.parametrize("value,expected", [("1", True), ("yes", True), (" ON ", True), ("0", False),
                                            ("off", False), ("", False)])
def test_flags_accept_the_usual_words(monkeypatch, value, expected):
    monkeypatch.setenv(settings.QUICK, value)
    assert settings.flag(settings.QUICK) is expected


@pytest.mark.parametrize("name,reader", [
    (settings.QUICK, env.quick_mode),
    (settings.STATIC_WIDGETS, widgets.widgets_available),  # was lenient: "maybe" meant off
    (settings.DOWNLOAD, image_data.download_default),
    (settings.THREADS, env.default_num_threads),
    (settings.DEVICE, env.get_device),
])
def test_every_reader_rejects_what_it_does_not_understand(monkeypatch, name, reader):
    monkeypatch.setenv(name, "maybe")
    with pytest.raises(ValueError, match=name) as err:
        reader()
    assert "unset" in str(err.value)


def test_unset_flags_use_their_default_and_download_defaults_to_colab(monkeypatch):
    monkeypatch.delenv(settings.DOWNLOAD, raising=False)
    assert settings.read(settings.DOWNLOAD) is None
    monkeypatch.setenv(settings.DOWNLOAD, "0")
    assert settings.read(settings.DOWNLOAD) is False


def test_counts_devices_and_unknown_names(monkeypatch):
    monkeypatch.setenv(settings.THREADS, "3")
    assert settings.read(settings.THREADS) == 3
    for bad in ("0", "-1", "two"):
        monkeypatch.setenv(settings.THREADS, bad)
        with pytest.raises(ValueError, match="positive whole number"):
            settings.read(settings.THREADS)
    monkeypatch.setenv(settings.DEVICE, "CUDA:1")
    assert settings.read(settings.DEVICE) == "cuda:1"
    with pytest.raises(KeyError, match="known"):
        settings.read("WGAN_COURSE_NOPE")
    monkeypatch.setenv("WGAN_COURSE_QUIK", "1")
    assert settings.unknown() == ["WGAN_COURSE_QUIK"]
    assert "WGAN_COURSE_QUIK is set but is no course setting" in env.setup(device="cpu", threads=1).report()


def test_quick_mode_report_does_not_tell_to_turn_on_what_is_on(monkeypatch):
    monkeypatch.setenv(settings.QUICK, "1")
    report = env.setup(device="cpu", threads=1).report()
    assert "Quick mode  ON" in report and "to turn it on" not in report and "unset it" in report
    monkeypatch.setenv(settings.QUICK, "0")
    assert "set WGAN_COURSE_QUICK=1 for shorter runs" in env.setup(device="cpu", threads=1).report()


def test_quick_mode_says_that_the_sliders_are_off(monkeypatch, capsys):
    monkeypatch.setenv(settings.QUICK, "1")
    monkeypatch.delenv(settings.STATIC_WIDGETS, raising=False)
    seen = []
    widgets.explorer(lambda a: seen.append(a), {"a": [1, 2]}, static=[{"a": 2}])
    assert seen == [2]
    out = capsys.readouterr().out
    assert "Sliders are off: quick mode is on (WGAN_COURSE_QUICK=1)" in out and "1 fixed setting" in out
    monkeypatch.setenv(settings.STATIC_WIDGETS, "0")  # explicitly asks for sliders, even in quick mode
    assert widgets.why_no_widgets() == "this is not a Jupyter kernel"  # quick mode no longer the reason
    monkeypatch.setenv(settings.STATIC_WIDGETS, "1")
    assert "asks for fixed figures" in widgets.why_no_widgets()


def test_readme_settings_table_is_generated():
    """The README's table between the settings markers is `python -m course_utils.settings`'s output."""
    readme = open(REPO_README, encoding="utf-8").read()
    begin, end = "<!-- settings: python -m course_utils.settings -->", "<!-- /settings -->"
    if begin not in readme:
        pytest.skip("README has no generated settings table yet (the lead pastes it with its markers)")
    block = readme.split(begin, 1)[1].split(end, 1)[0].strip()
    assert block == settings.table(), "paste the output of `python -m course_utils.settings` between the markers"


def test_settings_cli_prints_the_table_and_checks(monkeypatch, capsys):
    assert settings.main([]) == 0
    assert capsys.readouterr().out.strip() == settings.table()
    monkeypatch.setenv(settings.QUICK, "sometimes")
    assert settings.main(["--check"]) == 1
    assert "WGAN_COURSE_QUICK='sometimes' is not understood" in capsys.readouterr().err
