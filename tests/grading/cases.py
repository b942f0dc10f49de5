"""Submissions for the grading tests: the real master notebooks with solution cells replaced.

Each case is (student folder, files, expected points per exercise); the batch test grades
them all at once in the sandbox.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
NB05 = "05_gradient_penalty.ipynb"
NB03 = "03_wgan_weight_clipping.ipynb"
NB06 = "06_bug_clinic.ipynb"
MASTERS = [REPO / "notebooks" / NB03, REPO / "notebooks" / NB05, REPO / "notebooks" / NB06]
FULL05 = {"gradient_penalty": 4, "critic_loss": 2, "generator_loss": 1}
FULL03 = {"clip_weights_": 2, "critic_loss": 2, "generator_loss": 1, "clip_critic_step": 3, "generator_step": 3}
FULL06 = {"gp_fixed_image_norm": 2, "gp_fixed_pixel_alpha": 2, "gp_critic_step_fixed": 3, "generator_step_fixed": 2}

GP_HEAD = "def gradient_penalty(critic, real, fake):\n"
GP_BODY = """\
    real, fake = real.detach(), fake.detach()
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    xhat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(xhat).sum(), xhat, create_graph=True)
    norms = grads.flatten(start_dim=1).norm(2, dim=1)
"""
GP_HONEST = GP_HEAD + GP_BODY + "    return ((norms - 1) ** 2).mean()\n"
GP_ENABLE_GRAD = "@torch.enable_grad()\n" + GP_HONEST
GP_MEAN_NORM = GP_HEAD + GP_BODY + "    return (norms.mean() - 1) ** 2\n"
GP_FIRST_NORM = GP_HEAD + GP_BODY + "    return (norms[0] - 1) ** 2\n"
GP_PER_ELEMENT = GP_HEAD + GP_BODY.replace("norms = grads.flatten(start_dim=1).norm(2, dim=1)",
                                           "norms = grads.flatten(start_dim=1).abs()") + \
    "    return ((norms - 1) ** 2).mean()\n"
GP_CLAMPED_ALPHA = GP_HONEST.replace("torch.rand(real.shape[0], *([1] * (real.dim() - 1)))",
                                     "(0.5 + 0.3 * torch.randn(real.shape[0], *([1] * (real.dim() - 1)))).clamp(0, 1)")
GP_ONE_ALPHA = GP_HONEST.replace("torch.rand(real.shape[0], *([1] * (real.dim() - 1)))", "torch.rand(1)")
GP_DETACHED = GP_HONEST.replace("return ((norms - 1) ** 2).mean()", "return ((norms - 1) ** 2).mean().detach()")
GP_TORCH_FUNC = """\
from torch.func import grad, vmap

def gradient_penalty(critic, real, fake):
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    xhat = alpha * real.detach() + (1 - alpha) * fake.detach()
    per_sample = vmap(grad(lambda x: critic(x.unsqueeze(0)).sum()))(xhat)
    return ((per_sample.flatten(1).norm(dim=1) - 1) ** 2).mean()
"""
GP_HELPER = """\
def _norms_at(critic, x):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return g.flatten(1).norm(dim=1)
"""
GP_USES_HELPER = """\
def gradient_penalty(critic, real, fake):
    a = torch.rand(len(real), *[1] * (real.ndim - 1))
    return ((_norms_at(critic, a * real + (1 - a) * fake) - 1) ** 2).mean()
"""
GP_STUB = GP_HEAD + '    """stub"""\n    raise NotImplementedError("write me")\n'
GP_IMPORTS_REFERENCE = "from course_utils.losses import gradient_penalty as _ref\ngradient_penalty = staticmethod(_ref)\n"
GP_TYPE_CALLABLE = ("import course_utils.losses as L\n"
                    "gradient_penalty = type('GP', (), {'__call__': lambda self, *a: L.gradient_penalty(*a)})()\n")
#: The course's own penalty handed in as the learner's (05): imported, or called from a wrapper.
GP_IS_THE_COURSES = "from course_utils.losses import gradient_penalty\n"
GP_ASSIGNS_THE_COURSES = "import course_utils.losses\ngradient_penalty = course_utils.losses.gradient_penalty\n"
GP_WRAPS_THE_COURSES = ("from course_utils import losses\n\n" + GP_HEAD
                        + "    return losses.gradient_penalty(critic, real, fake)\n")
#: 03's clipping step written with the course's `losses` helpers the notebook imports (fair).
CLIP_STEP_WITH_COURSE_LOSSES = """\
def clip_critic_step(critic, optimizer, real, fake, c):
    optimizer.zero_grad()
    real_scores, fake_scores = critic(real), critic(fake.detach())
    loss = losses.critic_loss(real_scores, fake_scores, 0.0, 0.0)
    loss.backward()
    optimizer.step()
    losses.clip_weights_(critic, c)
    return -loss.item()
"""
GP_LOOP = GP_HEAD + "    while True:\n        pass\n"
GP_MEMORY = GP_HEAD + "    big = torch.ones(6 * 2**30 // 4)\n    return big.sum()\n"
GP_IN_HISTORY = GP_HEAD + "    return In[-1]\n"
GP_TYPING = """\
import typing

def gradient_penalty(critic, real, fake) -> "__import__('os').system('touch /tmp/owned')":
    typing.get_type_hints(gradient_penalty)
    return torch.tensor(1.0)
"""
CL_HONEST = ("def critic_loss(real_scores, fake_scores, penalty, lambda_gp):\n"
             "    return fake_scores.mean() - real_scores.mean() + lambda_gp * penalty\n")
GL_HONEST = "def generator_loss(fake_scores):\n    return -fake_scores.mean()\n"
CLIP_STEP_NO_ZERO_GRAD = """\
def clip_critic_step(critic, optimizer, real, fake, c):
    fake = fake.detach()
    loss = critic(fake).mean() - critic(real).mean()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-c, c)
    return -loss.item()
"""
GEN_STEP_LEFT_FROZEN = """\
def generator_step(generator, critic, optimizer, z):
    optimizer.zero_grad()
    critic.requires_grad_(False)
    loss = -critic(generator(z)).mean()
    loss.backward()
    optimizer.step()
    return loss.item()
"""
#: Notebook 06's buggy steps, handed in as the fixed ones.
GP_STEP_QUICK = """\
def gp_critic_step_fixed(critic, optimizer, real, fake, lambda_gp):
    real_scores, fake_scores = critic(real), critic(fake)
    loss = fake_scores.mean() - real_scores.mean() + lambda_gp * loop_penalty(critic, real, fake)
    loss.backward()
    optimizer.step()
    return (real_scores.mean() - fake_scores.mean()).item()
"""
GEN_STEP_CAREFUL = """\
def generator_step_fixed(generator, critic, optimizer, z):
    optimizer.zero_grad()
    fake = generator(z).detach()
    loss = -critic(fake).mean()
    loss.backward()
    optimizer.step()
    return loss.item()
"""
CLIP_NO_GRAD = ("@torch.no_grad()\ndef clip_weights_(critic, c):\n"
                "    for p in critic.parameters():\n        p.clamp_(-c, c)\n")


def attack(body: str) -> str:
    """A critic_loss that is right but also runs ``body`` when called (the attack rides on it)."""
    return ("def critic_loss(real_scores, fake_scores, penalty, lambda_gp):\n"
            + "".join("    " + line + "\n" for line in body.splitlines())
            + "    return fake_scores.mean() - real_scores.mean() + lambda_gp * penalty\n")


def master(name: str) -> nbformat.NotebookNode:
    return nbformat.read(str(REPO / "notebooks" / name), as_version=4)


def _index(nb, grade_id: str) -> int:
    for i, cell in enumerate(nb.cells):
        if (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def submission(name: str = NB05, extra_below: dict | None = None, magic: str = "", **sources: str):
    """The master with the given solution cells replaced (and optional new cells below them)."""
    nb = copy.deepcopy(master(name))
    for grade_id, source in sources.items():
        nb.cells[_index(nb, grade_id)].source = (magic + "\n" if magic else "") + source
    for grade_id, source in (extra_below or {}).items():
        nb.cells.insert(_index(nb, grade_id) + 1, nbformat.v4.new_code_cell(source))
    return nb


def stubbed(name: str = NB05) -> nbformat.NotebookNode:
    return nbformat.read(str(REPO / "notebooks" / "student" / name), as_version=4)
