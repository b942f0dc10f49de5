"""Structure checks for ``course_tools.bench`` (tiny sizes, one repeat; no timing thresholds)."""

import json

from course_tools import bench

TINY = dict(mlp_width=16, mlp_depth=2, mlp_batch=8, conv_width=2, conv_batch=4)


def test_critic_step_timing_structure():
    res = bench.time_critic_steps(repeats=1, iters=1, warmup=1, sizes=TINY)
    assert set(res) == {"mlp", "conv"}
    for model, r in res.items():
        expected = set(bench.STEP_VARIANTS) - ({"gp_channels_last"} if model == "mlp" else set())
        assert set(r["ms"]) == expected
        assert all(s["min"] > 0 and len(s["values"]) == 1 for s in r["ms"].values())
        assert {"gp/clip", "gp_textbook/gp", "gp_concat/gp", "gp_concat3/gp", "gp_flush_denormal/gp"} <= set(r["ratios"])
        for s in r["ratios"].values():
            assert 0 < s["min"] <= s["median"] <= s["max"]
        assert r["target_gp_over_clip"] == bench.TARGETS[model]


def test_thread_scaling_structure_and_restores_threads():
    import torch

    before = torch.get_num_threads()
    res = bench.thread_scaling(repeats=2, iters=1, warmup=1, sizes=TINY, busy_core=True)
    assert torch.get_num_threads() == before
    for r in res.values():
        assert set(r["ms"]) == {"1", "2"} and set(r["speedup_vs_1"]) == {"2"}
        assert len(r["ms"]["2"]["values"]) == 2


def test_textbook_penalty_matches_course_penalty():
    import torch

    from course_utils.losses import gradient_penalty
    from course_utils.models import MLPCritic

    critic = MLPCritic(width=8, depth=2)
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    torch.manual_seed(3)
    a = gradient_penalty(critic, real, fake)
    torch.manual_seed(3)
    b = bench.textbook_gradient_penalty(critic, real, fake)
    assert torch.allclose(a, b, atol=1e-6)


def test_run_writes_json_and_markdown(tmp_path, monkeypatch):
    real_steps = bench.time_critic_steps
    real_threads = bench.thread_scaling
    monkeypatch.setattr(bench, "time_critic_steps",
                        lambda **kw: real_steps(**{**kw, "repeats": 1, "iters": 1, "warmup": 1, "sizes": TINY}))
    monkeypatch.setattr(bench, "thread_scaling",
                        lambda **kw: real_threads(**{**kw, "repeats": 1, "iters": 1, "warmup": 1, "sizes": TINY}))
    times = tmp_path / "nb.json"
    times.write_text(json.dumps({"01_intro.ipynb": {"quick": 3.5, "full": 20.0}}))
    out = tmp_path / "bench.json"
    res = bench.run(sections=("steps", "notebooks"), quick=True, repeats=1, out=str(out),
                    notebook_times_path=str(times))
    data = json.loads(out.read_text())
    assert data["machine"]["torch_version"] and data["machine"]["date"]
    assert all(s["median"] > 0 for r in data["steps"].values() for s in r["ratios"].values())
    md = res["markdown"]
    assert md.startswith("# WGAN course benchmark")
    assert "| critic | variant |" in md and "|---|" in md
    assert "01_intro.ipynb" in md
    assert "verdicts" in data


def test_notebooks_skipped_without_file():
    assert "skipped" in bench.notebook_times(None)


def test_time_notebooks_executes_in_each_mode_and_reports_failures(tmp_path):
    import nbformat

    ok = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nprint(os.environ['WGAN_COURSE_QUICK'])")])
    ok.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise RuntimeError('boom')")])
    broken.metadata["kernelspec"] = ok.metadata["kernelspec"]
    nbformat.write(ok, tmp_path / "01_ok.ipynb")
    nbformat.write(broken, tmp_path / "02_broken.ipynb")
    res = bench.time_notebooks([tmp_path / "01_ok.ipynb", tmp_path / "02_broken.ipynb"], modes=("quick", "full"),
                               timeout_s=120)
    assert set(res["times"]["01_ok.ipynb"]) == {"quick", "full"}
    assert all(t > 0 for t in res["times"]["01_ok.ipynb"].values())
    assert res["times"]["02_broken.ipynb"] == {}
    assert set(res["failed"]) == {"02_broken.ipynb (quick)", "02_broken.ipynb (full)"}
    assert "boom" in res["failed"]["02_broken.ipynb (quick)"]
    assert res["totals"]["quick"] == res["times"]["01_ok.ipynb"]["quick"]
