"""Entity recognizers, the second resource that trains: the same lifecycle and race as a classifier, with
their own operations, inputs and metadata, through the model and through boto3 under ``mock_comprehend``."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from helpers import ROLE

from stoprace.model import ComprehendService, ManualClock
from stoprace.model.errors import InvalidRequestException, ResourceNotFoundException, ValidationException
from stoprace.model.kinds import CLASSIFIER, KINDS, RECOGNIZER, kind_of_arn
from stoprace.sim.scenario import RaceScenario

INPUT = {
    "EntityTypes": [{"Type": "DEVICE"}, {"Type": "BUSINESS"}],
    "Documents": {"S3Uri": "s3://training-data/raw.csv"},
    "EntityList": {"S3Uri": "s3://training-data/entities.csv"},
}
SCENARIO = RaceScenario(
    queue_delay="fixed:230",
    training_duration="fixed:600",
    finalization="fixed:70",
    stop_latency="fixed:120",
    p_warning=0.0,
    p_failure=0.0,
)
FINAL = ("TRAINED", "TRAINED_WITH_WARNING", "STOPPED", "IN_ERROR")


def create(service: ComprehendService, name: str = "devices", **overrides: object) -> str:
    request = {
        "RecognizerName": name,
        "DataAccessRoleArn": ROLE,
        "InputDataConfig": INPUT,
        "LanguageCode": "en",
    }
    arn: str = service.create_entity_recognizer(**{**request, **overrides})["EntityRecognizerArn"]
    return arn


def test_a_recognizer_runs_the_classifiers_lifecycle_with_its_own_members():
    service = ComprehendService(clock=ManualClock())
    arn = create(service)
    assert arn == "arn:aws:comprehend:us-east-1:123456789012:entity-recognizer/devices"
    assert kind_of_arn(arn) is RECOGNIZER
    for trigger in ("start_training", "begin_billing"):
        service.fire(arn, trigger)
    props = service.describe_entity_recognizer(EntityRecognizerArn=arn)["EntityRecognizerProperties"]
    assert list(props) == [
        "EntityRecognizerArn",
        "LanguageCode",
        "Status",
        "SubmitTime",
        "TrainingStartTime",
        "InputDataConfig",
        "DataAccessRoleArn",
    ]
    # what the service fills in, where the recorded outputs show it
    assert props["InputDataConfig"] == {
        "DataFormat": "COMPREHEND_CSV",
        **INPUT,
        "Documents": {"S3Uri": "s3://training-data/raw.csv", "InputFormat": "ONE_DOC_PER_LINE"},
    }
    assert "RecognizerMetadata" not in props  # no model yet
    assert service.stop_training_entity_recognizer(EntityRecognizerArn=arn) == {}
    service.fire(arn, "end_billing")
    service.fire(arn, "finish_training")  # the race lost: trained after the stop
    props = service.describe_entity_recognizer(EntityRecognizerArn=arn)["EntityRecognizerProperties"]
    assert props["Status"] == "TRAINED"
    metadata = props["RecognizerMetadata"]
    assert [t["Type"] for t in metadata["EntityTypes"]] == ["DEVICE", "BUSINESS"]  # the types it was given
    assert metadata["EvaluationMetrics"]["Recall"] == 100.0  # in percent, as AWS reports a recognizer's


def test_the_two_kinds_share_an_account_and_keep_their_own_lists():
    service = ComprehendService(clock=ManualClock())
    recognizer = create(service, "people")
    classifier = service.create_document_classifier(
        DocumentClassifierName="people",
        DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": "s3://training-data/tickets.csv"},
        LanguageCode="en",
    )["DocumentClassifierArn"]
    assert (
        service.list_entity_recognizers()["EntityRecognizerPropertiesList"][0]["EntityRecognizerArn"]
        == recognizer
    )
    assert [
        p["DocumentClassifierArn"]
        for p in service.list_document_classifiers()["DocumentClassifierPropertiesList"]
    ] == [classifier]
    summaries = service.list_entity_recognizer_summaries()["EntityRecognizerSummariesList"]
    assert summaries == [
        {
            "RecognizerName": "people",
            "NumberOfVersions": 1,
            "LatestVersionCreatedAt": summaries[0]["LatestVersionCreatedAt"],
            "LatestVersionStatus": "SUBMITTED",
        }
    ]
    only = service.list_entity_recognizers(Filter={"RecognizerName": "people"})[
        "EntityRecognizerPropertiesList"
    ]
    assert len(only) == 1
    # one kind's page token is refused by the other kind's list
    for _ in range(2):
        create(service, f"more-{_}")
    token = service.list_entity_recognizers(MaxResults=1)["NextToken"]
    with pytest.raises(InvalidRequestException, match="NextToken"):
        service.list_document_classifiers(NextToken=token)
    # the classifier's operations do not reach a recognizer, and tags reach both
    with pytest.raises(ValidationException, match="documentClassifierArn"):
        service.describe_document_classifier(DocumentClassifierArn=recognizer)
    service.tag_resource(ResourceArn=recognizer, Tags=[{"Key": "team", "Value": "nlp"}])
    assert service.list_tags_for_resource(ResourceArn=recognizer)["Tags"] == [{"Key": "team", "Value": "nlp"}]
    with pytest.raises(ResourceNotFoundException):
        service.stop_training_entity_recognizer(EntityRecognizerArn=recognizer + "-gone")


@pytest.mark.parametrize(
    ("config", "says"),
    [
        (
            {"EntityTypes": [{"Type": "A"}], "Documents": {"S3Uri": "s3://bucket/d"}},
            "Annotations or an EntityList",
        ),
        (
            {**INPUT, "Annotations": {"S3Uri": "s3://bucket/a"}},
            "Annotations or an EntityList \\(one of them\\).*got Annotations, EntityList",
        ),
        ({"EntityTypes": [{"Type": "A"}], "EntityList": {"S3Uri": "s3://bucket/e"}}, "Documents is required"),
        ({**INPUT, "EntityTypes": [{"Type": "A"}, {"Type": "A"}]}, "names A more than once"),
        ({**INPUT, "EntityTypes": [{"Type": f"T{i}"} for i in range(26)]}, "at most 25"),
        (
            {"EntityTypes": [{"Type": "A"}], "DataFormat": "AUGMENTED_MANIFEST"},
            "AugmentedManifests is required",
        ),
    ],
)
def test_a_recognizers_input_is_checked_as_the_service_does_and_nothing_is_made(config, says):
    service = ComprehendService(clock=ManualClock())
    with pytest.raises(InvalidRequestException, match=says):
        create(service, InputDataConfig=config)
    assert service.arns() == []


def test_every_kind_names_its_operations_and_members_as_botocores_model_does():
    botocore = pytest.importorskip("botocore.session")
    model = botocore.get_session().get_service_model("comprehend")
    for kind in KINDS.values():
        assert list(model.shape_for(kind.properties).members) == list(kind.order)
        for operation in kind.operations.values():
            model.operation_model(operation)  # exists
        describe = model.operation_model(kind.operations["describe"])
        assert list(describe.output_shape.members) == [kind.properties]
        listing = model.operation_model(kind.operations["list"]).output_shape
        assert kind.properties_list in listing.members
        assert kind.summaries_list in model.operation_model(kind.operations["summaries"]).output_shape.members
        metadata = model.shape_for(kind.properties).members[kind.metadata_member]
        assert list(metadata.members) == list(kind.metadata_keys)
    assert CLASSIFIER.metric_range == (0.0, 1.0)
    assert RECOGNIZER.metric_range == (0.0, 100.0)


boto3 = pytest.importorskip("boto3", reason="the entry point needs the aws extra")


def recognizer_pipeline(stop_after: float | None) -> tuple[str, list[str], dict]:
    """Code under test, as a user writes it: its own client; train, stop at a deadline, poll to the end."""
    client = boto3.client("comprehend", region_name="eu-west-1")
    arn = client.create_entity_recognizer(
        RecognizerName="devices", DataAccessRoleArn=ROLE, InputDataConfig=INPUT, LanguageCode="en"
    )["EntityRecognizerArn"]
    started, seen = time.monotonic(), []
    while not seen or seen[-1] not in FINAL:
        props = client.describe_entity_recognizer(EntityRecognizerArn=arn)["EntityRecognizerProperties"]
        if not seen or seen[-1] != props["Status"]:
            seen.append(props["Status"])
            # the metadata is there exactly when the status has a model
            assert ("RecognizerMetadata" in props) == (props["Status"] in ("TRAINED", "TRAINED_WITH_WARNING"))
        if (
            stop_after is not None
            and time.monotonic() - started >= stop_after
            and props["Status"] == "TRAINING"
        ):
            assert client.stop_training_entity_recognizer(EntityRecognizerArn=arn)["ResponseMetadata"]
            stop_after = None
        time.sleep(30)
    return arn, seen, props


def test_through_boto3_a_recognizer_trains_in_virtual_time_and_meets_both_outcomes_of_the_race():
    from stoprace.sim.mock import mock_comprehend  # noqa: PLC0415

    with mock_comprehend(SCENARIO) as comprehend:
        _, seen, props = recognizer_pipeline(stop_after=None)
        assert seen == ["SUBMITTED", "TRAINING", "TRAINED"]
        assert props["RecognizerMetadata"]["EntityTypes"][0]["Type"] == "DEVICE"
        assert comprehend.clock.elapsed < 3600  # 15 virtual minutes of training, no real waiting
    with mock_comprehend(SCENARIO):  # stopped 5 minutes in: the stop takes effect 2 minutes later
        _, seen, props = recognizer_pipeline(stop_after=300)
        assert seen == ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "STOPPED"]
        assert "RecognizerMetadata" not in props
    with mock_comprehend(SCENARIO):  # stopped a minute before training ends: the race is lost
        _, seen, props = recognizer_pipeline(stop_after=760)
        assert seen == ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "TRAINED"]
        assert props["RecognizerMetadata"]["NumberOfTrainedDocuments"] == 4616


def test_race_takes_the_resource_with_its_recorded_timings_and_leaves_the_classifiers_output_alone():
    from helpers import stoprace_command  # noqa: PLC0415

    from stoprace.sim.cli import build_parser  # noqa: PLC0415
    from stoprace.sim.cli.race import scenario as race_scenario  # noqa: PLC0415
    from stoprace.sim.scenario import RaceScenario as Race  # noqa: PLC0415

    quick = ("--replications", "500", "--stop-at", "300,600")
    classifier = json.loads(stoprace_command("race", *quick, "--json").stdout)
    assert classifier["scenario"] == Race(replications=500, stop_at=(300.0, 600.0)).as_dict()
    assert "resource" not in classifier["scenario"]  # as before the second kind
    recognizer = json.loads(
        stoprace_command("race", "--resource", "entity-recognizer", *quick, "--json").stdout
    )
    scenario = recognizer["scenario"]
    assert scenario["resource"] == "entity-recognizer"
    assert {k: scenario[k] for k in RECOGNIZER.timings} == dict(RECOGNIZER.timings)
    table = stoprace_command("race", "--resource", "entity-recognizer", *quick).stdout
    assert table.startswith("entity recognizers, 500 jobs per stop time")
    # each kind's own stop times by default; an option given wins over the kind's timing
    parse = build_parser().parse_args
    assert race_scenario(parse(["race"])).stop_at[:2] == (600.0, 1200.0)
    assert race_scenario(parse(["race", "--resource", "entity-recognizer"])).stop_at[:3] == (
        60.0,
        120.0,
        180.0,
    )
    faster = parse(["race", "--resource", "entity-recognizer", "--training-duration", "fixed:300"])
    assert race_scenario(faster).training_duration.spec == "fixed:300"
    with pytest.raises(ValueError, match="resource: no resource kind 'model'; kinds: document-classifier"):
        Race.for_resource("model")


def _recognizer_history(folder, jobs: int = 60) -> None:
    """What the AWS CLI and CloudTrail would give for an account's recognizers: a list page and the stop
    records. A job every 50 minutes, queued ~228 s, trained ~620 s; every other one stopped 8 minutes into
    training, the stop taking ~2 minutes (so some races are lost)."""
    import numpy as np  # noqa: PLC0415

    clock = ManualClock()
    service = ComprehendService(clock=clock)
    rng = np.random.default_rng(3)
    records = []

    def at(seconds: float) -> None:
        clock.set(clock.start + timedelta(seconds=seconds))

    for i in range(jobs):
        at(i * 3000.0)
        arn = create(service, f"r{i}")
        begin = i * 3000.0 + rng.exponential(228)
        end = begin + rng.lognormal(np.log(620), 0.35)
        stop = begin + 480 if i % 2 and begin + 480 < end + 70 else None  # only while it is still training
        effect = stop + rng.exponential(120) if stop is not None else None
        steps = [
            (begin, "start_training"),
            (begin, "begin_billing"),
            (end, "end_billing"),
            (end + 70, "finish_training"),
        ]
        if stop is not None:
            steps.append((stop, "stop"))
            if effect < end:  # the stop wins: the job ends at its effect
                steps = [*steps[:2], (stop, "stop"), (effect, "finish_stop")]
        for when, action in sorted(steps, key=lambda step: step[0]):
            at(when)
            if action != "stop":
                service.fire(arn, action)
                continue
            service.stop_training_entity_recognizer(EntityRecognizerArn=arn)
            records.append(
                {
                    "eventSource": "comprehend.amazonaws.com",
                    "eventName": "StopTrainingEntityRecognizer",
                    "eventTime": (clock.start + timedelta(seconds=int(when))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "eventID": f"event-{i}",
                    "requestParameters": {"entityRecognizerArn": arn},
                }
            )
    page = service.list_entity_recognizers(MaxResults=500)
    (folder / "recognizers.json").write_text(json.dumps(page, default=lambda t: t.isoformat()))
    (folder / "stops.json").write_text(json.dumps({"Records": records}))


def test_fit_reads_a_recognizers_history_and_asks_which_kind_when_it_holds_both(tmp_path):
    from helpers import ROOT, stoprace_command  # noqa: PLC0415

    _recognizer_history(tmp_path)
    fitted = stoprace_command("fit", str(tmp_path), "--json")
    assert fitted.returncode == 0, fitted.stderr
    report = json.loads(fitted.stdout)
    # 26 of the 30 jobs to stop were still training 8 minutes in; the rest had finished
    assert (report["resource"], report["jobs"], report["stops"]) == ("entity-recognizer", 60, 26)
    training = report["quantities"]["training_duration"]["chosen"]["median"]
    assert 500 < training < 760  # the truth is 620 s
    table = stoprace_command("fit", str(tmp_path)).stdout
    assert table.startswith("60 entity recognizers, 26 accepted stops")
    for history in (ROOT / "tests" / "data" / "history").iterdir():  # classifiers beside them
        (tmp_path / f"classifier-{history.name}").write_bytes(history.read_bytes())
    both = stoprace_command("fit", str(tmp_path))
    assert both.returncode == 2
    assert "holds 4 classifiers, 60 entity recognizers: choose one with --resource" in both.stderr
    only = json.loads(
        stoprace_command("fit", str(tmp_path), "--resource", "entity-recognizer", "--json").stdout
    )
    assert only["jobs"] == 60


def test_audit_takes_the_kind_from_its_waiter_or_from_resource_and_refuses_a_mismatch():
    from helpers import ROOT, stoprace_command  # noqa: PLC0415

    waiter = str(ROOT / "docs" / "examples" / "recognizer_waiters.json")
    quick = ("--replications", "300", "--stop-at", "480")
    by_waiter = stoprace_command("audit", "--waiter-file", waiter, *quick)
    assert by_waiter.returncode == 0, by_waiter.stderr
    assert by_waiter.stdout.startswith(
        "waiter file RecognizerTrained on entity recognizers: 120 attempts x 30 s"
    )
    sets = json.loads(
        stoprace_command(
            "audit", "--resource", "entity-recognizer", "--success", "TRAINED", *quick, "--json"
        ).stdout
    )
    assert sets["poller"]["resource"] == sets["scenario"]["resource"] == "entity-recognizer"
    assert sets["scenario"]["training_duration"] == RECOGNIZER.timings["training_duration"]
    mismatch = stoprace_command("audit", "--waiter-file", waiter, "--resource", "document-classifier", *quick)
    assert mismatch.returncode == 2
    assert (
        "waiter 'RecognizerTrained' waits on entity recognizers (DescribeEntityRecognizer)" in mismatch.stderr
    )


def test_the_diagram_of_a_recognizer_is_the_shared_lifecycle_with_its_own_title_and_create():
    from stoprace.model.diagram import Diagram  # noqa: PLC0415

    classifier, recognizer = Diagram(), Diagram(resource="entity-recognizer")
    assert recognizer.title == "Amazon Comprehend entity recognizer: training job lifecycle"
    assert classifier.title == "Amazon Comprehend document classifier: training job lifecycle"
    assert recognizer.arrows() == classifier.arrows()  # one lifecycle
    assert 'start -> SUBMITTED [label="create_entity_recognizer()"' in recognizer.dot()
    with pytest.raises(ValueError, match="no resource kind 'model'"):
        Diagram(resource="model")


def test_a_fleet_of_recognizers_calls_their_operations_and_exports_a_history_fit_reads(tmp_path):
    from helpers import stoprace_command  # noqa: PLC0415

    from stoprace.sim.fleet import FleetScenario, simulate  # noqa: PLC0415

    assert "resource" not in FleetScenario(jobs=5).as_dict()  # a classifier fleet's results as before
    fleet = FleetScenario.for_resource("entity-recognizer", jobs=100, stop_after=480.0, seed=3)
    report = simulate(fleet).as_dict()
    assert report["scenario"]["resource"] == "entity-recognizer"
    assert set(report["api_calls"]) == {
        "CreateEntityRecognizer",
        "DescribeEntityRecognizer",
        "StopTrainingEntityRecognizer",
    }
    assert report["scenario"]["training_duration"] == RECOGNIZER.timings["training_duration"]
    exported = stoprace_command(
        "fleet",
        "--resource",
        "entity-recognizer",
        "--jobs",
        "100",
        "--export-history",
        str(tmp_path),
        "--json",
    )
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["scenario"]["stop_after"] == RECOGNIZER.stop_after
    assert sorted(p.name for p in tmp_path.glob("list-*"))[0] == "list-entity-recognizers-001.json"
    fitted = json.loads(stoprace_command("fit", str(tmp_path), "--json").stdout)
    assert (fitted["resource"], fitted["jobs"]) == ("entity-recognizer", 100)
    assert fitted["stops"] > 0  # CloudTrail's StopTrainingEntityRecognizer records were read


def test_a_sweep_takes_the_resource_as_an_axis_with_each_kinds_timings():
    from stoprace.sim.sweep import Sweep  # noqa: PLC0415
    from stoprace.sim.sweep.definition import build_scenario  # noqa: PLC0415
    from stoprace.sim.sweep.run import run_cell  # noqa: PLC0415

    sweep = Sweep("race", base={"replications": 2000}, grid={"resource": [CLASSIFIER.name, RECOGNIZER.name]})
    classifier, recognizer = (build_scenario("race", cell.scenario_params()) for cell in sweep.cells())
    assert classifier.as_dict() == RaceScenario(replications=2000, seed=classifier.seed).as_dict()
    assert recognizer.training_duration.spec == RECOGNIZER.timings["training_duration"]
    rows = [run_cell("race", {**cell.scenario_params(), "stop_at": [480]})[0] for cell in sweep.cells()]
    assert rows[0]["race_lost"] == 0 < rows[1]["race_lost"]  # eight minutes in: a recognizer is nearly done
    fleet = Sweep("fleet", base={"jobs": 5}, grid={"resource": [RECOGNIZER.name]})
    assert build_scenario("fleet", fleet.cells()[0].scenario_params()).operations["stop"] == (
        "StopTrainingEntityRecognizer"
    )
