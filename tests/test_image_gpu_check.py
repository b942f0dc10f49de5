"""The GPU check script runs end to end on the CPU in its dry mode."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_dry_run(tmp_path):
    out = tmp_path / "dry.json"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_check.py"), "--dry-run", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"WGAN_COURSE_THREADS": "1", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["dry_run"] and len(report["notebooks"]) >= 9
    assert report["penalty"]["auto_mode"] == "off" and report["penalty"]["bf16"]["penalty_rel_err"] < 0.1
    trail = report["time_to_shipped_fd"]["trail"]
    assert report["time_to_shipped_fd"]["steps"] == 2 and len(trail) == 2 and trail[-1]["fd"] > 0
