"""One registry of travel models: every name a scenario accepts has a class, and callers ask it, not the name."""

from __future__ import annotations

import typing

import numpy as np
import pytest

from hubplan.errors import InputError
from hubplan.points import Points
from hubplan.scenario.sections import TravelConfig
from hubplan.travel import MODELS, TRAVEL_MODELS, TravelRequest, travel_matrix, travel_model
from hubplan.travel.base import OSM_ATTRIBUTION


def test_the_registry_knows_every_model_a_scenario_may_name() -> None:
    accepted = typing.get_args(TravelConfig.model_fields["model"].annotation)
    assert tuple(TRAVEL_MODELS) == MODELS == accepted
    assert all(model.name == name for name, model in TRAVEL_MODELS.items())


def test_each_model_says_what_it_needs_and_carries() -> None:
    assert [name for name, model in TRAVEL_MODELS.items() if model.uses_network] == ["osm"]
    assert {name: model.attribution for name, model in TRAVEL_MODELS.items()} == {
        "calibrated": None, "osm": OSM_ATTRIBUTION, "matrix": None}


@pytest.mark.parametrize(("name", "field"), [("osm", "travel.network"), ("matrix", "travel.matrix")])
def test_a_missing_input_names_its_field(name: str, field: str) -> None:
    homes = Points(("E01020374",), np.array([-1.856]), np.array([50.907]))
    with pytest.raises(InputError, match=rf"scenario\.toml: {field}: "):
        travel_model(name).matrix(homes, homes, TravelRequest(source_label="scenario.toml"))


def test_an_unknown_model_is_one_line() -> None:
    homes = Points(("E01020374",), np.array([-1.856]), np.array([50.907]))
    expected = r"travel\.model: unknown travel model 'bus'; fix: use one of calibrated, osm, matrix"
    with pytest.raises(InputError, match=expected):
        travel_matrix(homes, homes, model="bus", source_label="s.toml")
