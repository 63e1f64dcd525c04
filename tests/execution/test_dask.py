"""Dask execution: one result whatever the backend, the number of workers or the order in
which faces complete; time limits and failing faces reported, never dropped; one clear
line for a scheduler that cannot be reached."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reluscape.data import InputError, load_problem
from reluscape.exact.arrangement import orbit_representatives, pieces
from reluscape.exact.merge import assemble, process_face
from reluscape.execution import dask
from reluscape.execution.pipeline import plan, solve
from reluscape.provenance import package_versions
from reluscape.schema import Result

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


def _bench_dataset(n: int, d: int) -> list[list[str]]:
    """The seeded data of the benchmark cases (bench/run.py, a script, not a package)."""
    bench = sys.modules.get("bench_run")
    if bench is None:
        spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
        assert spec is not None and spec.loader is not None
        bench = importlib.util.module_from_spec(spec)
        sys.modules["bench_run"] = bench  # its dataclasses look their module up there
        spec.loader.exec_module(bench)
    return bench.dataset(n, d, seed=0)


def _csv(tmp_path: Path, n: int, d: int) -> Path:
    path = tmp_path / f"n{n}_d{d}.csv"
    path.write_text("\n".join(",".join(row) for row in _bench_dataset(n, d)) + "\n")
    return path


def _comparable(result: Result | str) -> dict:
    """The result document without its timings, the only part that may differ."""
    doc = json.loads(result if isinstance(result, str) else result.to_json())
    doc["stats"].pop("timings")
    return doc


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """Address of a cluster of two spawned (daemonic) worker processes, like a remote one."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
@pytest.mark.parametrize(("hidden", "n", "d"), [(2, 4, 1), (1, 5, 2)])
def test_every_mode_gives_the_same_result(
    tmp_path: Path, scheduler: str, hidden: int, n: int, d: int
) -> None:
    """Benchmark cases: in this process, --jobs 1 (the default), --jobs 2 and --scheduler
    give identical documents; the naive division finds identical minima."""
    problem = load_problem(_csv(tmp_path, n, d), hidden=hidden, lam="1/10")
    reference = _comparable(solve(problem, face_timeout=None))
    assert reference["stats"]["complete"]
    assert _comparable(solve(problem)) == reference
    assert _comparable(solve(problem, jobs=2)) == reference
    assert _comparable(solve(problem, scheduler=scheduler)) == reference
    naive = _comparable(solve(problem, partitions="naive", jobs=2))
    assert naive["stats"]["complete"]
    assert naive["minima"] == reference["minima"]


@pytest.mark.slow
def test_cli_with_scheduler_equals_a_local_run(tmp_path: Path, scheduler: str) -> None:
    data = _csv(tmp_path, 5, 1)
    out = tmp_path / "result.json"
    proc = _cli("solve", str(data), "--hidden", "1", "--lam", "1/10", "--quiet",
                "--scheduler", scheduler, "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    local = solve(load_problem(data, hidden=1, lam="1/10"), jobs=1)
    assert _comparable(out.read_text()) == _comparable(local)


def test_merge_does_not_depend_on_completion_order(tmp_path: Path) -> None:
    problem = load_problem(_csv(tmp_path, 4, 1), hidden=2, lam="1/10")
    unit_faces = pieces(problem, "realizable")
    products = orbit_representatives(len(unit_faces), problem.hidden)
    records = [process_face(problem, "realizable", p) for p in products]
    documents = []
    for seed in range(3):
        shuffled = random.Random(seed).sample(records, len(records))
        merged = assemble(problem, "realizable", len(unit_faces), shuffled, 0, 0)
        documents.append(_comparable(merged))
    assert documents[0]["minima"]
    assert documents[1] == documents[0] and documents[2] == documents[0]


@pytest.mark.parametrize("where", ["local", "scheduler"])
def test_time_limit_is_enforced_under_dask(tmp_path: Path, scheduler: str, where: str) -> None:
    """Faces over a tiny limit are killed and reported; none is dropped."""
    problem = load_problem(_csv(tmp_path, 5, 1), hidden=1, lam="1/10")
    place = {"scheduler": scheduler} if where == "scheduler" else {"jobs": 2}
    result = solve(problem, face_timeout=1e-3, **place)
    failures = result.stats["faces_undecided"]
    assert not result.complete
    assert failures
    assert {f["reason"] for f in failures} == {"time limit (0.001 s) exceeded"}
    assert all(f["face"] for f in failures)
    assert result.stats["orbits"] == plan(problem).orbits


@pytest.mark.parametrize(
    ("per_thread", "seconds"),
    [(dask.CHUNKS_PER_THREAD, dask.CHUNK_SECONDS), (1, dask.CHUNK_SECONDS), (1, 0.0)],
    ids=["faces", "chunks", "handed-back"],
)
def test_dead_and_failing_faces_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_thread: int, seconds: float
) -> None:
    """A face whose process dies, or that raises, is a failure; the others still run,
    those of its chunk included (with one chunk per thread, chunks of several faces;
    with no time budget, each task runs one face and hands the rest back)."""
    monkeypatch.setattr(dask, "CHUNKS_PER_THREAD", per_thread)
    monkeypatch.setattr(dask, "CHUNK_SECONDS", seconds)
    problem = load_problem(_csv(tmp_path, 5, 1), hidden=1, lam="1/10")
    products = orbit_representatives(len(pieces(problem, "realizable")), 1)
    assert (max(map(len, dask.chunked(products, 2))) > 1) == (per_thread == 1)
    reference = _comparable(solve(problem, face_timeout=None))

    def fragile(problem, partitions, product, census=False):
        if product == products[0]:
            os.kill(os.getpid(), signal.SIGKILL)
        if product == products[1]:
            raise RuntimeError("boom")
        return process_face(problem, partitions, product, census=census)

    # The children are forked from this process after the patch, so they run it.
    monkeypatch.setattr(dask, "process_face", fragile)
    result = solve(problem, jobs=2)
    reasons = sorted(f["reason"] for f in result.stats["faces_undecided"])
    assert reasons == ["RuntimeError: boom", "worker process died (killed by signal 9)"]
    assert result.stats["orbits"] == len(products)
    assert result.stats["systems_solved"] > 0
    lost = [f["face"] for f in result.stats["faces_undecided"]]
    # Being incomplete, the run does not call any minimum global: compare the rest.
    found = [(m["face"], m["point"]) for m in _comparable(result)["minima"]]
    assert found == [(m["face"], m["point"]) for m in reference["minima"] if m["face"] not in lost]
    assert found


@pytest.mark.parametrize("faces", [0, 1, 31, 32, 33, 1000, 10**5])
@pytest.mark.parametrize("threads", [0, 1, 2, 7])
def test_chunks_are_the_faces_in_order(faces: int, threads: int) -> None:
    products = [(i, i + 1) for i in range(faces)]
    chunks = dask.chunked(products, threads)
    assert [p for c in chunks for p in c] == products
    assert all(1 <= len(c) <= dask.CHUNK_MAX for c in chunks)
    assert len(chunks) >= min(faces, max(1, threads) * dask.CHUNKS_PER_THREAD)


def test_children_over_the_memory_limit_are_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a limit every child exceeds, each face gets a fresh child: same result."""
    problem = load_problem(_csv(tmp_path, 5, 1), hidden=1, lam="1/10")
    forks: list[int] = []
    child_init = dask._Child.__init__

    def counting_init(self: dask._Child) -> None:
        child_init(self)
        forks.append(self.pid)

    monkeypatch.setattr(dask._Child, "__init__", counting_init)
    monkeypatch.setattr(dask, "CHILD_RSS_LIMIT", 0)
    result = solve(problem, jobs=1)
    assert _comparable(result) == _comparable(solve(problem, face_timeout=None))
    assert len(forks) == result.stats["orbits"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("address", "needle"),
    [
        (f"tcp://127.0.0.1:{_closed_port()}", "timed out trying to connect"),
        ("tcp://127.0.0.1", "missing port number"),
    ],
    ids=["unreachable", "malformed"],
)
def test_scheduler_that_cannot_be_reached_is_one_line_exit_2(
    tmp_path: Path, address: str, needle: str
) -> None:
    data = _csv(tmp_path, 5, 1)
    proc = _cli("solve", str(data), "--hidden", "1", "--lam", "1/10", "--scheduler", address,
                env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("reluscape: error: cannot connect to the Dask scheduler at")
    assert needle in lines[0].lower()
    assert proc.stdout == ""


@pytest.fixture(scope="module")
def stale_scheduler() -> Iterator[str]:
    """Address of a cluster whose one worker process reports another reluscape version."""
    from distributed import Client, LocalCluster

    # exec is sent by reference: a function of this test module could not be unpickled
    # in the spawned worker, which does not have the tests on its path.
    stale = (
        "import reluscape.provenance as m\n"
        "real = m._package_versions()\n"
        "m._package_versions = lambda: tuple("
        "(k, '0.0.1' if k == 'reluscape' else v) for k, v in real)\n"
    )
    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not the shared 8787
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        client.run(exec, stale, {})
        yield cluster.scheduler_address


@pytest.mark.slow
def test_workers_with_other_versions_are_one_line_exit_2(
    tmp_path: Path, stale_scheduler: str
) -> None:
    """Checked before any face: a worker with another reluscape (or Singular) would
    compute what the result's stats.versions do not stand for."""
    data = _csv(tmp_path, 5, 1)
    out = tmp_path / "result.json"
    proc = _cli("solve", str(data), "--hidden", "1", "--lam", "1/10", "--quiet",
                "--scheduler", stale_scheduler, "--out", str(out))  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    here = package_versions()["reluscape"]
    assert lines[0].startswith(
        f"reluscape: error: 1 of 1 Dask workers of {stale_scheduler} run other versions"
    )
    assert f"reluscape 0.0.1 (here {here}); install the same versions" in lines[0]
    assert not out.exists()


@pytest.mark.slow
def test_a_worker_that_joins_with_other_versions_fails_its_faces(
    tmp_path: Path, stale_scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that joins after the check (here: the check skipped) runs no face: each
    of its faces is reported undecided with the difference, never computed."""
    monkeypatch.setattr(dask, "_check_workers", lambda client, address: None)
    problem = load_problem(_csv(tmp_path, 4, 1), hidden=1, lam="1/10")
    result = solve(problem, scheduler=stale_scheduler)
    here = package_versions()["reluscape"]
    reasons = {f["reason"] for f in result.stats["faces_undecided"]}
    assert reasons == {f"worker runs other versions: reluscape 0.0.1 (here {here})"}
    assert len(result.stats["faces_undecided"]) == result.stats["orbits"] == plan(problem).orbits
    assert result.minima == [] and not result.complete


def test_a_worker_without_reluscape_is_refused() -> None:
    class Cluster:  # client.run re-raises what a worker raised unpickling the function
        def run(self, function: object) -> None:
            raise ModuleNotFoundError("No module named 'reluscape'")

    with pytest.raises(InputError) as refused:
        dask._check_workers(Cluster(), "tcp://10.0.0.1:8786")
    assert str(refused.value) == (
        "a Dask worker of tcp://10.0.0.1:8786 cannot run reluscape (ModuleNotFoundError: "
        "No module named 'reluscape'); install the same reluscape on every machine of the cluster"
    )


def test_jobs_and_scheduler_together_are_refused(tmp_path: Path) -> None:
    data = _csv(tmp_path, 5, 1)
    proc = _cli("solve", str(data), "--hidden", "1", "--lam", "1/10", "--jobs", "2",
                "--scheduler", "tcp://127.0.0.1:8786")  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "reluscape: error: --jobs and --scheduler exclude each other: the cluster's workers "
        "set the parallelism"
    )


@pytest.mark.slow
def test_a_cluster_whose_workers_all_die_does_not_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Workers without a nanny (nothing restarts them) are SIGKILLed mid-run: the run
    ends within WORKER_WAIT plus a few seconds, the unfinished faces are undecided with
    the reason, and every finished face is in the checkpoint."""
    import threading
    import time

    from distributed import Client, LocalCluster

    wait = 3.0
    monkeypatch.setattr(dask, "WORKER_WAIT", wait)
    problem = load_problem(ROOT / "tests" / "data" / "d1_n5.csv", hidden=2, lam="1/10")
    ck = tmp_path / "ck"
    with LocalCluster(
        n_workers=0,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not the shared port 8787
    ) as cluster:
        address = cluster.scheduler_address
        workers = [
            subprocess.Popen(
                [*WORKER, address, "--no-nanny", "--nthreads", "1"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        try:
            with Client(address) as client:
                client.wait_for_workers(2, timeout=120)
            killed_at: list[float] = []

            def kill_when_some_faces_are_done() -> None:
                deadline = time.monotonic() + 240
                while len(list(ck.glob("face-*.json"))) < 10 and time.monotonic() < deadline:
                    time.sleep(0.05)
                for w in workers:
                    w.send_signal(signal.SIGKILL)
                killed_at.append(time.monotonic())

            killer = threading.Thread(target=kill_when_some_faces_are_done)
            killer.start()
            result = solve(problem, scheduler=address, checkpoint=ck, face_timeout=60)
            ended_at = time.monotonic()
            killer.join()
        finally:
            for w in workers:
                w.kill()
                w.wait()
    assert ended_at - killed_at[0] < wait + 20
    assert not result.complete
    reasons = [f["reason"] for f in result.stats["faces_undecided"]]
    lost = [r for r in reasons if r == f"no Dask worker left for {wait:g} s"]
    assert lost and len(lost) >= len(reasons) - 2  # at most the two running faces differ
    finished = len(list(ck.glob("face-*.json")))
    assert 10 <= finished == plan(problem).orbits - len(reasons)
    warned = [r.getMessage() for r in caplog.records if "no Dask worker for 3 s" in r.getMessage()]
    assert warned == [  # the faces, not the tasks (issue 31 item 16)
        f"no Dask worker for 3 s: the {len(lost)} unfinished faces are reported undecided "
        "(finished faces are kept in --checkpoint, if given)"
    ]


def test_a_finished_task_lost_with_its_worker_is_given_up_not_failed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 30, the race behind "task failed: FutureCancelledError ... reason unknown":
    a task that finished is handed over by as_completed, its worker dies before the run
    fetches its result (the task is lost: pending again), ``result()`` waits, and the
    watchdog cancels it; the run read "not cancelled, watchdog not fired" before waiting
    and called the cancellation a failure. Provoked deterministically, not by load: the
    first face's ``collect`` waits until every other task has finished and is queued,
    kills the only worker, and waits until the client has marked those tasks lost.
    Issue 31 item 16: the warning counts faces, not tasks (3 faces per task here)."""
    import threading
    import time

    import distributed
    from distributed import Client, LocalCluster

    wait = 1.0
    monkeypatch.setattr(dask, "WORKER_WAIT", wait)
    monkeypatch.setattr(dask, "CHUNKS_PER_THREAD", 7)  # 21 faces: 7 tasks of 3 faces
    monkeypatch.setattr(dask, "CHUNK_SECONDS", 1e9)  # each task runs its whole chunk
    queues: list[distributed.as_completed] = []

    class Recording(distributed.as_completed):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            queues.append(self)

    monkeypatch.setattr(distributed, "as_completed", Recording)
    problem = load_problem(ROOT / "tests" / "data" / "d1_n5.csv", hidden=1, lam="1/10")
    products = orbit_representatives(len(pieces(problem, "realizable")), 1)
    tasks = dask.chunked(products, 1)
    assert len(products) == 21 and len(tasks) == 7
    records = []
    with LocalCluster(
        n_workers=0,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not the shared port 8787
    ) as cluster:
        address = cluster.scheduler_address
        worker = subprocess.Popen(
            [*WORKER, address, "--no-nanny", "--nthreads", "1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with Client(address) as client:
                client.wait_for_workers(1, timeout=120)

            def collect(record) -> None:
                records.append(record)
                if len(records) > 1:
                    return
                (queue,) = queues
                deadline = time.monotonic() + 120
                while queue.queue.qsize() < len(tasks) - 1 and time.monotonic() < deadline:
                    time.sleep(0.01)
                waiting = list(queue.queue.queue)
                assert len(waiting) == len(tasks) - 1
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                while any(f.status != "lost" for f in waiting) and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert all(f.status == "lost" for f in waiting)

            assert threading.current_thread() is threading.main_thread()
            dask.run_on_dask(
                problem, "realizable", products, collect, face_timeout=60, scheduler=address
            )
        finally:
            worker.kill()
            worker.wait()
    assert len(records) == len(products)
    reasons = [r.failure for r in records if r.failure]
    assert reasons == [f"no Dask worker left for {wait:g} s"] * (len(products) - 3)
    warnings = [r.getMessage() for r in caplog.records if r.name == "reluscape"]
    assert warnings == [
        "no Dask worker for 1 s: the 18 unfinished faces are reported undecided "
        "(finished faces are kept in --checkpoint, if given)"
    ]
