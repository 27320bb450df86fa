"""The sample-data generator: deterministic, realistic and dirty in the documented ways."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from reporting.sample_data import generate_campaigns, generate_customers

END = dt.date(2025, 12, 31)


def test_same_seed_same_rows_and_other_seed_other_rows():
    a = generate_campaigns(5_000, seed=7, end_date=END)
    b = generate_campaigns(5_000, seed=7, end_date=END)
    c = generate_campaigns(5_000, seed=8, end_date=END)
    pd.testing.assert_frame_equal(a, b)
    assert not a["cost"].equals(c["cost"])
    pd.testing.assert_frame_equal(generate_customers(500, seed=7, end_date=END),
                                  generate_customers(500, seed=7, end_date=END))


def test_campaigns_are_dirty_in_the_documented_proportions():
    n = 20_000
    f = generate_campaigns(n, seed=42, end_date=END)
    assert len(f) == n
    assert f["id"].tolist() == list(range(1, n + 1))
    dates = pd.to_datetime(f["date"])
    assert dates.max().date() <= END and dates.min().date() > END - dt.timedelta(days=365)
    key = f["campaign_name"].str.strip().str.lower()
    dup_share = f.assign(k=key).duplicated(["k", "date"]).mean()
    assert 0.004 <= dup_share <= 0.007
    channels = set(f["channel"].dropna())
    assert {"FB", "Google Ads", "newsletter"} <= channels  # aliases
    assert any(c != c.strip() for c in channels)  # padded
    assert f["channel"].isna().sum() > 0
    assert f["impressions"].isna().sum() > 0 and f["conversions"].isna().sum() > 0
    assert (f["cost"] < 0).sum() > 0
    assert (f["clicks"].astype("float") > f["impressions"].astype("float")).sum() > 0
    assert f["campaign_name"].isna().sum() > 0
    # revenue outliers: a handful of days far above the usual
    assert (f["revenue"] > 10 * f["revenue"].median()).sum() >= 0.002 * n


def test_customers_have_features_nulls_and_channel_spellings():
    c = generate_customers(2_000, seed=1, end_date=END)
    assert c["customer_id"].is_unique and len(c) == 2_000
    assert c["age"].isna().sum() == 20
    assert c["acquisition_channel"].isna().sum() == 200
    assert c["age"].dropna().between(18, 85).all()
    assert (c["revenue"] >= 0).all()


def test_zero_rows():
    assert len(generate_campaigns(0, seed=1, end_date=END)) == 0
    assert len(generate_customers(0, seed=1, end_date=END)) == 0


# ---- chunked generation ----------------------------------------------------------------------
#
# The generator yields its rows in chunks (so `sample-data` loads any number of rows in flat
# memory). These tests hold it to the rows of the earlier whole-frame generator, kept verbatim in
# tests/reporting/sample_data_reference.py, whatever the chunk size.

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from reporting import sample_data  # noqa: E402
from reporting.sample_data import iter_campaigns, iter_customers  # noqa: E402
from tests.reporting import sample_data_reference as reference  # noqa: E402


@pytest.mark.parametrize(("rows", "seed", "chunk_rows"), [
    (1, 1, 10), (7, 3, 2), (5_000, 7, 1_000), (30_001, 42, 4_096), (100_000, 42, 10_000),
])
def test_chunked_campaigns_are_the_whole_frame_generators_rows(rows, seed, chunk_rows):
    expected = reference.generate_campaigns(rows, seed=seed, end_date=END)
    got = generate_campaigns(rows, seed=seed, end_date=END, chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize(("n", "seed", "chunk_rows"), [(1, 1, 10), (500, 7, 64), (20_001, 3, 4_000)])
def test_chunked_customers_are_the_whole_frame_generators_rows(n, seed, chunk_rows):
    expected = reference.generate_customers(n, seed=seed, end_date=END)
    got = generate_customers(n, seed=seed, end_date=END, chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_same_rows_whatever_the_chunk_size_and_chunks_stay_within_it():
    frames = {}
    for chunk_rows in (3_000, 25_000, 1_000_000):
        chunks = list(iter_campaigns(40_000, seed=5, end_date=END, chunk_rows=chunk_rows))
        assert all(0 < len(c) <= chunk_rows for c in chunks)
        frames[chunk_rows] = pd.concat(chunks)
        customers = list(iter_customers(7_000, seed=5, end_date=END, chunk_rows=chunk_rows))
        assert all(0 < len(c) <= chunk_rows for c in customers)
        frames[("customers", chunk_rows)] = pd.concat(customers)
    assert len(list(iter_campaigns(40_000, seed=5, end_date=END, chunk_rows=3_000))) > 10
    for chunk_rows in (25_000, 1_000_000):
        pd.testing.assert_frame_equal(frames[chunk_rows], frames[3_000], check_exact=True)
        pd.testing.assert_frame_equal(frames[("customers", chunk_rows)], frames[("customers", 3_000)],
                                      check_exact=True)


def test_chunks_carry_contiguous_ids_and_duplicates_come_last_and_copy_earlier_rows():
    rows, chunk_rows = 60_000, 5_000
    n_dupes = int(round(rows * 0.005))
    n_unique = rows - n_dupes
    chunks = list(iter_campaigns(rows, seed=11, end_date=END, chunk_rows=chunk_rows))
    first_ids = [int(c["id"].iloc[0]) for c in chunks]
    assert first_ids == sorted(first_ids)
    f = pd.concat(chunks, ignore_index=True)
    assert f["id"].tolist() == list(range(1, rows + 1))
    # load order: the unique rows by day, then campaign; the duplicates after them
    unique, dupes = f.iloc[:n_unique], f.iloc[n_unique:]
    dates = pd.to_datetime(unique["date"])
    assert dates.is_monotonic_increasing
    named = pd.DataFrame({"d": dates, "n": unique["campaign_name"].str.strip()}).dropna()
    assert not named.duplicated().any()
    assert named.groupby("d")["n"].apply(lambda n: n.is_monotonic_increasing).all()
    # every duplicate copies an earlier row, cost and revenue drifted by at most 10 %
    key = ["campaign_name", "channel", "impressions", "clicks", "conversions", "date"]

    def keys(frame):
        return frame[key].astype("string").fillna("<null>").apply(tuple, axis=1)

    earlier = dict(zip(keys(unique), unique["id"]))
    matched = [earlier.get(k) for k in keys(dupes)]
    assert all(m is not None for m in matched)
    assert len(set(matched)) == n_dupes  # distinct rows were duplicated
    src = f.set_index("id").loc[matched]
    for col in ("cost", "revenue"):
        both = pd.DataFrame({"d": dupes[col].to_numpy(), "s": src[col].to_numpy()}).dropna()
        assert ((both["d"] - both["s"]).abs() <= 0.1 * both["s"].abs() + 0.01).all()


def test_dirt_shares_hold_over_many_chunks():
    rows, chunk_rows = 200_000, 15_000
    n_unique = rows - int(round(rows * 0.005))
    f = generate_campaigns(rows, seed=3, end_date=END, chunk_rows=chunk_rows)
    u = f.iloc[:n_unique]

    def exactly(share):
        return int(round(n_unique * share))

    # chosen over all rows at once, so the counts are exact; only later dirt can overwrite earlier
    assert u["impressions"].isna().sum() == exactly(0.01)
    assert u["conversions"].isna().sum() == exactly(0.01)
    assert (u["cost"] < 0).sum() == exactly(0.001)
    assert u["campaign_name"].isna().sum() == exactly(0.0005)
    assert u["revenue"].isna().sum() == exactly(0.0005)
    assert u["channel"].isin(reference.UNKNOWN_CHANNELS).sum() == exactly(0.002)
    assert exactly(0.004) - exactly(0.002) <= u["channel"].isna().sum() <= exactly(0.004)
    padded = u["campaign_name"].dropna()
    assert abs((padded != padded.str.strip()).sum() - exactly(0.01)) <= exactly(0.0005)
    # (drawn clicks never exceed impressions; a few chosen rows may have lost their impressions)
    over = (u["clicks"].astype("float") > u["impressions"].astype("float")).sum()
    assert exactly(0.001) - 10 <= over <= exactly(0.001)
    assert (u["revenue"] > 10 * u["revenue"].median()).sum() >= 0.002 * n_unique
    # the dirt is spread over the chunks, not bunched in some of them
    per_chunk = u["impressions"].isna().groupby(np.arange(n_unique) // chunk_rows).mean()
    assert per_chunk.between(0.004, 0.016).all()


def test_order_statistics_over_several_passes_match_a_sort():
    rng = np.random.default_rng(0)
    values = np.round(rng.lognormal(7, 2, 50_001) * rng.integers(0, 3, 50_001), 2)
    keys = (values + 0.0).view(np.int64)

    def read():
        for lo in range(0, len(keys), 7_000):
            yield keys[lo:lo + 7_000]

    ranks = [0, 1, 25_000, 25_001, 50_000]
    for limit in (100, 10**6):
        found = sample_data._order_statistics(read, len(keys), ranks, limit=limit)
        assert found == {r: int(np.sort(keys)[r]) for r in ranks}
    assert (values == 0).mean() > 0.3  # a third are zero: ranks inside a run of equal keys
    zeros = int((values == 0).sum())
    assert sample_data._order_statistics(read, len(keys), [zeros - 1, zeros], limit=100) == {
        zeros - 1: 0, zeros: int(np.sort(keys)[zeros])}
    # and the median as pandas computes it, from the two middle values
    even = values[:-1]
    srt = np.sort(even)
    assert float(np.median(srt[[len(even) // 2 - 1, len(even) // 2]])) == float(pd.Series(even).median())


def test_bad_arguments_fail_at_once_and_no_temporary_files_are_left(tmp_path, monkeypatch):
    with pytest.raises(ValueError):
        iter_campaigns(-1, end_date=END)
    with pytest.raises(ValueError):
        iter_campaigns(10, end_date=END, chunk_rows=0)
    with pytest.raises(ValueError):
        iter_customers(-1, end_date=END)
    monkeypatch.setattr(sample_data.tempfile, "tempdir", str(tmp_path))
    list(iter_campaigns(3_000, end_date=END, chunk_rows=500))
    list(iter_customers(3_000, end_date=END, chunk_rows=500))
    abandoned = iter_campaigns(3_000, end_date=END, chunk_rows=500)
    next(abandoned)
    assert list(tmp_path.iterdir())  # its temporary files, while it is open
    abandoned.close()
    assert not list(tmp_path.iterdir())
