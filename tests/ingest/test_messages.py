"""Messages quote at most about 200 characters of any file: a header mismatch on a wide file, a
data file that is not an export (an environment file), a --mapping that is not a mapping, long
values in reasons; and the rejects file keeps each raw line cut to 1,000 characters."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from reporting.errors import ConfigError
from reporting.ingest import load_mapping, read_bytes
RAW_LINE_LIMIT = 1_000  # reporting.ingest.reader.RAW_LINE_LIMIT
from tests.ingest.helpers import CAMPAIGN_COLUMNS, PLAIN_CAMPAIGNS, ingest_app, mapping

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
ENV_FILE = f"AWS_SECRET_ACCESS_KEY={SECRET}\nDB_PASSWORD=hunter2-{SECRET}\n"


def invoke(*args: str):
    return CliRunner().invoke(ingest_app(), ["ingest", *args])


def plain_mapping_file(tmp_path):
    import yaml

    path = tmp_path / "plain.yml"
    path.write_text(yaml.safe_dump(PLAIN_CAMPAIGNS), encoding="utf-8")
    return path


def test_a_wide_header_is_listed_cut_to_200_characters():
    extra = [f"extra_column_{i}" for i in range(80_000)]
    header = [c for c in CAMPAIGN_COLUMNS if c != "cost"] + extra
    data = (",".join(header) + "\n").encode()
    assert len(data) > 1_000_000
    with pytest.raises(ConfigError) as err:
        read_bytes(data, mapping(PLAIN_CAMPAIGNS), file_name="wide.csv")
    text = str(err.value)
    assert text.startswith("mapping test: column 'cost' (used by cost) is not in the header of wide.csv; "
                           "the header has: 'campaign_name', 'channel', 'impressions'")
    assert text.endswith(f"… (80,007 columns, {len(', '.join(repr(h) for h in header)):,} characters)")
    assert len(text) < 450


def test_ingesting_an_environment_file_does_not_print_it(tmp_path):
    env = tmp_path / ".env"
    env.write_text(ENV_FILE, encoding="utf-8")
    result = invoke("campaigns", str(env), "-m", str(plain_mapping_file(tmp_path)),
                    "--duckdb-path", str(tmp_path / "w.duckdb"), "-t", "duckdb")
    assert result.exit_code == 2
    assert SECRET not in result.output and "AWS_SECRET" not in result.output
    assert ("error: mapping plain: column 'campaign_name' (used by campaign_name) is not in the header of .env, "
            "nor is any other column the mapping reads (its header line has 1 field; is format.delimiter right?); "
            "is it the file the mapping is for?") in result.output


@pytest.mark.parametrize(
    "content",
    [
        f"root:$6$saltsalt${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",  # /etc/shadow-like
        ENV_FILE,  # KEY=VALUE lines: one YAML text
        f"AWS_SECRET_ACCESS_KEY: {SECRET}\nregion: eu-west-1\n",  # YAML, but not a mapping's keys
        json.dumps({"api_key": SECRET, "token": SECRET}),
        f"[{SECRET}\n  : {{ broken",  # not YAML at all
    ],
)
def test_a_mapping_option_at_a_file_that_is_not_a_mapping_does_not_echo_it(tmp_path, content):
    src = tmp_path / "data.csv"
    src.write_text(",".join(CAMPAIGN_COLUMNS) + "\n", encoding="utf-8")
    secret_file = tmp_path / "shadow"
    secret_file.write_text(content, encoding="utf-8")
    result = invoke("campaigns", str(src), "--mapping", str(secret_file), "--duckdb-path",
                    str(tmp_path / "w.duckdb"), "-t", "duckdb")
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output and "AWS_SECRET" not in result.output and "api_key" not in result.output
    assert "is not a mapping" in result.output or "is it a mapping?" in result.output


def test_binary_and_huge_files_are_not_mappings(tmp_path):
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\xff\xfe\x00" + SECRET.encode() + b"\x80" * 10)
    with pytest.raises(ConfigError, match=r"blob.bin is not a mapping .*: it is not UTF-8 text$"):
        load_mapping(binary)
    huge = tmp_path / "huge.yml"
    huge.write_text("table: campaigns\n# " + "x" * 2_000_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"huge.yml is not a mapping .*: it is larger than 1,000,000 bytes$"):
        load_mapping(huge)


def test_long_values_in_reasons_are_cut_and_raw_lines_capped():
    long_date = "2024-" + "9" * 300
    long_line = "x" * 5_000
    data = (",".join(CAMPAIGN_COLUMNS) + "\n"
            f"a,Email,1,2,3,4,5,{long_date}\n"
            f"{long_line}\n"
            "ok,Email,1,2,3,4,5,2024-01-01\n").encode()
    result = read_bytes(data, mapping(PLAIN_CAMPAIGNS), file_name="x.csv")
    reasons = dict(zip(result.rejects["line"], result.rejects["reason"]))
    assert reasons[2] == f"date (from date): not a date in format %Y-%m-%d: '{long_date[:80]}…' (305 characters)"
    assert reasons[3] == ("expected 8 fields, found 1 (raw_line cut to its first 1,000 of 5,000 characters)")
    raw = dict(zip(result.rejects["line"], result.rejects["raw_line"]))
    assert raw[3] == "x" * RAW_LINE_LIMIT
    assert raw[2] == f"a,Email,1,2,3,4,5,{long_date}"  # shorter than the cap: whole
