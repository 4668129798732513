"""The editing buffer on its own (no Qt): when an edit is due to be saved (a fake clock), what a
save takes and gives back, typing on while a save is in flight, conflicts and refusals, the
field keys. Saves go through the real service on an SQLite record."""

from __future__ import annotations

import pytest
from support.record import example, sqlite_record  # noqa: F401 - fixture

from cramp_dx.case.model import LabResult, Medication, Order
from cramp_dx.errors import CrampDxError
from cramp_dx.services.changes import AddLab, SetMeasurement, VisitState
from cramp_dx.services.editing import (
    KINDS,
    EditBuffer,
    FieldKey,
    SaveOutcome,
    run_batch,
    state_of,
)

HR = FieldKey("measurement", "heart_rate_bpm")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def visit(sqlite_record):  # noqa: F811
    services = sqlite_record.services("doc")
    return services, services.import_case(example("ex1-diuretic-cramps"))


def buffer_for(record, clock: Clock) -> EditBuffer:
    return EditBuffer(record, delay=0.4, max_wait=2.0, clock=clock)


def test_an_edit_is_due_a_pause_after_the_last_keystroke(visit):
    _services, record = visit
    clock = Clock()
    buffer = buffer_for(record, clock)
    buffer.edit(HR, 90.0)
    clock.now += 0.3
    buffer.edit(HR, 96.0)
    clock.now += 0.3
    assert not buffer.is_due()
    clock.now += 0.15
    assert buffer.is_due()


def test_steady_typing_is_saved_at_most_max_wait_after_the_first_change(visit):
    _services, record = visit
    clock = Clock()
    buffer = buffer_for(record, clock)
    for step in range(12):
        buffer.edit(FieldKey("notes"), "x" * (step + 1))
        clock.now += 0.2
    assert buffer.due_at() == pytest.approx(102.0)


def test_an_edit_back_to_the_saved_value_leaves_nothing_to_save(visit):
    _services, record = visit
    buffer = buffer_for(record, Clock())
    saved = buffer.saved_value(HR)
    buffer.edit(HR, saved + 1)
    buffer.edit(HR, saved)
    assert not buffer.pending and buffer.due_at() is None


def test_pending_edits_show_in_the_current_workup_before_they_are_saved(visit):
    _services, record = visit
    buffer = buffer_for(record, Clock())
    buffer.edit(FieldKey("finding", "foot_drop"), True)
    assert buffer.current_workup().findings["foot_drop"] is True
    assert "foot_drop" not in buffer.record.workup.findings


def test_a_save_commits_the_edit_and_empties_the_buffer(visit):
    services, record = visit
    buffer = buffer_for(record, Clock())
    buffer.edit(HR, 96.0)
    batch = buffer.begin()
    assert buffer.state() == "saving"
    finished = buffer.finish(run_batch(services, batch))
    assert finished.record_changed and not buffer.pending
    assert services.load_visit(record.id).workup.measurements["heart_rate_bpm"] == 96.0
    assert buffer.state() == "saved"


def test_typing_on_while_a_save_is_in_flight_keeps_the_newer_value_pending(visit):
    services, record = visit
    clock = Clock()
    buffer = buffer_for(record, clock)
    buffer.edit(HR, 90.0)
    batch = buffer.begin()
    outcome = run_batch(services, batch)  # meanwhile the person types on
    clock.now += 0.1
    buffer.edit(HR, 96.0)
    buffer.finish(outcome)
    assert buffer.current_value(HR) == 96.0 and buffer.saved_value(HR) == 90.0
    assert buffer.pending[HR].old == 90.0  # the next save is checked against what was saved
    buffer.finish(run_batch(services, buffer.begin()))
    assert services.load_visit(record.id).workup.measurements["heart_rate_bpm"] == 96.0


def test_only_one_save_runs_at_a_time(visit):
    _services, record = visit
    buffer = buffer_for(record, Clock())
    buffer.edit(HR, 96.0)
    assert buffer.begin() is not None
    buffer.edit(FieldKey("notes"), "later")
    assert buffer.begin() is None and buffer.due_at() is None


def test_a_field_saved_elsewhere_is_a_conflict_that_keeps_my_value(visit):
    services, record = visit
    services.apply(record.id, SetMeasurement("heart_rate_bpm", 112, 84), record.version)
    buffer = buffer_for(record, Clock())
    buffer.edit(HR, 96.0)
    finished = buffer.finish(run_batch(services, buffer.begin()))
    assert finished.conflict is not None
    assert (finished.conflict.mine, finished.conflict.theirs) == (96.0, 112)
    assert buffer.current_value(HR) == 96.0 and buffer.state() == "conflict"
    assert buffer.due_at() is None  # nothing is saved until the person chooses


def test_keeping_mine_after_a_conflict_saves_it_over_theirs(visit):
    services, record = visit
    services.apply(record.id, SetMeasurement("heart_rate_bpm", 112, 84), record.version)
    buffer = buffer_for(record, Clock())
    buffer.edit(HR, 96.0)
    buffer.finish(run_batch(services, buffer.begin()))
    buffer.resolve(keep_mine=True)
    assert buffer.is_due()
    buffer.finish(run_batch(services, buffer.begin()))
    assert services.load_visit(record.id).workup.measurements["heart_rate_bpm"] == 96.0


def test_using_theirs_after_a_conflict_drops_my_edit(visit):
    services, record = visit
    services.apply(record.id, SetMeasurement("heart_rate_bpm", 112, 84), record.version)
    buffer = buffer_for(record, Clock())
    buffer.edit(HR, 96.0)
    buffer.finish(run_batch(services, buffer.begin()))
    buffer.resolve(keep_mine=False)
    assert not buffer.pending and buffer.current_value(HR) == 112


def test_a_value_the_record_refuses_is_reported_and_not_retried(visit):
    services, record = visit
    buffer = buffer_for(record, Clock())
    buffer.edit(FieldKey("surgery", "levels"), ("L4-S1",))
    finished = buffer.finish(run_batch(services, buffer.begin()))
    assert [key for key, _error in finished.problems] == [FieldKey("surgery", "levels")]
    assert not buffer.pending


def test_an_unreachable_record_keeps_the_edit_and_retries_later(visit):
    _services, record = visit
    clock = Clock()
    buffer = buffer_for(record, clock)
    buffer.edit(HR, 96.0)
    batch = buffer.begin()
    finished = buffer.finish(SaveOutcome(None, error=CrampDxError("the record is unreachable")))
    assert finished.error is not None and buffer.state() == "error"
    assert buffer.pending[HR].value == 96.0 and batch is not None
    assert not buffer.is_due()
    clock.now += 5.0
    assert buffer.is_due()


def test_list_changes_run_after_the_field_edits_in_one_batch(visit):
    services, record = visit
    buffer = buffer_for(record, Clock())
    buffer.edit(HR, 96.0)
    lab = LabResult("magnesium", 1.2, "mg/dL")
    finished = buffer.finish(run_batch(services, buffer.begin((AddLab(lab),))))
    assert finished.actions == (None,)
    stored = services.load_visit(record.id).workup
    assert lab in stored.labs and stored.measurements["heart_rate_bpm"] == 96.0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (FieldKey("finding", "foot_drop"), True),
        (FieldKey("measurement", "heart_rate_bpm"), 70.0),
        (FieldKey("patient", "family_name"), "Newname"),
        (FieldKey("surgery", "levels"), ("L4-L5",)),
        (FieldKey("visit", "symptom_side"), "left"),
        (FieldKey("notes"), "seen with daughter"),
        (FieldKey("plan"), ("stretching",)),
        (FieldKey("order", "duplex_us"), Order("ordered")),
        (FieldKey("medication", "0"), Medication("furosemide", "20 mg daily")),
        (FieldKey("neuro", "left", "sensory", "dorsum_of_foot"), "reduced"),
        (FieldKey("neuro", "right", "strength", "great_toe_extension"), 3),
        (FieldKey("neuro", "left", "reflexes", "ankle"), "absent"),
    ],
)
def test_every_field_kind_reads_back_what_its_change_sets(visit, key, value):
    _services, record = visit
    state = state_of(record)
    if key.kind == "plan":
        from cramp_dx.knowledge import load_knowledge

        value = (next(iter(load_knowledge().plan_items)),)
    changed: VisitState = key.change(value, key.read(state)).apply_to(state)
    assert key.read(changed) == value


def test_every_field_kind_is_tested_above():
    assert set(KINDS) == {"finding", "measurement", "patient", "surgery", "visit", "notes",
                          "plan", "order", "medication", "neuro"}


def test_a_tuple_is_the_same_key():
    assert FieldKey("measurement", "heart_rate_bpm") == ("measurement", "heart_rate_bpm")
    assert hash(FieldKey("notes")) == hash(("notes",))
    assert FieldKey("neuro", "left", "sensory", "L5") == ("neuro", "left", "sensory", "L5")


def test_a_key_with_the_wrong_number_of_parts_is_refused():
    with pytest.raises(TypeError):
        FieldKey("neuro", "left").change("reduced", None)


def test_a_view_only_buffer_takes_no_edit(visit):
    _services, record = visit
    buffer = EditBuffer(record, view_only=True)
    assert not buffer.edit(HR, 96.0)
    assert not buffer.pending and buffer.begin() is None


def test_an_unknown_kind_names_the_accepted_ones():
    with pytest.raises(KeyError, match="accepted: finding"):
        FieldKey("diagnosis", "x").change(1, None)
