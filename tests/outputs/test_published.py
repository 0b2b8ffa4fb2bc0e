"""The disclosure rule as a type: only publish() makes a Published record, and writers take nothing else."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hubplan.api import Published, publish, write_outputs


def test_published_is_made_only_by_the_rule(make_record) -> None:
    record = make_record(name="pub", integer_counts=True, suppress_below=5)
    with pytest.raises(TypeError, match="made only by"):
        Published(record, {})
    published = publish(record)
    assert publish(published) is published
    assert published.metrics["suppress_below"] == 5
    hidden = [name for name, block in published.metrics["localities"].items() if block["attendees"] is None]
    exact = {name: block["attendees"] for name, block in record.metrics["localities"].items()}
    assert all(exact[name] < 5 for name in hidden)
    shown = [b["attendees"] for b in published.metrics["localities"].values() if b["attendees"] is not None]
    assert shown and all(math.isclose(v % 5, 0) for v in shown)


def test_writers_refuse_an_unpublished_record(make_record, tmp_path: Path) -> None:
    """Handing a writer the raw record fails at once (mypy flags it too: see test_writers_are_typed)."""
    from hubplan.outputs.layers import public_layers
    from hubplan.outputs.writer import write_run

    record = make_record(name="raw", suppress_below=5)
    with pytest.raises(AttributeError):
        public_layers(record)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        write_run(record, tmp_path)  # type: ignore[arg-type]
    assert not (tmp_path / "raw").exists()
    folder, operational = write_outputs(record, tmp_path)
    assert folder == tmp_path / "raw" and operational is None and (folder / "metrics.json").is_file()


@pytest.mark.slow
def test_writers_are_typed(tmp_path: Path) -> None:
    """Forgetting the rule is a type error: mypy rejects a RunRecord where a Published is due."""
    mypy_api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "leak.py"
    snippet.write_text(
        "from pathlib import Path\n"
        "from hubplan.outputs.writer import write_run\n"
        "from hubplan.record.run import RunRecord\n\n"
        "def leak(record: RunRecord) -> Path:\n"
        "    return write_run(record, Path('out'))\n",
        encoding="utf-8",
    )
    stdout, _, status = mypy_api.run([str(snippet), "--no-error-summary", "--cache-dir", str(tmp_path / "cache"),
                                      "--follow-imports", "silent", "--ignore-missing-imports"])
    assert status == 1
    assert 'incompatible type "RunRecord"; expected "Published"' in stdout
