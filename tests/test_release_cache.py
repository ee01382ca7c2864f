"""The release cache: built once per source key, reused, rebuilt when a source changes, safe
for concurrent builders, and files made with the user's umask."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from ops_support import ops_release

from pcfgraph import release_cache
from pcfgraph.release import Release, load_release
from pcfgraph.release_cache import cached_release, default_cache_dir, prune
from pcfgraph.release_verify import verify_release

ROOT = Path(__file__).resolve().parent.parent


def counting_builder(calls: list[int], variant: int = 0):  # type: ignore[no-untyped-def]
    def build() -> Release:
        calls.append(1)
        return ops_release(variant)

    return build


def test_built_once_then_opened(tmp_path: Path) -> None:
    calls: list[int] = []
    first = cached_release(tmp_path, build=counting_builder(calls))
    second = cached_release(tmp_path, build=counting_builder(calls))
    assert calls == [1]
    assert first.release_id == second.release_id
    assert second.store_path is not None and second.store_path.is_dir()
    assert len(second.store) == len(ops_release().store)
    assert second.manifest["verified"]  # verified before it was published
    assert verify_release(second) is second


def test_a_changed_source_is_a_new_key(tmp_path: Path) -> None:
    calls: list[int] = []
    extra = tmp_path / "extra.txt"
    extra.write_text("one", encoding="utf-8")
    cache = tmp_path / "cache"
    cached_release(cache, extra_sources=[extra], build=counting_builder(calls))
    cached_release(cache, extra_sources=[extra], build=counting_builder(calls))
    extra.write_text("two", encoding="utf-8")
    cached_release(cache, extra_sources=[extra], build=counting_builder(calls, 1))
    assert calls == [1, 1]
    assert len([p for p in (cache / "releases").iterdir() if not p.name.startswith(".")]) == 2


def test_a_damaged_entry_is_rebuilt(tmp_path: Path) -> None:
    calls: list[int] = []
    release = cached_release(tmp_path, build=counting_builder(calls))
    assert release.path is not None
    shutil.rmtree(release.path / "store")
    (release.path / "store").mkdir()
    again = cached_release(tmp_path, build=counting_builder(calls))
    assert calls == [1, 1]
    assert len(again.store) == len(release.store)


def test_concurrent_builders_publish_one_entry(tmp_path: Path) -> None:
    script = (
        "import sys; sys.path.insert(0, sys.argv[2]);"
        "from pathlib import Path; from ops_support import ops_release;"
        "from pcfgraph.release_cache import cached_release;"
        "r = cached_release(Path(sys.argv[1]), build=lambda: ops_release(0));"
        "print(r.release_id)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PCFGRAPH_CACHE_DIR"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path), str(ROOT / "tests")],
            stdout=subprocess.PIPE,
            env=env,
        )
        for _ in range(3)
    ]
    ids = {p.communicate(timeout=300)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(ids) == 1
    entries = list((tmp_path / "releases").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")


def test_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        release = cached_release(tmp_path, build=lambda: ops_release(0))
    finally:
        os.umask(old)
    assert release.path is not None
    for path in [release.path, *release.path.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o044 == 0o044, f"{path} is {oct(mode)}"


def test_snapshot_survives_the_entry_being_removed(tmp_path: Path) -> None:
    release = cached_release(tmp_path, build=lambda: ops_release(0))
    assert release.path is not None
    before = len(release.store)
    shutil.rmtree(release.path)
    assert len(release.store) == before
    assert release.store.graph_names()


def test_prune_keeps_recent_and_the_current_entry(tmp_path: Path) -> None:
    entries = tmp_path / "releases"
    names = [f"k{i}" for i in range(6)]
    for i, name in enumerate(names):
        (entries / name).mkdir(parents=True)
        t = 1_000_000 + i
        os.utime(entries / name, (t, t))
    now = 1_000_000 + 10 * release_cache.UNUSED_SECONDS
    removed = prune(entries, keep=entries / "k0", now=now)
    assert sorted(p.name for p in removed) == ["k1", "k2"]
    assert sorted(p.name for p in entries.iterdir()) == ["k0", "k3", "k4", "k5"]


def test_prune_skips_an_entry_another_builder_removes_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent builder's temporary directory may vanish between listing and stat."""
    entries = tmp_path / "releases"
    for name in ("k0", ".k1.tmp", "k2"):
        (entries / name).mkdir(parents=True)
    real_stat = Path.stat

    def vanishing_stat(self: Path, **kwargs: bool) -> os.stat_result:
        result = real_stat(self, **kwargs)  # seen while listing, gone right after
        if self.name == ".k1.tmp":
            shutil.rmtree(self, ignore_errors=True)
        return result

    monkeypatch.setattr(Path, "stat", vanishing_stat)
    assert prune(entries, keep=entries / "k0") == []
    assert sorted(p.name for p in entries.iterdir()) == ["k0", "k2"]


def test_cache_dir_setting_and_environment() -> None:
    assert default_cache_dir(Path("/x")) == Path("/x")
    assert default_cache_dir(None, {"PCFGRAPH_CACHE_DIR": "off"}) is None
    assert default_cache_dir(None, {"PCFGRAPH_CACHE_DIR": "/c"}) == Path("/c")
    assert default_cache_dir(None, {"XDG_CACHE_HOME": "/xdg"}) == Path("/xdg/pcfgraph")
    assert default_cache_dir(None, {"HOME": "/h"}) == Path("/h/.cache/pcfgraph")


def test_a_relative_xdg_cache_home_is_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The XDG Base Directory specification makes a relative ``XDG_CACHE_HOME`` invalid, to
    be ignored; it was taken from the working directory (a cache per directory a command ran
    in). Now ``~/.cache/pcfgraph``, and one warning line naming the value."""
    env = {"XDG_CACHE_HOME": "rel/cache", "HOME": "/h"}
    with caplog.at_level("WARNING", logger="pcfgraph.cache"):
        assert default_cache_dir(None, env) == Path("/h/.cache/pcfgraph")
        assert default_cache_dir(None, env) == Path("/h/.cache/pcfgraph")
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "pcfgraph.cache"]
    assert warning.startswith("XDG_CACHE_HOME='rel/cache' is not an absolute path: ignored")
    assert "the cache is /h/.cache/pcfgraph" in warning


def test_no_home_directory_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container run as a user id in no passwd file, without ``HOME``: every command was
    "internal error (RuntimeError: Could not determine home directory.)", exit 3."""
    import pwd

    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(uid)

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert default_cache_dir(None, {}) is None
    assert default_cache_dir(None, {"XDG_CACHE_HOME": "/xdg"}) == Path("/xdg/pcfgraph")


def test_a_release_directory_opens_its_store_read_only(tmp_path: Path) -> None:
    release = cached_release(tmp_path, build=lambda: ops_release(0))
    assert release.path is not None
    loaded = load_release(release.path)
    assert loaded.store_path is not None
    with pytest.raises((OSError, RuntimeError), match=r"read-write|read-only|read only"):
        loaded.store.store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_missing_extra_sources_are_refused_even_with_a_release_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A missing --add workbook (or sources file) was left out of the cache key: with the default
    # release cached, `pcfgraph build --add typo.xlsx` and `serve --add typo.xlsx` went on with
    # the default graph as if it held the workbook (a fresh cache refused it in the build)
    from pcfgraph import release
    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main
    from pcfgraph.errors import InputError
    from pcfgraph.release_cache import open_release
    from pcfgraph.sources import ExtraSources

    monkeypatch.setattr(release, "build_release", lambda *a, **k: ops_release())
    cache = tmp_path / "cache"
    cached = open_release(None, cache_dir=cache)  # the default sources' release, kept
    typo = tmp_path / "typo.xlsx"
    with pytest.raises(InputError, match=r"--add \S*typo\.xlsx: no such file"):
        open_release(None, cache_dir=cache, extra=ExtraSources(workbooks=(typo,)))
    real = tmp_path / "real.xlsx"
    real.write_bytes(b"not read: the missing one is refused first")
    with pytest.raises(InputError, match=r"typo\.xlsx: no such file"):
        open_release(None, cache_dir=cache, extra=ExtraSources(workbooks=(real, typo)))
    with pytest.raises(InputError, match=r"none\.yaml: no such sources file"):
        open_release(None, cache_dir=cache, extra=ExtraSources(sources_file=tmp_path / "none.yaml"))
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", str(cache))
    out = tmp_path / "out"
    assert run_main(main, ["build", "--add", str(typo), "-o", str(out)]) == 2  # bad input
    assert "typo.xlsx: no such file" in capsys.readouterr().err and not out.exists()
    assert open_release(None, cache_dir=cache).release_id == cached.release_id  # still kept


def test_a_cache_that_cannot_be_written_serves_the_release_from_memory(tmp_path: Path) -> None:
    """A cache directory that cannot be made (here under a regular file, which holds for root
    too; a read-only mount or a full disk fail the same way) is not a crash of the command or
    the server: the verified release just built is served from memory, with one warning
    naming the directory and what went wrong."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    cache = blocker / "cache"
    calls: list[int] = []
    release = cached_release(cache, build=counting_builder(calls))
    assert calls == [1]
    assert release.store_path is None  # in memory, nothing published
    assert len(release.store) == len(ops_release().store)
    assert verify_release(release) is release  # verified before it is served
    (note,) = [w for w in release.warnings if "cache directory" in w]
    assert str(cache) in note and "PCFGRAPH_CACHE_DIR" in note
    assert "Not a directory" in note


def test_an_added_source_that_cannot_be_read_is_bad_input_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PCFGRAPH_ADD_WORKBOOKS`` (or a sources file's workbook) naming a file the server's
    user may not read was exit 3, "internal error ... This is a bug" (PermissionError while
    hashing the sources for the cache key); a directory was "no such file". Root reads any
    file, so the refusal to read is made here."""
    from pcfgraph.errors import InputError
    from pcfgraph.release_cache import open_release
    from pcfgraph.sources import ExtraSources

    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(b"PK")
    read_bytes = Path.read_bytes

    def refused(self: Path) -> bytes:
        if self == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refused)
    extra = ExtraSources(workbooks=(secret,))
    with pytest.raises(InputError, match=r"cannot read \S*secret\.xlsx: Permission denied"):
        open_release(None, cache_dir=tmp_path / "cache", extra=extra)
    folder = ExtraSources(workbooks=(tmp_path,))
    with pytest.raises(InputError, match=r"--add \S+: a directory, not a workbook file"):
        open_release(None, cache_dir=tmp_path / "cache", extra=folder)
