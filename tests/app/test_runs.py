"""The Runs page under AppTest: two trainings compared, one restored, one deleted, all kept across a restart."""

from app_helpers import goto, restart, session, typed_box, wait_for_training

from ui import persist


def train(at, units: int) -> None:
    goto(at, "model")
    typed_box(at, "model.layers.0.units").set_value(units).run()
    goto(at, "train")
    at.button(key="train_button").click().run()
    wait_for_training(at)


def runs_table(at):
    goto(at, "runs")
    assert at.table, [m.value for m in at.info]
    return at.table[0].value


def test_two_runs_compared_restored_deleted_and_kept_across_a_restart(token):
    at = session({"epochs": "2", "rows": "300"})
    goto(at, "runs")
    assert "No runs yet" in at.info[0].value
    train(at, 4)
    train(at, 9)
    df = runs_table(at)
    assert list(df["Run"]) == ["#1", "#2"]
    assert list(df["model.layers.0.units"]) == ["4", "9"]  # the one setting that differs
    assert "seed" not in df.columns
    assert list(df["Params"]) == [f"{4 * 4 * (1 + 4 + 1) + 5:,}", f"{4 * 9 * (1 + 9 + 1) + 10:,}"]
    assert all(float(v) > 0 for v in df["MAE"]) and all(float(v) > 0 for v in df["Baseline MAE"])
    assert at.multiselect(key="runs_shown").value == ["#1", "#2"]
    assert {b.label for b in at.get("download_button")} == {"Its model (.keras)", "Its script (.py)"}

    at.selectbox(key="run_choice").set_value("#1").run()
    at.button(key="run_restore").click().run()
    assert at.session_state["lab"].model.layers[0].units == 4
    assert "Settings of run #1 restored" in at.info[0].value.replace("\\", "")  # shown escaped, as user text

    restart()
    again = session()
    assert list(runs_table(again)["Run"]) == ["#1", "#2"]
    again.selectbox(key="run_choice").set_value("#2").run()
    again.button(key="run_delete").click().run()
    assert list(runs_table(again)["Run"]) == ["#1"]
    assert [n for n in persist.store().names(token) if n.startswith("run.")] == [
        f"run.{r.run_id}" for r in again.session_state["runs"].values()
    ]
    assert not again.exception


def test_runs_beyond_the_bound_leave_oldest_first(token, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(persist, "LIMITS", replace(persist.LIMITS, max_runs=2))
    at = session({"epochs": "1", "rows": "300"})
    for units in (3, 4, 5):
        train(at, units)
    goto(at, "runs")
    assert list(runs_table(at)["Run"]) == ["#2", "#3"]
    assert len([n for n in persist.store().names(token) if n.startswith("run.")]) == 2
