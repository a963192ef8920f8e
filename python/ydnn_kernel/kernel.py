"""The Jupyter side of the ydnn kernel: ipykernel's ``Kernel`` base class in
front of one ``ydnn kernel`` child process.

Every Jupyter request becomes one JSON line on the child's stdin; the child's
JSON lines (stream, display_data, update_display_data, error, *_reply) become
Jupyter messages. Interrupts arrive as SIGINT (kernelspec ``interrupt_mode``
"signal"); they are forwarded to the child, which stops ``train`` after the
current batch and keeps the weights. The child runs in its own session, so the
forwarded signal is the only one it gets.
"""

import collections
import json
import os
import shutil
import signal
import subprocess
import threading

from ipykernel.kernelbase import Kernel

from . import __version__


def find_ydnn():
    """The ydnn binary: $YDNN_BIN, else ``ydnn`` on PATH."""
    explicit = os.environ.get("YDNN_BIN")
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise RuntimeError(f"YDNN_BIN={explicit} is not an executable file")
        return explicit
    found = shutil.which("ydnn")
    if not found:
        raise RuntimeError("no ydnn binary: set YDNN_BIN or put ydnn on PATH (make build; make jupyter)")
    return found


class ChildEnded(Exception):
    """The ydnn process exited (crashed or was killed)."""


class YdnnChild:
    """One ``ydnn kernel`` process and its JSON-lines pipes."""

    def __init__(self, binary, log):
        self.log = log
        self.process = subprocess.Popen(
            [binary, "kernel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # only our forwarded SIGINT reaches it
        )
        self.stderr_tail = collections.deque(maxlen=40)
        self._next_id = 0
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.ready = self.read()
        if self.ready.get("type") != "ready":
            raise RuntimeError(f"ydnn kernel did not start: {self.ready}")

    def _drain_stderr(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr_tail.append(line)
            self.log.warning("ydnn: %s", line)

    def alive(self):
        return self.process.poll() is None

    def send(self, message):
        """Sends a request; returns its id."""
        self._next_id += 1
        message = dict(message, id=self._next_id)
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise ChildEnded(str(e)) from e
        return self._next_id

    def read(self):
        """The next message (a dict); raises ChildEnded at end of output."""
        while True:
            try:
                line = self.process.stdout.readline()
            except KeyboardInterrupt:
                # SIGINT with the default handler (between our handler's install
                # and the request): forward it and keep reading.
                self.interrupt()
                continue
            if not line:
                raise ChildEnded(f"exit status {self.process.wait()}")
            try:
                return json.loads(line)
            except ValueError:
                self.log.warning("ydnn kernel: not a JSON line: %r", line[:200])

    def request(self, message, reply_type):
        """Sends a request and returns its reply, skipping anything else."""
        rid = self.send(message)
        while True:
            m = self.read()
            if m.get("id") == rid and m.get("type") == reply_type:
                return m

    def interrupt(self):
        if self.alive():
            try:
                os.kill(self.process.pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def close(self, timeout=5):
        if self.alive():
            try:
                self.request({"type": "shutdown"}, "shutdown_reply")
            except (ChildEnded, OSError):
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class YdnnKernel(Kernel):
    implementation = "ydnn_kernel"
    implementation_version = __version__
    language = "ydnn"
    language_version = ""
    language_info = {
        "name": "ydnn",
        "file_extension": ".ydnn",
        "mimetype": "text/x-ydnn",
        "codemirror_mode": "shell",
        "pygments_lexer": "bash",
    }
    banner = "ydnn"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.child = None
        self._busy = False
        self._start_child()

    # -- the child process ------------------------------------------------

    def _start_child(self):
        self.child = YdnnChild(find_ydnn(), self.log)
        ready = self.child.ready
        info = dict(self.language_info)
        info.update(ready.get("language_info", {}))
        self.language_info = info
        self.language_version = ready.get("ydnn_version", "")
        self.banner = ready.get("banner", self.banner)

    def _forward_sigint(self, signum, frame):
        if self.child is not None:
            self.child.interrupt()

    def _ended_message(self, error):
        tail = list(self.child.stderr_tail)[-10:] if self.child else []
        return [f"the ydnn process ended ({error}); the next cell starts a new session"] + tail

    # -- Jupyter requests -------------------------------------------------

    async def do_execute(self, code, silent, store_history=True, user_expressions=None,
                         allow_stdin=False, *, cell_meta=None, cell_id=None):
        if self.child is None or not self.child.alive():
            self._start_child()
            if not silent:
                self.send_response(self.iopub_socket, "stream",
                                   {"name": "stderr", "text": "(a new ydnn session was started: earlier state is gone)\n"})
        saved = signal.signal(signal.SIGINT, self._forward_sigint)
        self._busy = True
        try:
            return self._execute(code, silent)
        finally:
            self._busy = False
            signal.signal(signal.SIGINT, saved)

    def _execute(self, code, silent):
        try:
            rid = self.child.send({"type": "execute", "code": code, "name": f"In[{self.execution_count}]"})
            while True:
                m = self.child.read()
                if m.get("id") != rid:
                    continue
                kind = m.get("type")
                if kind == "execute_reply":
                    if m.get("status") == "ok":
                        return {"status": "ok", "execution_count": self.execution_count,
                                "payload": [], "user_expressions": {}}
                    return {"status": "error", "execution_count": self.execution_count,
                            "ename": m.get("ename", "Error"), "evalue": m.get("evalue", ""),
                            "traceback": m.get("traceback", [])}
                if silent:
                    continue
                if kind == "stream":
                    self.send_response(self.iopub_socket, "stream", {"name": m["name"], "text": m["text"]})
                elif kind in ("display_data", "update_display_data"):
                    content = {"data": m.get("data", {}), "metadata": m.get("metadata", {})}
                    if m.get("display_id"):
                        content["transient"] = {"display_id": m["display_id"]}
                    self.send_response(self.iopub_socket, kind, content)
                elif kind == "error":
                    self.send_response(self.iopub_socket, "error",
                                       {"ename": m["ename"], "evalue": m["evalue"], "traceback": m["traceback"]})
        except ChildEnded as e:
            traceback = self._ended_message(e)
            if not silent:
                self.send_response(self.iopub_socket, "error",
                                   {"ename": "KernelDied", "evalue": str(e), "traceback": traceback})
            return {"status": "error", "execution_count": self.execution_count,
                    "ename": "KernelDied", "evalue": str(e), "traceback": traceback}

    def _ask(self, message, reply_type):
        if self.child is None or not self.child.alive():
            return None
        try:
            return self.child.request(message, reply_type)
        except ChildEnded:
            return None

    async def do_complete(self, code, cursor_pos):
        if cursor_pos is None:
            cursor_pos = len(code)
        r = self._ask({"type": "complete", "code": code, "cursor_pos": cursor_pos}, "complete_reply")
        if r is None:
            return {"status": "ok", "matches": [], "cursor_start": cursor_pos, "cursor_end": cursor_pos, "metadata": {}}
        return {"status": "ok", "matches": r["matches"], "cursor_start": r["cursor_start"],
                "cursor_end": r["cursor_end"], "metadata": {}}

    async def do_inspect(self, code, cursor_pos, detail_level=0, omit_sections=()):
        if cursor_pos is None:
            cursor_pos = len(code)
        r = self._ask({"type": "inspect", "code": code, "cursor_pos": cursor_pos,
                       "detail_level": detail_level}, "inspect_reply")
        if r is None or not r.get("found"):
            return {"status": "ok", "found": False, "data": {}, "metadata": {}}
        return {"status": "ok", "found": True, "data": {"text/plain": r["text"]}, "metadata": {}}

    async def do_is_complete(self, code):
        r = self._ask({"type": "is_complete", "code": code}, "is_complete_reply")
        if r is None:
            return {"status": "unknown"}
        reply = {"status": r["status"]}
        if r["status"] == "incomplete":
            reply["indent"] = r.get("indent", "")
        return reply

    async def do_shutdown(self, restart):
        child, self.child = self.child, None
        if child is not None:
            if self._busy:
                # A cell is running (and reading the child's output on the main
                # thread): no conversation is possible, end the process.
                child.process.kill()
            else:
                child.close()
        return {"status": "ok", "restart": restart}
