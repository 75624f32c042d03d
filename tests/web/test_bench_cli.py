"""`credledger bench report` at a tiny size, as a user runs it, so the command cannot rot.

The installed console script in a subprocess: the instance is built through
the ledger's commands into a cache directory of the test's own, measured,
and reused by a second run (the content key is unchanged). Nothing here
asserts a speed: targets live in the benchmark's output.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import run_cli

REPORTS = ("irc_summary", "irc_summary_mo", "perkins_5s1", "ohio_status", "ohio_status_one_class", "colorado_incentive",
           "student_pathways")


def test_bench_report_builds_measures_and_reuses_its_instance(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ("bench", "report", "--awards", "120", "--students", "40", "--runs", "1", "--cache", str(cache))
    first = run_cli(None, *args, passphrase=None, json_out=True, expect=0, timeout=300)
    result = json.loads(first.out)
    assert result["instance"] == "built"
    assert (result["awards"], result["students"], result["runs"]) == (120, 40, 1)
    for name in REPORTS:
        assert result[f"{name}_p50_ms"] > 0
        assert result[f"{name}_over_floor"] > 0
    assert result["floor_district_rows_p50_ms"] > 0
    assert isinstance(result["within_target"], bool)
    assert 0 < result["ohio_students"] < 40  # Ohio's two districts' students: the others' states' rules apply
    # 120 awards, one in a hundred revoked: 119 counted.
    assert result["irc_summary_headline"].startswith("119 credentials earned by ")
    (key,) = [p.name for p in cache.iterdir()]

    second = json.loads(run_cli(None, *args, passphrase=None, json_out=True, expect=0, timeout=300).out)
    assert second["instance"] == "reused from the cache"
    assert [p.name for p in cache.iterdir()] == [key]
    assert second["irc_summary_headline"] == result["irc_summary_headline"]


def test_bench_report_refuses_a_size_it_cannot_build(tmp_path: Path) -> None:
    refused = run_cli(None, "bench", "report", "--students", "3", "--no-cache", passphrase=None, expect=2)
    assert "--students" in refused.err
