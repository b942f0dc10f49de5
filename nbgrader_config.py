"""nbgrader configuration for grading this course with nbgrader (see README, "For instructors").

The course directory is ``grading_work/`` (ignored by git). Put the master notebooks of an
assignment in ``grading_work/source/<assignment>/`` and run nbgrader from the repository root:

    mkdir -p grading_work/source/wgan_gp
    cp notebooks/05_gradient_penalty.ipynb grading_work/source/wgan_gp/
    nbgrader generate_assignment wgan_gp      # -> grading_work/release/wgan_gp/
    # collect submissions into grading_work/submitted/<student>/wgan_gp/
    WGAN_COURSE_QUICK=1 nbgrader autograde wgan_gp
    nbgrader generate_feedback wgan_gp
    nbgrader export --to grades.csv

``python -m course_tools student`` makes the same student versions (plus the
``raises-exception`` tags); nbgrader grades either.
"""

from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

ROOT = Path(__file__).resolve().parent
c.CourseDirectory.root = str(ROOT / "grading_work")
c.CourseDirectory.course_id = "wgan-gp-course"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'grading_work' / 'gradebook.db'}"
# The same stub as course_tools student (the exercise name is not known to nbgrader here).
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("Replace this line with your code. '
    'The hint below this cell helps.")'
}
# Training cells are short in quick mode (WGAN_COURSE_QUICK=1); a runaway cell stops after 10 minutes.
c.ExecutePreprocessor.timeout = 600
c.Execute.interrupt_on_timeout = True
