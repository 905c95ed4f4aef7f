"""Keep a browser's work across page reloads and server restarts.

A reload or a restart starts a new Streamlit session, with an empty ``st.session_state``. Each browser gets
a random token in a cookie (never in a link, so a shared link never shares data). Under it the durable store
(:mod:`lstm_lab.store`, opened once per process) keeps the upload, the lab settings and the last training,
encoded by :mod:`lstm_lab.saved`, never pickled. A training still running lives in this process only: a
reload finds it, a restart brings it back as failed, saying so. Each run writes only what changed.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import replace

import streamlit as st

from lstm_lab import saved
from lstm_lab.limits import LIMITS
from lstm_lab.records import Progress
from lstm_lab.store import MAX_BROWSERS, TTL_SECONDS, CorruptItem, Store, StoreError, new_token
from ui import state

COOKIE = "lstm_lab_sid"
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")  # what new_token makes (older cookies had 32 characters)
TOUCH_EVERY = 300.0  # seconds: how often an active browser's saved work is marked as used
WORDS = {saved.UPLOAD: "uploaded file", saved.LAB: "settings", saved.RUN: "trained model"}
LOST = "The training that was running when the server restarted was lost; press Train to start it again."
UNSAVED = "This server cannot save your work right now, so a restart would lose it."
log = logging.getLogger(__name__)

_live: OrderedDict[str, tuple] = OrderedDict()  # token → (job, time, job_lab, seen) of a job not in the store yet
_refused: weakref.WeakSet = weakref.WeakSet()  # ended jobs the store refused while their browser was away
_lock = threading.Lock()


@functools.cache
def store() -> Store | None:
    """The process's one store, opened on first use; None (logged) if it cannot be opened."""
    try:
        return Store.from_env()
    except StoreError as e:
        log.error("The browser store is unavailable, work will not survive a restart: %s", e.message)
        return None


def restore() -> None:
    """At a session's start: take back this browser's work, or give the browser a token."""
    st.session_state[state.SET_COOKIE] = True  # (re)written: the cookie lives as long as the saved work
    token = _cookie()
    if token is None or not TOKEN.fullmatch(token):
        st.session_state[state.BROWSER] = new_token()
        return
    st.session_state[state.BROWSER] = token
    with _lock:
        _expire()
        live = _live.get(token)
    db, wrote, lost = store(), {}, []
    if db is None:
        st.toast(UNSAVED, icon=":material/warning:", duration="long")
    elif _read_all(db, token, live is None, wrote, lost) and lost:
        words = " and ".join(dict.fromkeys(WORDS.get(name, "training runs") for name in lost))
        were = "it was" if len(lost) == 1 else "they were"
        st.toast(f"Your saved {words} could not be read, so {were} discarded; the rest of your work is back.",
                 icon=":material/warning:", duration="long")  # fmt: skip
    if live is not None:
        job, job_time, job_lab, _ = live
        st.session_state.update({state.JOB: job, state.JOB_TIME: job_time, state.JOB_LAB: job_lab})
    st.session_state[state.SAVED] = wrote


def save() -> None:
    """At the end of every run: write what changed since this session last did; keep a running job in memory."""
    token = st.session_state.get(state.BROWSER)
    if token is None:
        return
    wrote = st.session_state.setdefault(state.SAVED, {})
    job = state.job()
    written = wrote.get(saved.RUN)
    in_store = written is not None and written[0] is job and written[1]
    if job is not None and not in_store:
        with _lock:
            _live[token] = (job, state.job_time(), st.session_state.get(state.JOB_LAB), time.monotonic())
            _live.move_to_end(token)
            while len(_live) > MAX_BROWSERS:
                _live.popitem(last=False)[1][0].stop()
    note_run(job)
    db = store()
    if db is not None:
        try:
            _write(db, token, wrote, job)
            _write_unwatched(db)
        except StoreError as e:
            log.warning("Could not save a browser's work: %s", e.message)
            st.toast(e.message if e.code == "store_item_too_large" else UNSAVED, icon=":material/warning:")


def set_cookie() -> None:
    """Write the token into a cookie (a zero-height snippet; the token is ours, never user text)."""
    if st.session_state.pop(state.SET_COOKIE, False):
        token, db = st.session_state[state.BROWSER], store()
        age = int(db.ttl_seconds if db is not None else TTL_SECONDS)
        secure = "(location.protocol === 'https:' ? '; Secure' : '')"
        st.iframe(
            f"<script>document.cookie = '{COOKIE}={token}; path=/; max-age={age}; SameSite=Strict' + {secure};"
            "</script>",
            height=1,
        )


def _cookie() -> str | None:
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) else None  # AppTest's stand-in client answers with a mock


def _read_all(db: Store, token: str, with_run: bool, wrote: dict, lost: list[str]) -> bool:
    """Put the browser's saved items into the session; note in ``wrote`` what the store holds. False: unreachable."""
    try:
        db.touch(token)
        wrote["touched"] = time.monotonic()
        if not st.query_params:  # a bare address: the browser's own settings; a link's settings win
            lab = _read(db, token, saved.LAB, saved.read_lab, lost)
            if lab is not None:
                state.set_lab(lab)
                wrote[saved.LAB] = saved.lab_bytes(lab)
        upload = _read(db, token, saved.UPLOAD, saved.read_dataset, lost)
        if upload is not None:
            st.session_state[state.UPLOAD] = wrote[saved.UPLOAD] = upload
        run = _read(db, token, saved.RUN, saved.read_run, lost) if with_run else None
        if run is not None:
            st.session_state.update({state.JOB: run, state.JOB_TIME: run.time, state.JOB_LAB: run.trained_with})
            wrote[saved.RUN] = (run, True)
        kept = [_read(db, token, n, saved.read_run, lost) for n in db.names(token) if n.startswith(saved.RUN_PREFIX)]
        kept = sorted((r for r in kept if r is not None), key=lambda r: r.started)
        state.runs().update((r.run_id, r) for r in kept)
        for run_id, r in state.runs().items():  # one that ended while its browser was away has no number yet
            if r.number == 0:
                state.runs()[run_id] = replace(r, number=next_run_number())
        wrote["runs"] = {r.run_id for r in kept if r.number}
    except StoreError as e:
        log.warning("Could not read a browser's saved work: %s", e.message)
        st.toast("Your saved work could not be loaded right now; what you do next is saved.",
                 icon=":material/warning:", duration="long")  # fmt: skip
        return False
    return True


def _read(db: Store, token: str, name: str, decode, lost: list[str]):
    """One item, decoded and checked; an unreadable one is deleted and its name added to ``lost``."""
    try:
        data = db.get(token, name)
        return None if data is None else decode(data)
    except (CorruptItem, saved.UnreadableItem) as e:
        log.warning("Discarded a browser's %s: %s", name, e.message)
        db.delete(token, name)
        lost.append(name)
        return None


def _write(db: Store, token: str, wrote: dict, job) -> None:
    """Put the upload, the lab and the job's run if they changed since ``wrote`` was noted, else touch."""
    now = time.monotonic()
    upload = state.upload()
    if upload is not None and wrote.get(saved.UPLOAD) is not upload:
        wrote[saved.UPLOAD] = upload  # noted first: an item the store refuses is not tried again every run
        db.put(token, saved.UPLOAD, saved.dataset_bytes(upload))
        wrote["touched"] = now
    lab = saved.lab_bytes(state.lab())
    if wrote.get(saved.LAB) != lab:
        wrote[saved.LAB] = lab
        db.put(token, saved.LAB, lab)
        wrote["touched"] = now
    written = wrote.get(saved.RUN)
    if job is not None and (written is None or written[0] is not job or written[1] != job.ended):
        wrote[saved.RUN] = (job, job.ended)
        db.put(token, saved.RUN, saved.run_bytes(_as_run(job)))
        wrote["touched"] = now
        if job.ended:
            with _lock:
                if token in _live and _live[token][0] is job:
                    del _live[token]
    stored = wrote.setdefault("runs", set())
    for run_id, run in list(state.runs().items()):
        if run_id not in stored:
            stored.add(run_id)  # noted first, as above
            db.put(token, saved.RUN_PREFIX + run_id, saved.run_bytes(run))
    for run_id in stored - state.runs().keys():
        stored.discard(run_id)
        db.delete(token, saved.RUN_PREFIX + run_id)
    if now - wrote.get("touched", 0.0) > TOUCH_EVERY:
        db.touch(token)
        wrote["touched"] = now
        st.session_state[state.SET_COOKIE] = True


def _write_unwatched(db: Store) -> None:
    """Write the jobs that ended while their browser was away (no run of theirs would), so a restart keeps them."""
    with _lock:
        ended = [(token, kept) for token, kept in _live.items() if kept[0].ended and kept[0] not in _refused]
    for token, (job, job_time, job_lab, _) in ended:
        try:
            data = saved.run_bytes(saved.SavedRun(job.progress(), job_lab, job_time, job.run_id, job.started))
            db.put(token, saved.RUN, data)
            db.put(token, saved.RUN_PREFIX + job.run_id, data)  # and among its runs, numbered when it returns
        except StoreError as e:  # another browser's: logged, kept in memory, not tried again on every run
            log.warning("Could not save a browser's finished training: %s", e.message)
            _refused.add(job)
            continue
        with _lock:
            if token in _live and _live[token][0] is job:
                del _live[token]


def _as_run(job) -> saved.SavedRun:
    """What the store keeps of a job: its end, or, while it runs, the failure a restart would leave."""
    trained_with = st.session_state.get(state.JOB_LAB)
    if job.ended:
        return saved.SavedRun(job.progress(), trained_with, state.job_time(), job.run_id, job.started)
    epochs = trained_with["train"]["epochs"]
    progress = Progress(state="failed", epochs=epochs, message=LOST)
    return saved.SavedRun(progress, trained_with, None, job.run_id, job.started)


def next_run_number() -> int:
    """The number the next run of this browser gets: one more than the highest kept."""
    return max((r.number for r in state.runs().values()), default=0) + 1


def note_run(job) -> None:
    """A training of this session that has ended joins this browser's runs, once (the oldest beyond the
    limit leave; the store follows at the end of the run)."""
    runs, noted = state.runs(), st.session_state.setdefault(state.SAVED, {}).setdefault("noted", set())
    if job is None or isinstance(job, saved.SavedRun) or not job.ended or job.run_id in noted:
        return
    noted.add(job.run_id)
    runs[job.run_id] = replace(_as_run(job), number=next_run_number())
    while len(runs) > max(LIMITS.max_runs, 1):
        runs.pop(next(iter(runs)))


def _expire() -> None:
    """Forget (and stop) in-memory jobs of browsers not seen for the store's TTL."""
    db = store()
    ttl = db.ttl_seconds if db is not None else TTL_SECONDS
    now = time.monotonic()
    for token in [t for t, kept in _live.items() if now - kept[3] > ttl]:
        _live.pop(token)[0].stop()
