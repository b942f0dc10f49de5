"""Interactive explorers with a static fallback.

``explorer(render, controls, static)`` shows sliders/dropdowns that call
``render(**values)`` when they change, in JupyterLab or Colab. Where widgets
cannot render (CI, nbval, GitHub's viewer, or when ipywidgets is missing) it
calls ``render`` once for each settings dict in ``static`` instead, so the page
still shows the comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import settings

__all__ = ["STATIC_ENV_VAR", "RUN_BUTTON", "widgets_available", "why_no_widgets", "explorer"]

STATIC_ENV_VAR = settings.STATIC_WIDGETS
#: The label of the explorer's button (the notebooks say "press *Run*").
RUN_BUTTON = "Run"


def why_no_widgets() -> str | None:
    """Why the explorers show fixed figures instead of sliders here (``None`` when sliders work).
    Not called in a notebook.
    """
    static = settings.read(STATIC_ENV_VAR)  # None when unset: sliders except in quick mode
    if static:
        return f"{STATIC_ENV_VAR}=1 asks for fixed figures"
    if static is None and settings.flag(settings.QUICK):  # CI executes notebooks headless: nobody could move a slider
        return (f"quick mode is on ({settings.QUICK}=1); unset it (or set {STATIC_ENV_VAR}=0) and rerun "
                f"this cell to get the sliders")
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return "ipywidgets is not installed (pip install 'ipywidgets>=8')"
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return "this is not a Jupyter kernel"
    return None


def widgets_available() -> bool:
    """True when ipywidgets imports, we are inside an interactive kernel, and no setting turns sliders off.
    Not called in a notebook.
    """
    return why_no_widgets() is None


def explorer(
    render: Callable[..., Any],
    controls: dict[str, Sequence[Any]],
    static: Sequence[dict[str, Any]],
    interactive: bool | None = None,
) -> None:
    """Let the learner explore ``render`` over ``controls``; fall back to ``static`` settings.

    ``controls`` maps each keyword of ``render`` to the values it may take (the
    first value is the initial one). Uses ``ipywidgets.interact_manual`` so that
    expensive re-training happens only when the learner presses the *Run* button. Without
    sliders it says why in one printed line. Used in notebooks 03 and 07.
    """
    if not static:
        raise ValueError("Give at least one static setting so the explorer shows something without widgets.")
    for setting in static:
        unknown = set(setting) - set(controls)
        if unknown:
            raise ValueError(f"static setting {setting} names unknown controls {sorted(unknown)}")
    reason = None
    if interactive is None:
        reason = why_no_widgets()
        interactive = reason is None
    if not interactive:
        if reason:
            print(f"Sliders are off: {reason}. Showing {len(static)} fixed setting(s) instead.")
        for setting in static:
            render(**{**{k: v[0] for k, v in controls.items()}, **setting})
        return
    import ipywidgets as w

    kwargs = {}
    for name, values in controls.items():
        values = list(values)
        kwargs[name] = w.SelectionSlider(options=values, value=values[0], description=name,
                                         continuous_update=False)
    w.interact_manual.options(manual_name=RUN_BUTTON)(render, **kwargs)
