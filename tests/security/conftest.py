"""Security regressions: each test replays one attack from issue 9 and must fail on the code before it.

The fixtures are the tools suite's (the executor on the in-process sandbox, the packaged policy, a tmp
audit log) and the channels suite's (the HTTP app over the in-process transport).
"""

from __future__ import annotations

from tests.channels.conftest import make_api  # noqa: F401 (a fixture, used by name)
from tests.tools.conftest import desk  # noqa: F401 (a fixture, used by name)
