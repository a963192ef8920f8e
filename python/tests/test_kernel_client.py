"""jupyter_client drives the installed kernel: completion, inspection,
is_complete, an interrupt during a long `train`, restart and shutdown."""

import os
import queue
import re
import signal
import time

import pytest
from jupyter_client.manager import KernelManager

SETUP = """seed 3
generate users=1500 items=400 categories=8
vocab min_count=2
window 5
embed user_id 16
lstm items 32 pool=max
dense 32 relu
nce negatives=5
let lr = 0.01"""


class Session:
    def __init__(self, km, kc):
        self.km, self.kc = km, kc

    def run(self, code, timeout=300):
        """Executes code; returns (reply content, iopub messages of this request)."""
        msgs = []
        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=msgs.append, allow_stdin=False)
        return reply["content"], msgs

    def reply(self, msg_id, timeout=30):
        while True:
            m = self.kc.get_shell_msg(timeout=timeout)
            if m["parent_header"].get("msg_id") == msg_id:
                return m["content"]


def texts(msgs, name="stdout"):
    """The text of a request's stream messages (stdout by default)."""
    return "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == name)


@pytest.fixture()
def session(tmp_path):
    (tmp_path / "clicks.tsv").write_text("user\titem\n")
    km = KernelManager(kernel_name="ydnn")
    km.start_kernel(cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    s = Session(km, kc)
    yield s
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)  # the ydnn child ends when its stdin closes


def process_state(pid):
    """The state letter of a process (R, S, Z, ...), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def reapable(pid):
    """Gone, or a zombie whose threads have all exited (only then can its parent see it end)."""
    if process_state(pid) is None:
        return True
    try:
        return process_state(pid) == "Z" and len(os.listdir(f"/proc/{pid}/task")) <= 1
    except OSError:
        return True


def ydnn_children(parent_pid):
    """Pids of `ydnn kernel` processes whose parent is parent_pid."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if ppid == parent_pid and len(argv) >= 2 and argv[1] == b"kernel":
            found.append(int(pid))
    return found


def test_kernel_info_names_the_language(session):
    info = session.kc.kernel_info(reply=True, timeout=30)["content"]
    assert info["language_info"]["name"] == "ydnn"
    assert info["implementation"] == "ydnn_kernel"
    assert info["status"] == "ok"


def test_completion_from_the_registry(session):
    ok, _ = session.run(SETUP)
    assert ok["status"] == "ok"
    def complete(code, pos=None):
        r = session.kc.complete(code, len(code) if pos is None else pos, reply=True, timeout=30)["content"]
        return r["matches"], r["cursor_start"], r["cursor_end"]
    assert complete("tra") == (["train"], 0, 3)
    matches, start, end = complete("train epo")
    assert matches == ["epochs="] and (start, end) == (6, 9)
    matches, _, _ = complete("train optimizer=")
    assert "adam" in matches
    matches, start, _ = complete("print $l")
    assert matches == ["$lr"] and start == 6
    matches, start, _ = complete('load csv "cli')
    assert matches == ["clicks.tsv"] and start == len('load csv "')
    # A multi-line cell: the completion is for the cursor's line.
    code = "seed 1\ntrain epo"
    matches, start, _ = complete(code)
    assert matches == ["epochs="] and start == code.index("epo")


def test_inspection_is_the_help_of_the_command_under_the_cursor(session):
    r = session.kc.inspect("train epochs=3", 2, reply=True, timeout=30)["content"]
    assert r["found"] and r["data"]["text/plain"].startswith("usage: train")
    assert "epochs=" in r["data"]["text/plain"]
    r = session.kc.inspect("seed 1\nindex hnsw m=8", len("seed 1\nindex hnsw m"), reply=True, timeout=30)["content"]
    assert r["found"] and "usage: index hnsw" in r["data"]["text/plain"]
    r = session.kc.inspect("   ", 1, reply=True, timeout=30)["content"]
    assert not r["found"]


def test_is_complete_for_blocks(session):
    def status(code):
        return session.reply(session.kc.is_complete(code))["status"]
    assert status('experiment "a" {') == "incomplete"
    assert status('experiment "a" {\n  train epochs=1\n}') == "complete"
    assert status("let dims = [1,") == "incomplete"
    assert status("train epochs=1") == "complete"


def test_interrupt_stops_train_and_keeps_the_model(session):
    ok, _ = session.run(SETUP)
    assert ok["status"] == "ok"
    msg_id = session.kc.execute("train epochs=500 batch=64")
    # Wait until an epoch has finished (its row is printed) and the progress
    # display updates again, so training is under way with weights to keep.
    deadline = time.time() + 120
    epoch_done = False
    seen = []
    while time.time() < deadline:
        try:
            m = session.kc.get_iopub_msg(timeout=5)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        seen.append(m)
        if m["msg_type"] == "stream" and re.match(r"\s+1\s+\d+\.\d{4}", m["content"]["text"]):
            epoch_done = True
        if epoch_done and m["msg_type"] == "update_display_data":
            break
    else:
        pytest.fail("no finished epoch and progress update within 120 s")
    t0 = time.time()
    session.km.interrupt_kernel()
    reply = session.reply(msg_id, timeout=60)
    stopped_in = time.time() - t0
    assert reply["status"] == "error" and reply["ename"] == "Interrupted", reply
    assert stopped_in < 20, f"train took {stopped_in:.1f} s to stop"
    # The rest of this request's output: the train's own message says the weights were kept.
    while True:
        m = session.kc.get_iopub_msg(timeout=10)
        if m["parent_header"].get("msg_id") == msg_id:
            seen.append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
    assert "weights kept" in texts(seen), texts(seen)
    assert session.km.is_alive()
    # The session and the model survive: evaluate works, and training goes on
    # from the epochs already done (the next epoch row is not epoch 1).
    ok, msgs = session.run("evaluate hr@10")
    assert ok["status"] == "ok"
    assert any("hr@10" in m["content"]["data"].get("text/html", "") for m in msgs if m["msg_type"] == "display_data")
    ok, msgs = session.run("train epochs=1")
    assert ok["status"] == "ok"
    rows = re.findall(r"^\s+(\d+)\s+\d+\.\d{4}", texts(msgs), re.M)
    assert rows and int(rows[0]) > 1, texts(msgs)


def test_restart_gives_a_fresh_session_and_shutdown_ends_the_child(session):
    ok, _ = session.run("let x = 5")
    assert ok["status"] == "ok"
    session.km.restart_kernel(now=False)
    session.kc.wait_for_ready(timeout=60)
    err, msgs = session.run("print $x")
    assert err["status"] == "error" and "undefined variable '$x'" in "\n".join(err["traceback"])
    ok, msgs = session.run("print 1")
    assert ok["status"] == "ok" and texts(msgs) == "1\n"
    kernel_pid = session.km.provisioner.process.pid
    children = ydnn_children(kernel_pid)
    assert len(children) == 1, children
    # If the ydnn process dies, the next cell says so and runs in a new one.
    os.kill(children[0], signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and not reapable(children[0]):
        time.sleep(0.05)
    ok, msgs = session.run("print 2")
    assert ok["status"] == "ok" and texts(msgs) == "2\n", (ok, msgs)
    assert "new ydnn session" in texts(msgs, "stderr")
    children = ydnn_children(kernel_pid)
    assert len(children) == 1, children
    session.km.shutdown_kernel(now=False)
    deadline = time.time() + 10
    while time.time() < deadline and process_state(children[0]) not in (None, "Z"):
        time.sleep(0.1)
    assert process_state(children[0]) in (None, "Z"), "the ydnn process outlived its kernel"
