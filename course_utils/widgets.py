"""Interactive explorers with a static fallback.

``explorer(render, controls, static)`` shows sliders/dropdowns that call
``render(**values)`` when they change, in JupyterLab or Colab. Where widgets
cannot render (CI, nbval, GitHub's viewer, or when ipywidgets is missing) it
calls ``render`` once for each settings dict in ``static`` instead, so the page
still shows the comparison.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

STATIC_ENV_VAR = "WGAN_COURSE_STATIC_WIDGETS"


def widgets_available() -> bool:
    """True when ipywidgets imports and we are inside an interactive IPython kernel."""
    if os.environ.get(STATIC_ENV_VAR, "").strip() in {"1", "true", "yes"}:
        return False
    from .env import quick_mode

    if quick_mode():  # CI executes notebooks headless: nobody could move a slider
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def explorer(
    render: Callable[..., Any],
    controls: dict[str, Sequence[Any]],
    static: Sequence[dict[str, Any]],
    interactive: bool | None = None,
) -> None:
    """Let the learner explore ``render`` over ``controls``; fall back to ``static`` settings.

    ``controls`` maps each keyword of ``render`` to the values it may take (the
    first value is the initial one). Uses ``ipywidgets.interact_manual`` so that
    expensive re-training happens only when the learner presses the button.
    """
    if not static:
        raise ValueError("Give at least one static setting so the explorer shows something without widgets.")
    for setting in static:
        unknown = set(setting) - set(controls)
        if unknown:
            raise ValueError(f"static setting {setting} names unknown controls {sorted(unknown)}")
    if interactive is None:
        interactive = widgets_available()
    if not interactive:
        for setting in static:
            render(**{**{k: v[0] for k, v in controls.items()}, **setting})
        return
    import ipywidgets as w

    kwargs = {}
    for name, values in controls.items():
        values = list(values)
        kwargs[name] = w.SelectionSlider(options=values, value=values[0], description=name,
                                         continuous_update=False)
    w.interact_manual(render, **kwargs)
