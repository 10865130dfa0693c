from helpers import DOCUMENTED_STATUSES

from stoprace.model import ACTIVE, DELETED, FINISHED, Status


def test_status_has_exactly_the_eight_documented_values_in_order():
    assert [s.value for s in Status] == DOCUMENTED_STATUSES


def test_statuses_are_strings_equal_to_their_spelling():
    for value in DOCUMENTED_STATUSES:
        assert Status(value) == value
        assert isinstance(Status(value), str)


def test_misspellings_in_the_aws_prose_are_not_statuses():
    for wrong in ("TRAINED_WITH_WARNINGS", "FAILED", "DELETED"):
        assert wrong not in Status.__members__


def test_finished_set():
    assert {Status.TRAINED, Status.TRAINED_WITH_WARNING, Status.STOPPED, Status.IN_ERROR} == FINISHED


def test_active_set_is_the_statuses_still_training_or_waiting_to():
    assert {Status.SUBMITTED, Status.TRAINING, Status.STOP_REQUESTED} == ACTIVE
    assert not ACTIVE & FINISHED
    assert set(Status) - ACTIVE - FINISHED == {Status.DELETING}


def test_deleted_pseudo_state_is_never_a_status():
    assert DELETED not in {s.value for s in Status}
