"""How the options read and fail: flags are flags, --version, help as sentences, a mistyped
--duckdb-path that creates nothing, dates that say why they are wrong, one plain font warning."""

from __future__ import annotations

import logging
from importlib.metadata import version

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from reporting.cli import app

runner = CliRunner()
COMMANDS = ("sample-data", "build", "segment", "report", "run", "docs", "ingest", "freshness", "register-jdbc")


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def _commands() -> dict:
    """The click commands typer makes (typer >= 0.26 carries its own copy of click)."""
    return dict(typer.main.get_command(app).commands)


@pytest.mark.parametrize("columns", ["80", "120"])
@pytest.mark.parametrize("command", ("",) + COMMANDS)
def test_help_shows_flags_as_flags(command, columns):
    result = invoke(*([command] if command else []), "--help", env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert " --help " in result.output


def test_every_boolean_option_is_a_flag_without_a_value():
    flags = {name: sorted(p.opts[0] for p in cmd.params if p.param_type_name == "option" and p.is_flag)
             for name, cmd in _commands().items()}
    assert flags == {
        "sample-data": ["--force", "--quiet", "--verbose"],
        "build": ["--all-tests", "--full-refresh", "--quiet", "--verbose"],
        "segment": ["--quiet", "--verbose"],
        "report": ["--force", "--verbose"],
        "run": ["--all-tests", "--force", "--quiet", "--skip-segments", "--verbose"],
        "docs": ["--serve", "--verbose"],
        "ingest": ["--quiet", "--replace", "--verbose"],
        "freshness": ["--verbose"],
        "register-jdbc": ["--force", "--verbose"],
    }
    for cmd in _commands().values():
        for p in cmd.params:
            if p.param_type_name == "option" and p.type.name == "boolean":
                assert p.is_flag and not p.secondary_opts, (cmd.name, p.opts)


def test_a_flag_takes_no_value(tmp_path):
    result = invoke("report", "--force", "true", "--duckdb-path", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2
    assert "Got unexpected extra argument(s) (true)" in result.output


def test_version_prints_the_package_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output == f"mca-report {version('mca')}\n"


def test_help_paragraphs_are_sentences_not_source_lines():
    for name, cmd in _commands().items():
        for paragraph in (cmd.help or "").split("\n\n"):
            assert paragraph and "\n" not in paragraph, (name, paragraph)
    # the terminal, not the docstring, decides where lines end: wide enough, a paragraph is one line
    result = invoke("run", "--help", env={"COLUMNS": "300"})
    assert result.exit_code == 0
    lines = [line.strip() for line in result.output.splitlines()]
    assert ("dbt build, customer segmentation, then the PDF, HTML and Power BI outputs and a run manifest in OUT/runs/. "
            "A failed stage stops the run with a one-line reason and a non-zero exit (see README, exit codes); the "
            "previous reports stay in place. One run at a time per warehouse.") in lines


@pytest.mark.parametrize("command", ["build", "segment", "report", "run", "docs"])
def test_a_mistyped_duckdb_path_is_refused_and_not_created(tmp_path, command):
    typo = tmp_path / "warehuose.duckdb"
    out = tmp_path / "out"
    args = [command, "--duckdb-path", str(typo)] + (["--out", str(out)] if command in ("report", "run", "segment") else [])
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.output == (f"error: duckdb file {typo} does not exist (check --duckdb-path or MCA_DUCKDB_PATH; "
                             "`mca-report sample-data` or `mca-report ingest` create it)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_register_jdbc_needs_the_spark_target_and_a_plain_host():
    """Refused before anything connects (tests/spark/test_jdbc.py registers for real)."""
    result = invoke("register-jdbc", "--target", "duckdb")
    assert result.exit_code == 2
    assert result.output == ("error: register-jdbc registers tables in Spark's catalogue: use --target spark "
                             "(or MCA_TARGET=spark), not duckdb\n")
    result = invoke("register-jdbc", "--target", "spark", "--source-host", "db/x?user=admin")
    assert result.exit_code == 2
    assert result.output == "error: --source-host must be a host name or address, got 'db/x?user=admin'\n"


def test_sample_data_still_creates_a_new_duckdb_file(tmp_path):
    db = tmp_path / "new" / "fresh.duckdb"
    result = invoke("sample-data", "--rows", "50", "--customers", "100", "--end-date", "2025-06-30",
                    "--duckdb-path", str(db), "--quiet")
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db)) as con:
        assert con.execute("select count(*) from mca_raw.campaigns").fetchone() == (50,)


@pytest.mark.parametrize(("value", "message"), [
    ("2026-13-01", "--as-of 2026-13-01 is not a valid date: month must be in 1..12"),
    ("2026-02-29", "--as-of 2026-02-29 is not a valid date: day is out of range for month"),
    ("2026-04-31", "--as-of 2026-04-31 is not a valid date: day is out of range for month"),
    ("31/12/2025", "--as-of '31/12/2025' does not match the format YYYY-MM-DD (e.g. 2026-11-24)"),
    ("2026-01", "--as-of '2026-01' does not match the format YYYY-MM-DD (e.g. 2026-11-24)"),
    ("1800-01-01", "--as-of 1800-01-01 is out of range: use a date from 1901-01-01 to 9999-12-31"),
])
@pytest.mark.parametrize("command", ["build", "report", "run"])
def test_a_bad_as_of_says_why(tmp_path, command, value, message):
    result = invoke(command, "--as-of", value, "--duckdb-path", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2
    assert result.output == f"error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_bad_end_date_says_why(tmp_path):
    result = invoke("sample-data", "--end-date", "2025-02-30", "--duckdb-path", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2
    assert result.output == "error: --end-date 2025-02-30 is not a valid date: day is out of range for month\n"
    assert list(tmp_path.iterdir()) == []


def test_a_leap_day_is_a_date(tmp_path):
    db = tmp_path / "leap.duckdb"
    result = invoke("sample-data", "--rows", "20", "--customers", "100", "--end-date", "2024-02-29",
                    "--duckdb-path", str(db), "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "dates end 2024-02-29, seed 42"


def test_the_missing_cjk_font_warning_is_one_plain_line_per_process(monkeypatch, capsys):
    """Without --verbose a warning is one line, "WARNING: ...", with no timestamp; the fonts are
    looked up once per process, so a second report does not warn again."""
    from reporting import cli
    from reporting.reports import fonts

    monkeypatch.setattr(fonts, "CJK_FONTS", (("truetype/none/NoSuchFont.ttf", 0),))
    fonts.pdf_fonts.cache_clear()
    try:
        cli._setup_logging(verbose=False)
        fonts.pdf_fonts()
        fonts.pdf_fonts()
        err = capsys.readouterr().err
    finally:
        fonts.pdf_fonts.cache_clear()
        logging.getLogger().handlers.clear()
    assert err == ("WARNING: no TrueType CJK font found (e.g. Debian package fonts-droid-fallback); "
                   "CJK characters in names are replaced by '\ufffd' in the PDF\n")
