"""The recorded sweep and race tuning behind notebook 7's recipes are data files that parse and agree with the code."""

import csv

from course_utils import recipes


def test_sweep_loads_with_numbers():
    rows = recipes.load_sweep()
    assert len(rows) == 34
    gp_fast = [r for r in rows if r["run"].startswith("gp-fast")]
    assert len(gp_fast) == 1
    r = gp_fast[0]
    assert (r["width"], r["lr"], r["n_critic"], r["lambda_gp"], r["decay"]) == (
        recipes.GP_FAST.critic_width, recipes.GP_FAST.lr, recipes.GP_FAST.n_critic, recipes.GP_FAST.lambda_gp,
        recipes.GP_FAST.decay_fraction)
    assert all(0.0 <= row["hq_fraction"] <= 1.0 and row["modes_captured"] <= row["n_modes"] for row in rows)


def test_sweep_table_has_a_line_per_run():
    table = recipes.sweep_table().splitlines()
    assert len(table) == 2 + 34 + 1
    assert "gp-fast (lr 2e-3)" in "\n".join(table)


def _tuning_rows():
    with open(recipes.RACE_TUNING_FILE, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def test_race_tuning_gives_both_methods_the_same_grid():
    rows = _tuning_rows()
    grids = {m: sorted((float(r["lr"]), int(r["n_critic"])) for r in rows if r["method"] == m) for m in ("clipping", "penalty")}
    assert grids["clipping"] == grids["penalty"] and len(grids["clipping"]) == 6


def test_race_recipes_are_the_grid_winners():
    rows = _tuning_rows()
    for method, recipe in (("clipping", recipes.CLIP_TUNED), ("penalty", recipes.GP_FAST)):
        best = max((r for r in rows if r["method"] == method), key=lambda r: float(r["hq_fraction"]))
        assert (float(best["lr"]), int(best["n_critic"])) == (recipe.lr, recipe.n_critic), method
    table = recipes.race_tuning_table()
    assert table.count("<- chosen") == 2
    assert recipes.get_recipe("clip-tuned").config().make_optimizer(
        [__import__("torch").zeros(1, requires_grad=True)]).__class__.__name__ == "RMSprop"
