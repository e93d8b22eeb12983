"""The data version that every cached read keys on: read once a script run, again after a
write of the same run (ui/data.data_version)."""

from streamlit.testing.v1 import AppTest

from aspnet_data.db import Database

from ..conftest import use_database


def _reads_writes_and_reads_again() -> None:
    import streamlit as st

    from ui import data

    before = [data.region_names("en")["AFR"] for _ in range(5)]
    data.network_codes()
    data.db().write(lambda cur: cur.execute("UPDATE regions SET name_en = 'Africa (renamed)' WHERE code = 'AFR'"))
    after = data.region_names("en")["AFR"]
    st.write(" | ".join([*before, after]))


def test_a_run_reads_the_version_once_and_again_after_its_own_write(scratch_copy, monkeypatch):
    use_database(monkeypatch, scratch_copy)
    reads = []
    original = Database.data_version

    def counted(self):
        reads.append(1)
        return original.fget(self)

    monkeypatch.setattr(Database, "data_version", property(counted))
    at = AppTest.from_function(_reads_writes_and_reads_again, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # Six cached reads, two versions: the run's, and the one after its write.
    assert at.markdown[0].value == " | ".join(["Africa"] * 5 + ["Africa (renamed)"])
    assert len(reads) == 2, len(reads)
    at.run()  # the next run reads it afresh (once), and again after its own write
    assert len(reads) == 4, len(reads)
    assert at.markdown[0].value == " | ".join(["Africa (renamed)"] * 6)
