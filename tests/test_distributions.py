"""Tests for sim.distributions: inversion, central values, ends, texts, parsing and checks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

import sim.experiment
from sim.distributions import (
    DISTRIBUTION,
    DISTRIBUTION_KINDS,
    NORMAL_REACH,
    Beta,
    Choice,
    Distribution,
    Normal,
    Triangular,
    Uniform,
    distribution_kind,
    distribution_problems,
    draw,
)


def parse(raw: dict[str, Any]) -> Any:
    return DISTRIBUTION.validate_python(raw)


def errors(raw: Any) -> list[tuple[str, tuple, str, Any]]:
    with pytest.raises(ValidationError) as info:
        DISTRIBUTION.validate_python(raw)
    return [(e["type"], e["loc"], e["msg"], e["input"]) for e in info.value.errors()]


# --- ppf: hand-computed values -------------------------------------------------------------


def test_uniform_ppf_is_a_plus_width_times_u():
    dist = parse({"uniform": [2, 4]})
    assert dist.ppf(np.array([0.25]))[0] == pytest.approx(2.5)
    np.testing.assert_allclose(dist.ppf(np.array([0.0, 0.5, 1.0])), [2.0, 3.0, 4.0])


def test_triangular_ppf_is_the_piecewise_inverse():
    dist = parse({"triangular": [0, 1, 2]})
    # F(x) = x^2 / 2 on [0, 1]: F(0.5) = 0.125; F(1) = 0.5
    assert dist.ppf(np.array([0.5]))[0] == pytest.approx(1.0)
    assert dist.ppf(np.array([0.125]))[0] == pytest.approx(0.5)
    # right side: 1 - (2 - x)^2 / 2 = 0.875 at x = 1.5
    assert dist.ppf(np.array([0.875]))[0] == pytest.approx(1.5)
    np.testing.assert_allclose(dist.ppf(np.array([0.0, 1.0])), [0.0, 2.0])


def test_triangular_with_its_mode_at_an_end():
    left = parse({"triangular": [0, 0, 1]})  # F(x) = 1 - (1 - x)^2
    right = parse({"triangular": [0, 1, 1]})  # F(x) = x^2
    assert left.ppf(np.array([0.75]))[0] == pytest.approx(0.5)
    assert right.ppf(np.array([0.25]))[0] == pytest.approx(0.5)
    np.testing.assert_allclose(left.ppf(np.array([0.0, 1.0])), [0.0, 1.0])
    np.testing.assert_allclose(right.ppf(np.array([0.0, 1.0])), [0.0, 1.0])


def test_normal_ppf_at_the_975th_percentile():
    dist = parse({"normal": [0, 1]})
    assert abs(dist.ppf(np.array([0.975]))[0] - 1.959964) < 1e-6
    assert dist.ppf(np.array([0.5]))[0] == 0.0
    shifted = parse({"normal": [10, 2]})
    assert abs(shifted.ppf(np.array([0.975]))[0] - (10 + 2 * 1.959964)) < 2e-6


def test_clipped_normal_ppf_sets_the_tails_to_the_ends():
    dist = parse({"normal": [0.5, 0.1], "clip": [0.45, 0.6]})
    # 0.5 + 0.1 x 1.959964 = 0.696 > 0.6; 0.5 - 0.1 x 2.326348 = 0.267 < 0.45
    np.testing.assert_allclose(dist.ppf(np.array([0.975, 0.01, 0.5])), [0.6, 0.45, 0.5])
    np.testing.assert_allclose(dist.ppf(np.array([0.0, 1.0])), [0.45, 0.6])


def test_unclipped_normal_stops_at_its_reach():
    dist = parse({"normal": [0, 1]})
    np.testing.assert_allclose(dist.ppf(np.array([0.0, 1.0])), [-NORMAL_REACH, NORMAL_REACH])
    assert np.all(np.isfinite(dist.ppf(np.array([0.0, 1e-300, 1.0]))))


def test_beta_1_1_is_the_uniform():
    u = np.linspace(0, 1, 11)
    np.testing.assert_allclose(parse({"beta": [1, 1]}).ppf(u), u, atol=1e-12)
    np.testing.assert_allclose(
        parse({"beta": [1, 1], "range": [2, 4]}).ppf(u), 2 + 2 * u, atol=1e-12
    )


def test_beta_ppf_by_hand():
    assert parse({"beta": [2, 2]}).ppf(np.array([0.5]))[0] == pytest.approx(0.5)
    # Beta(2, 1): F(x) = x^2, so the quantile of 0.25 is 0.5; on [10, 20] it is 15
    assert parse({"beta": [2, 1]}).ppf(np.array([0.25]))[0] == pytest.approx(0.5)
    assert parse({"beta": [2, 1], "range": [10, 20]}).ppf(np.array([0.25]))[0] == pytest.approx(
        15.0
    )
    np.testing.assert_allclose(parse({"beta": [2, 5]}).ppf(np.array([0.0, 1.0])), [0.0, 1.0])


def test_choice_ppf_floors_u_times_n():
    dist = parse({"choice": [1, 2, 3, 4]})
    assert dist.ppf(np.array([0.3]))[0] == 2
    np.testing.assert_array_equal(
        dist.ppf(np.array([0.0, 0.2499, 0.25, 0.5, 0.75, 0.9999, 1.0])), [1, 1, 2, 3, 4, 4, 4]
    )


def test_ppf_agrees_with_scipy_stats():
    u = np.linspace(0.001, 0.999, 41)
    cases = [
        (parse({"triangular": [1, 2, 5]}), stats.triang(c=0.25, loc=1, scale=4)),
        (parse({"normal": [0.3, 0.05]}), stats.norm(0.3, 0.05)),
        (parse({"beta": [2, 5], "range": [1, 3]}), stats.beta(2, 5, loc=1, scale=2)),
        (parse({"uniform": [-1, 3]}), stats.uniform(-1, 4)),
    ]
    for dist, frozen in cases:
        np.testing.assert_allclose(dist.ppf(u), frozen.ppf(u), rtol=1e-9, atol=1e-12)


def test_ppf_keeps_the_shape_of_u():
    u = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    for raw in (
        {"uniform": [0, 1]},
        {"triangular": [0, 0.5, 1]},
        {"normal": [0, 1]},
        {"beta": [2, 3]},
        {"choice": [1, 2]},
    ):
        assert parse(raw).ppf(u).shape == (2, 3)


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan])
def test_ppf_refuses_u_outside_0_1(bad):
    for raw in ({"uniform": [0, 1]}, {"normal": [0, 1]}, {"beta": [2, 2]}, {"choice": [1, 2]}):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            parse(raw).ppf(np.array([0.5, bad]))


@pytest.mark.parametrize("options", [["a", "b"], [1, True], [0.5, "x"]])
def test_choice_ppf_needs_numbers(options):
    with pytest.raises(ValueError, match="needs numbers"):
        parse({"choice": options}).ppf(np.array([0.5]))


# --- central, ends, describe -----------------------------------------------------------------


def test_central_values():
    assert parse({"uniform": [0.4, 0.8]}).central() == pytest.approx(0.6)
    assert parse({"triangular": [0, 0.3, 1]}).central() == 0.3
    assert parse({"normal": [0.5, 0.1]}).central() == 0.5
    assert parse({"normal": [0.5, 0.1], "clip": [0, 1]}).central() == 0.5
    assert parse({"beta": [2, 5]}).central() == pytest.approx(2 / 7)
    assert parse({"beta": [2, 2], "range": [10, 20]}).central() == pytest.approx(15.0)


def test_choice_central_is_the_lower_median_option():
    assert parse({"choice": [4, 1, 3, 2]}).central() == 2
    assert parse({"choice": [3, 1, 2]}).central() == 2
    assert parse({"choice": [0.4, 0.2]}).central() == 0.2
    assert parse({"choice": [7]}).central() == 7
    central = parse({"choice": [30, 10, 20, 40]}).central()
    assert central == 20 and type(central) is int  # an option, as written
    # categories have no order: the first listed stands for them
    assert parse({"choice": ["usa", "uk"]}).central() == "usa"


def test_ends():
    assert parse({"uniform": [0.4, 0.8]}).ends() == (0.4, 0.8)
    assert parse({"triangular": [0, 0.3, 1]}).ends() == (0, 1)
    assert parse({"normal": [0.5, 0.1], "clip": [0.2, 0.9]}).ends() == (0.2, 0.9)
    lo, hi = parse({"normal": [0.5, 0.1]}).ends()
    assert lo == pytest.approx(0.5 - NORMAL_REACH * 0.1)
    assert hi == pytest.approx(0.5 + NORMAL_REACH * 0.1)
    assert parse({"beta": [2, 5]}).ends() == (0, 1)
    assert parse({"beta": [2, 5], "range": [3, 7]}).ends() == (3, 7)
    assert parse({"choice": [0.3, 0.1, 0.2]}).ends() == (0.1, 0.3)
    assert parse({"choice": ["a", "b", "c"]}).ends() == ("a", "c")


def test_draws_stay_within_the_ends():
    u = np.random.default_rng(7).random(10_000)
    u[:2] = [0.0, 1.0]
    for raw in (
        {"uniform": [0.4, 0.8]},
        {"triangular": [0, 0.3, 1]},
        {"normal": [0.5, 0.1]},
        {"normal": [0.5, 0.1], "clip": [0.4, 0.55]},
        {"beta": [0.5, 0.5], "range": [-1, 1]},
        {"choice": [5, 1, 3]},
    ):
        dist = parse(raw)
        lo, hi = dist.ends()
        values = dist.ppf(u)
        assert values.min() >= lo and values.max() <= hi, raw


def test_describe():
    assert parse({"uniform": [0.4, 0.8]}).describe() == "uniform on [0.4, 0.8]"
    assert parse({"triangular": [0, 1, 2]}).describe() == "triangular on [0, 2] peaking at 1"
    assert parse({"normal": [0.5, 0.1]}).describe() == "normal(0.5, 0.1)"
    assert (
        parse({"normal": [0.5, 0.1], "clip": [0, 1]}).describe()
        == "normal(0.5, 0.1) clipped to [0, 1]"
    )
    assert parse({"beta": [2, 5]}).describe() == "beta(2, 5) on [0, 1]"
    assert parse({"beta": [2, 5], "range": [0.2, 0.6]}).describe() == "beta(2, 5) on [0.2, 0.6]"
    assert parse({"choice": [0.2, 0.4]}).describe() == "one of 0.2, 0.4"
    assert parse({"choice": ["usa", True]}).describe() == "one of 'usa', true"


# --- integer values ----------------------------------------------------------------------


def test_draw_rounds_halves_up_for_whole_number_values():
    dist = parse({"uniform": [0, 3]})
    u = np.array([1 / 6, 0.5, 5 / 6, 0.0, 1.0])  # 0.5, 1.5, 2.5, 0, 3
    whole = draw(dist, u, integer=True)
    assert whole.dtype == np.int64
    np.testing.assert_array_equal(whole, [1, 2, 3, 0, 3])
    assert draw(parse({"uniform": [-1, 0]}), np.array([0.5]), integer=True)[0] == 0  # -0.5 up
    assert draw(parse({"triangular": [30, 52, 80]}), np.array([0.5]), integer=True).dtype == (
        np.int64
    )


def test_draw_without_rounding_is_float():
    values = draw(parse({"uniform": [0, 3]}), np.array([1 / 6, 0.5]), integer=False)
    assert values.dtype == np.float64
    np.testing.assert_allclose(values, [0.5, 1.5])
    choice = draw(parse({"choice": [10, 20]}), np.array([0.2, 0.7]), integer=True)
    np.testing.assert_array_equal(choice, [10, 20])


# --- detecting and parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ({"uniform": [0, 1]}, "uniform"),
        ({"triangular": [0, 1, 2]}, "triangular"),
        ({"normal": [0, 1]}, "normal"),
        ({"normal": [0, 1], "clip": [0, 1]}, "normal"),
        ({"beta": [2, 5]}, "beta"),
        ({"beta": [2, 5], "range": [0, 2]}, "beta"),
        ({"choice": ["a", "b"]}, "choice"),
        ({"uniform": "not checked here"}, "uniform"),
    ],
)
def test_distribution_kind_recognises_each_shape(raw, kind):
    assert distribution_kind(raw) == kind


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"from": 0, "to": 1},
        {"uniform": [0, 1], "triangular": [0, 1, 2]},
        {"uniform": [0, 1], "clip": [0, 1]},
        {"normal": [0, 1], "range": [0, 1]},
        {"beta": [2, 5], "clip": [0, 1]},
        {"normal": [0, 1], "clip": [0, 1], "note": "x"},
        {"choice": [1, 2], "weights": [1, 2]},
        {"clip": [0, 1]},
        {"russia": 0.5, "usa": 0.5},
        [0.1, 0.2],
        0.5,
        "uniform",
        None,
    ],
)
def test_distribution_kind_refuses_other_values(raw):
    assert distribution_kind(raw) is None


def test_distribution_kind_of_a_parsed_model():
    assert distribution_kind(parse({"beta": [2, 5]})) == "beta"


def test_parsing_gives_each_model_and_round_trips():
    for raw, model in (
        ({"uniform": [0, 1]}, Uniform),
        ({"triangular": [0, 1, 2]}, Triangular),
        ({"normal": [0, 1], "clip": [-1, 1]}, Normal),
        ({"beta": [2, 5], "range": [1, 2]}, Beta),
        ({"choice": [1, "a", True]}, Choice),
    ):
        dist = parse(raw)
        assert isinstance(dist, model) and dist.kind == distribution_kind(raw)
        assert parse(dist.model_dump(mode="json")) == dist
    assert parse({"beta": [2, 5]}).range == [0.0, 1.0]
    assert DISTRIBUTION_KINDS == ("uniform", "triangular", "normal", "beta", "choice")


def test_degenerate_but_meaningful_parameters_are_accepted():
    assert parse({"uniform": [0.5, 0.5]}).ppf(np.array([0.3]))[0] == 0.5
    assert parse({"triangular": [0, 1, 1]}).central() == 1
    assert parse({"normal": [1, 0.1], "clip": [1, 2]}).central() == 1


@pytest.mark.parametrize(
    ("raw", "loc", "expected"),
    [
        ({"uniform": [1, 0]}, ("uniform",), "[a, b] with a <= b"),
        ({"triangular": [0, 3, 2]}, ("triangular",), "a <= mode <= b and a < b"),
        ({"triangular": [1, 1, 1]}, ("triangular",), "a <= mode <= b and a < b"),
        ({"normal": [0.5, 0]}, ("normal", 1), "a standard deviation > 0"),
        ({"normal": [0.5, -0.1]}, ("normal", 1), "a standard deviation > 0"),
        ({"normal": [0.5, 0.1], "clip": [1, 0]}, ("clip",), "[lo, hi] with lo < hi"),
        ({"normal": [0.5, 0.1], "clip": [0.6, 1]}, ("normal", 0), "a mean inside clip"),
        ({"beta": [0, 2]}, ("beta", 0), "alpha > 0"),
        ({"beta": [2, -1]}, ("beta", 1), "beta > 0"),
        ({"beta": [2, 2], "range": [1, 1]}, ("range",), "[a, b] with a < b"),
        ({"choice": [0.1, 0.1]}, ("choice",), "each value once"),
        ({"choice": [1, 1.0]}, ("choice",), "each value once"),
    ],
)
def test_meaningless_parameters_are_refused_where_they_are(raw, loc, expected):
    [(kind, where, message, _)] = errors(raw)
    assert kind == "distribution" and where == loc and expected in message


def test_each_problem_is_reported():
    found = errors({"beta": [0, -1], "range": [1, 0]})
    assert [(where, value) for _, where, _, value in found] == [
        (("beta", 0), 0.0),
        (("beta", 1), -1.0),
        (("range",), [1.0, 0.0]),
    ]


@pytest.mark.parametrize(
    ("raw", "kind", "loc"),
    [
        ({"choice": []}, "too_short", ("choice",)),
        ({"uniform": [0]}, "too_short", ("uniform",)),
        ({"normal": [0.5, 0.1], "clip": [0]}, "too_short", ("clip",)),
        ({"uniform": [0, "1"]}, "float_type", ("uniform", 1)),
        ({"uniform": [0, math.inf]}, "finite_number", ("uniform", 1)),
        ({"uniform": [0, 1], "steps": 3}, "extra_forbidden", ("steps",)),
    ],
)
def test_shape_errors_are_located_without_the_tag(raw, kind, loc):
    [(found_kind, where, _, _)] = errors(raw)
    assert (found_kind, where) == (kind, loc)


@pytest.mark.parametrize("raw", [{"unifrom": [0, 1]}, {}, 0.5, [0, 1]])
def test_no_distribution_at_all(raw):
    [(kind, where, message, _)] = errors(raw)
    assert kind == "distribution" and where == ()
    assert message.startswith("a distribution: {uniform: [a, b]}")


def test_distribution_as_a_field_type_checks_too():
    adapter = TypeAdapter(dict[str, Distribution])
    assert adapter.validate_python({"x": {"uniform": [0, 1]}})["x"] == Uniform(uniform=[0, 1])
    with pytest.raises(ValidationError, match=r"normal\.1: found -1\.0; expected a standard"):
        adapter.validate_python({"x": {"normal": [0, -1]}})


def test_distribution_problems_of_parsed_models():
    # the models alone check only shapes (a sweep adds its own checks and messages)
    assert distribution_problems(Normal(normal=[0.5, 0.0])) == [
        ("normal.1", "0.0", "a standard deviation > 0")
    ]
    assert distribution_problems(Uniform(uniform=[0, 1])) == []
    with pytest.raises(TypeError):
        distribution_problems({"uniform": [0, 1]})


def test_the_sweep_reads_the_same_models():
    assert sim.experiment.Uniform is Uniform
    assert sim.experiment.Triangular is Triangular
    assert sim.experiment.Normal is Normal
    assert sim.experiment.Choice is Choice
    assert sim.experiment.NORMAL_REACH == NORMAL_REACH == 5.0


# --- statistics --------------------------------------------------------------------------


def _clipped_normal_mean(mu: float, sd: float, lo: float, hi: float) -> float:
    """E[min(max(X, lo), hi)] for X ~ N(mu, sd^2)."""
    a, b = (lo - mu) / sd, (hi - mu) / sd
    phi = stats.norm.pdf
    cdf = stats.norm.cdf
    return lo * cdf(a) + hi * (1 - cdf(b)) + mu * (cdf(b) - cdf(a)) + sd * (phi(a) - phi(b))


@pytest.mark.parametrize(
    ("raw", "mean"),
    [
        ({"uniform": [0.4, 0.8]}, 0.6),
        ({"triangular": [0, 1, 4]}, 5 / 3),
        ({"normal": [0.5, 0.1]}, 0.5),
        ({"normal": [0.5, 0.2], "clip": [0.3, 1.0]}, _clipped_normal_mean(0.5, 0.2, 0.3, 1.0)),
        ({"beta": [2, 5], "range": [1, 3]}, 1 + 2 * 2 / 7),
        ({"beta": [0.5, 0.5]}, 0.5),
        ({"choice": [1, 2, 3, 10]}, 4.0),
    ],
)
def test_sample_means_match_the_true_means(raw, mean):
    u = np.random.default_rng(1).random(100_000)
    values = draw(parse(raw), u, integer=False)
    error = values.std(ddof=1) / math.sqrt(len(values))
    assert abs(values.mean() - mean) < 4 * error, (values.mean(), mean, error)
