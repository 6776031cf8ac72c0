"""Hypothesis profiles for every test that uses Hypothesis; conftest.py imports this.

    dev  (default)  50 examples per property, for a quick local run
    ci              500 examples per property, derandomized; CI exports HYPOTHESIS_PROFILE=ci

HYPOTHESIS_PROFILE=<name> selects one; without it, pytest's --hypothesis-profile
(or Hypothesis's own choice of "ci" when it sees CI=true) is kept, else "dev".
No deadline anywhere: one example builds a module, parses it with libcst and
runs a migration on SQLite, and its time varies with the machine, not the code.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=50, deadline=None)
# Registering "ci" also reloads it if Hypothesis already loaded its built-in "ci".
settings.register_profile(
    "ci", max_examples=500, deadline=None, derandomize=True, database=None, print_blob=True
)

if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif settings.get_current_profile_name() == "default":
    settings.load_profile("dev")
