"""A browser's work in the durable store: back after a restart, only changes written, damaged items discarded.

AppTest sends no cookies, so each test gives its sessions one browser token through ``persist._cookie``; a
restart is a new session after the process forgot its running jobs and reopened the store.
"""

import sqlite3
import time

from app_helpers import APP, TIMEOUT, goto, metric, restart, session, wait_for_training, widget
from streamlit.testing.v1 import AppTest

from lstm_lab.data.upload import load_upload
from lstm_lab.saved import SavedRun, dataset_bytes, lab_bytes
from lstm_lab.spec import LabSpec
from lstm_lab.store import Store, new_token
from ui import persist

CSV = "\n".join(["day,sales,visits"] + [f"{d},{100 + (d * 7) % 23},{40 + (d * 5) % 11}" for d in range(120)])


def test_upload_settings_and_finished_training_come_back_after_a_restart(token, monkeypatch):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"source": "upload", "epochs": "2", "layers": "6", "timesteps": "10"})
    at.session_state["upload"] = load_upload(CSV.encode(), "shop.csv", "refuse")
    at.run()
    goto(at, "train")
    at.button(key="train_button").click().run()
    final = wait_for_training(at)
    goto(at, "predictions")
    mae = metric(at, "MAE")
    job_id = at.session_state["job"].run_id
    assert persist.store().names(token) == ["lab", "run", f"run.{job_id}", "upload"]  # the last run, and each one

    puts, put = [], Store.put
    monkeypatch.setattr(Store, "put", lambda self, *args: puts.append(args[1]) or put(self, *args))
    at.run()
    goto(at, "model")
    assert puts == []  # nothing changed: nothing written
    widget(at.slider, "model.layers.0.units").set_value(5).run()
    widget(at.slider, "model.layers.0.units").set_value(6).run()
    assert puts == ["lab", "lab"]  # a change writes the settings alone

    restart()
    at = session()  # a bare address: the browser's own settings come back too
    assert at.session_state["upload"].name == "shop.csv"
    lab = at.session_state["lab"]
    assert (lab.data.source, lab.train.epochs, lab.model.layers[0].units, lab.data.timesteps) == ("upload", 2, 6, 10)
    job = at.session_state["job"]
    assert isinstance(job, SavedRun) and job.ended
    assert job.progress() == final and job.progress().model_bytes == final.model_bytes
    assert not at.toast
    goto(at, "predictions")
    assert metric(at, "MAE") == mae
    assert not at.warning  # the restored settings are the ones it trained with
    goto(at, "export")
    assert {"Model (.keras)", "Training history (CSV)", "Predictions (CSV)"} <= {
        b.label for b in at.get("download_button")
    }


def _corrupt(db_dir, name: str) -> None:
    with sqlite3.connect(db_dir / "store.db") as conn:
        conn.execute("UPDATE lstm_lab_items SET data = ? WHERE name = ?", (b"\x00garbage", name))


def test_a_damaged_upload_is_discarded_with_one_message_and_the_rest_comes_back(token, tmp_path):
    db = persist.store()
    db.put(token, "upload", dataset_bytes(load_upload(CSV.encode(), "shop.csv", "refuse")))
    db.put(token, "lab", lab_bytes(LabSpec.from_dict({"data": {"source": "upload"}, "train": {"epochs": 7}})))
    _corrupt(tmp_path, "upload")
    restart()
    at = session()
    assert [t.value for t in at.toast] == [
        "Your saved uploaded file could not be read, so it was discarded; the rest of your work is back."
    ]
    assert at.session_state["lab"].train.epochs == 7
    assert "upload" not in at.session_state
    assert persist.store().names(token) == ["lab"]  # the damaged row is gone, the good one kept
    assert not at.exception


def test_foreign_settings_are_discarded_and_the_upload_kept(token):
    db = persist.store()
    db.put(token, "upload", dataset_bytes(load_upload(CSV.encode(), "shop.csv", "refuse")))
    db.put(token, "lab", b'{"format": "lstm_lab.lab", "version": 1, "lab": {"seed": "not a number"}}')
    db.put(token, "run", b"\x93NUMPY not ours")
    restart()
    at = session()
    assert [t.value for t in at.toast] == [
        "Your saved settings and trained model could not be read, so they were discarded; the rest of your work "
        "is back."
    ]
    assert at.session_state["upload"].name == "shop.csv"
    assert at.session_state["lab"] == LabSpec()
    assert "job" not in at.session_state
    assert not at.exception


def test_a_link_keeps_its_own_settings(token):
    persist.store().put(token, "lab", lab_bytes(LabSpec.from_dict({"train": {"epochs": 7}})))
    at = session({"epochs": "3"})
    assert at.session_state["lab"].train.epochs == 3


def test_a_running_training_survives_a_reload_and_a_restart_says_it_was_lost(token):
    at = session({"epochs": "200", "layers": "8"})
    goto(at, "train")
    at.button(key="train_button").click().run()
    job = at.session_state["job"]
    assert not job.ended
    at = session({"epochs": "200", "layers": "8"})  # a reload: the same job, still running
    assert at.session_state["job"] is job
    restart()
    at = session({"epochs": "200", "layers": "8"})
    p = at.session_state["job"].progress()
    assert (p.state, p.message, p.epochs) == ("failed", persist.LOST, 200)
    goto(at, "train")
    assert any("was running when the server restarted was lost" in e.value for e in at.error)


def test_a_training_that_ends_while_its_tab_is_closed_survives_a_restart(token, monkeypatch):
    at = session({"epochs": "2", "layers": "4"})
    goto(at, "train")
    at.button(key="train_button").click().run()
    job, deadline = at.session_state["job"], time.monotonic() + 180
    while not job.ended and time.monotonic() < deadline:  # nobody watches: the compute tier collects it
        time.sleep(0.5)
    assert job.ended
    monkeypatch.setattr(persist, "_cookie", new_token)
    session()  # another browser's run writes it
    monkeypatch.setattr(persist, "_cookie", lambda: token)
    restart()
    at = session({"epochs": "2", "layers": "4"})
    assert at.session_state["job"].progress().state == "done"


def test_without_a_store_the_app_still_works_and_says_so(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("LSTM_LAB_DATA_DIR", str(blocked / "data"))
    persist.store.cache_clear()
    monkeypatch.setattr(persist, "_cookie", new_token)
    try:
        at = session()
        assert [t.value for t in at.toast] == [persist.UNSAVED]
        goto(at, "model")
    finally:
        persist.store.cache_clear()
