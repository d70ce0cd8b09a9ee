"""Security regressions: each test replays one attack from issue 9 and must fail on the code before it.

The executor fixtures are the tools suite's (the in-process sandbox, the packaged policy, a tmp audit log).
"""

from __future__ import annotations

from tests.tools.conftest import desk  # noqa: F401 (a fixture, used by name)
