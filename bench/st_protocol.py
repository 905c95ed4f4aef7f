"""One browser tab without a browser: Streamlit's own websocket protocol, as its frontend speaks it.

A :class:`Tab` loads a page over HTTP (which sets Streamlit's XSRF cookie), opens ``/_stcore/stream``
with the subprotocols the frontend sends (``streamlit`` and the XSRF token), and then sends ``BackMsg``
``rerun_script`` messages holding a ``ClientState`` (query string, page, every widget's state) and reads
``ForwardMsg`` protobufs until ``script_finished``, as the frontend does. It keeps what the frontend keeps:
the widgets drawn (their ids and values, from ``new_element`` deltas), the pages, the query string the
app last wrote, cached messages (sent back by hash) and the fragments that asked to be rerun on a timer.

It imports no gevent: Locust's process (``bench/workshop_participants.py``) patches the sockets it uses.

>>> Tab("http://127.0.0.1:8501").ws_url
'ws://127.0.0.1:8501/_stcore/stream'
"""

from __future__ import annotations

import re
import time
import urllib.request
from dataclasses import dataclass, field

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
FINISHED = ForwardMsg.ScriptFinishedStatus
ERROR_ALERT = 1  # streamlit.proto.Alert_pb2.Alert.Format.ERROR
MAX_CACHED = 2000  # messages kept by hash, as the frontend's cache does (bounded)
MAX_MESSAGES = 20_000  # ForwardMsgs read for one run at most


class ProtocolError(RuntimeError):
    """The server broke off, or a run did not finish in time."""


@dataclass
class Widget:
    """A widget as the page last drew it: its id, kind, label and the value this tab holds for it."""

    id: str
    kind: str  # "slider", "toggle", "checkbox", "number_input", "button", "select_slider" (value not kept)
    label: str
    value: object = None
    is_int: bool = False
    fragment: str = ""  # the st.fragment it is drawn in: a change to it reruns only that fragment

    def state(self) -> WidgetState | None:
        """The ``WidgetState`` the frontend would send for it (None: nothing to send)."""
        if self.value is None:
            return None
        s = WidgetState(id=self.id)
        if self.kind == "slider":
            s.double_array_value.data[:] = list(self.value)
        elif self.kind in ("toggle", "checkbox"):
            s.bool_value = bool(self.value)
        elif self.kind == "number_input" and self.is_int:
            s.int_value = int(self.value)
        else:
            s.double_value = float(self.value)
        return s


@dataclass
class Run:
    """What one script run (or fragment run) sent back: how long it took and what it showed."""

    seconds: float
    status: int
    texts: list[str] = field(default_factory=list)  # markdown, headings, captions, alerts
    progress: list[str] = field(default_factory=list)  # st.progress texts
    errors: list[str] = field(default_factory=list)  # exception elements and st.error alerts

    def shows(self, text: str) -> bool:
        return any(text in t for t in self.texts)


class Tab:
    """A simulated browser tab on the Streamlit app at ``base_url`` (``http://127.0.0.1:PORT``).

    Args:
        base_url: the app's address (loopback).
        cookies: extra cookies this browser holds (e.g. the lab's ``lstm_lab_sid``).
        timeout: seconds a run may take before it counts as never finished.
    """

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.ws_url = "ws" + self.base_url[len("http") :] + "/_stcore/stream"
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.ws: websocket.WebSocket | None = None
        self.query = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # url path → page script hash
        self.widgets: dict[str, Widget] = {}
        self.auto_reruns: dict[str, float] = {}  # fragment id → seconds between its reruns
        self._due: dict[str, float] = {}  # fragment id → when its timer fires next (time.monotonic())
        self._cache: dict[str, ForwardMsg] = {}
        self._seen: set[str] = set()

    # ------------------------------------------------------------ connecting

    def open(self, path: str = "", query: str = "", timeout: float | None = None) -> Run:
        """Load ``/<path>?<query>`` as a browser does (page, health, host config), connect, run it once.

        ``timeout`` bounds this first run instead of the tab's (a server's first page may start its compute tier).
        """
        suffix = f"?{query}" if query else ""
        for url in (f"{self.base_url}/{path}{suffix}", f"{self.base_url}/_stcore/health",
                    f"{self.base_url}/_stcore/host-config"):  # fmt: skip
            self._get(url)
        xsrf = self.cookies.get(XSRF_COOKIE, "")
        self.ws = websocket.create_connection(
            self.ws_url, timeout=self.timeout, subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
            origin=self.base_url, cookie=self._cookie_header(),
        )  # fmt: skip
        self.query = query
        return self._rerun(page_name=path, timeout=timeout)

    def _get(self, url: str) -> None:
        request = urllib.request.Request(
            url, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as r:  # loopback only: the app under test
            r.read()
            for header in r.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    # ------------------------------------------------------------ what the page shows

    def widget(self, kind: str, label: str, nth: int = 0) -> Widget:
        """The ``nth`` widget of ``kind`` whose label starts with ``label``, in the order drawn.

        Raises:
            KeyError: the page shows no such widget.
        """
        found = [w for w in self.widgets.values() if w.kind == kind and w.label.startswith(label)]
        if len(found) <= nth:
            raise KeyError(f"no {kind} {label!r} #{nth} on the page; it shows {sorted(self._labels())}")
        return found[nth]

    def _labels(self) -> set[str]:
        return {f"{w.kind}:{w.label}" for w in self.widgets.values()}

    # ------------------------------------------------------------ actions

    def change(self, widget: Widget, value) -> Run:
        """Give ``widget`` a new value (as a user's slider move or click does) and wait for the rerun (of
        the widget's fragment only, when it is drawn in one, as the frontend asks)."""
        widget.value = value
        return self._rerun(fragment_id=widget.fragment)

    def press(self, button: Widget) -> Run:
        """Click a button: one rerun with its trigger set."""
        trigger = WidgetState(id=button.id, trigger_value=True)
        return self._rerun(extra=[trigger], fragment_id=button.fragment)

    def goto(self, path: str) -> Run:
        """Follow a navigation link to the page at ``path`` (``"train"``)."""
        self._stop_timers()  # the frontend drops its fragment timers on a page change
        self.page_hash = self.pages[path]
        return self._rerun()

    def poll(self, fragment_id: str) -> Run:
        """The rerun the frontend's timer sends for a fragment with ``run_every``."""
        interval = self.auto_reruns.get(fragment_id)
        if interval is not None:
            self._due[fragment_id] = max(self._due.get(fragment_id, 0.0) + interval, time.monotonic())
        return self._rerun(fragment_id=fragment_id, auto=True)

    def next_poll(self) -> tuple[str, float] | None:
        """The fragment whose timer fires next and when (``time.monotonic()``), or None."""
        if not self._due:
            return None
        fragment_id = min(self._due, key=self._due.get)
        return fragment_id, self._due[fragment_id]

    def _stop_timers(self) -> None:
        self.auto_reruns.clear()
        self._due.clear()

    # ------------------------------------------------------------ the protocol

    def _rerun(self, page_name: str = "", extra: list[WidgetState] = (), fragment_id: str = "",
               auto: bool = False, timeout: float | None = None) -> Run:  # fmt: skip
        if self.ws is None:
            raise ProtocolError("not connected")
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.page_name = page_name if not self.page_hash else ""
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        state.cached_message_hashes[:] = list(self._cache)
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        state.context_info.url = f"{self.base_url}/{page_name}"
        widgets = [s for w in self.widgets.values() if (s := w.state()) is not None] + list(extra)
        state.widget_states.widgets.extend(widgets)
        started = time.perf_counter()
        self.ws.send_binary(msg.SerializeToString())
        return self._read_run(started, fragment_id, timeout=timeout or self.timeout)

    def _read_run(self, started: float, fragment_id: str, timeout: float) -> Run:
        deadline = started + timeout
        run = Run(seconds=0.0, status=-1)
        self._seen = set()
        for _ in range(MAX_MESSAGES):
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            self.ws.settimeout(left)
            try:
                data = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                break
            except (websocket.WebSocketException, OSError) as e:
                raise ProtocolError(f"connection lost: {type(e).__name__}: {e}") from e
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = self._handle(fwd, run)
            if kind == "script_finished" and fwd.script_finished != FINISHED.FINISHED_EARLY_FOR_RERUN:
                run.status = fwd.script_finished
                run.seconds = time.perf_counter() - started
                self._forget_unseen(run.status, fragment_id)
                return run
        raise ProtocolError(f"the run did not finish within {timeout:.0f} s")

    def _forget_unseen(self, status: int, fragment_id: str) -> None:
        """Widgets the run did not draw again are gone (a fragment's run redraws only that fragment)."""
        if status == FINISHED.FINISHED_SUCCESSFULLY:
            self.widgets = {k: w for k, w in self.widgets.items() if k in self._seen}
        elif status == FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY and fragment_id:
            self.widgets = {k: w for k, w in self.widgets.items() if k in self._seen or w.fragment != fragment_id}

    def _handle(self, fwd: ForwardMsg, run: Run) -> str:
        kind = fwd.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(fwd.ref_hash)
            if cached is None:
                run.errors.append(f"the server referred to a message this tab never got ({fwd.ref_hash})")
                return kind
            fwd, kind = cached, cached.WhichOneof("type")
        elif fwd.metadata.cacheable and fwd.hash:
            if len(self._cache) >= MAX_CACHED:
                self._cache.pop(next(iter(self._cache)))
            self._cache[fwd.hash] = fwd
        if kind == "new_session":
            self.page_hash = fwd.new_session.page_script_hash or self.page_hash
            if not fwd.metadata.run.fragment_ids:  # a full run: the frontend drops its fragment timers
                self._stop_timers()
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
            self.page_hash = fwd.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query = fwd.page_info_changed.query_string
        elif kind == "auto_rerun":
            fragment_id, interval = fwd.auto_rerun.fragment_id, fwd.auto_rerun.interval
            if self.auto_reruns.get(fragment_id) != interval:  # as setInterval: a new timer only when it changed
                self.auto_reruns[fragment_id] = interval
                self._due[fragment_id] = time.monotonic() + interval
        elif kind == "stop_auto_rerun":
            for fragment_id in fwd.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)
                self._due.pop(fragment_id, None)
        elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            self._element(fwd.delta.new_element, run, fwd.delta.fragment_id)
        return kind

    def _element(self, el, run: Run, fragment_id: str) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            run.errors.append(f"exception: {el.exception.type}: {el.exception.message}")
        elif kind == "alert":
            run.texts.append(el.alert.body)
            if el.alert.format == ERROR_ALERT:
                run.errors.append(f"st.error: {el.alert.body}")
        elif kind in ("markdown", "heading"):
            run.texts.append(getattr(el, kind).body)
        elif kind == "progress":
            run.progress.append(el.progress.text)
        elif kind in ("slider", "checkbox", "number_input", "button"):
            self._widget(kind, getattr(el, kind), fragment_id)

    def _widget(self, kind: str, proto, fragment_id: str) -> None:
        if kind == "checkbox" and proto.type == 1:  # Checkbox.StyleType.TOGGLE
            kind = "toggle"
        if kind == "slider" and proto.type == 2:  # Slider.Type.SELECT_SLIDER: its state is strings, not sent here
            kind = "select_slider"
        self._seen.add(proto.id)
        known = self.widgets.get(proto.id)
        if kind in ("button", "select_slider"):
            value = None
        elif kind == "slider":
            value = list(proto.value) if proto.set_value else (known.value if known else list(proto.default))
        else:
            value = proto.value if proto.set_value else (known.value if known else proto.default)
        is_int = kind == "number_input" and proto.data_type == 0  # NumberInput.DataType.INT: sent as int_value
        self.widgets[proto.id] = Widget(proto.id, kind, proto.label, value, is_int, fragment_id)


EPOCH = re.compile(r"Epoch (\d+) of (\d+)")


def epochs_shown(run: Run) -> tuple[int, int] | None:
    """``(epoch, epochs)`` from the last training progress text a run showed, or None.

    >>> epochs_shown(Run(0.1, 0, progress=["Training… Epoch 2 of 5."]))
    (2, 5)
    """
    for text in reversed(run.progress):
        m = EPOCH.search(text)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None
