"""Every error DataAgent raises on purpose, in one tree.

    DataAgentError
    ├── ConfigError            misconfiguration a human must fix (bad model id, missing key, no bwrap)
    ├── DatasetError           a file we cannot use; the message says what is wrong and what to do
    ├── SandboxError
    │   ├── SandboxUnavailable a sandbox cannot be started at all (jail missing, provider refused)
    │   └── SandboxLost        a sandbox that existed is gone (killed, expired, crashed, unknown id)
    ├── LLMError
    │   └── LLMUnavailable     the model could not be reached within the retry budget
    └── Refused                the guard declined a request or code

A failing *user cell* is not an exception: it is `Execution.error`, a value, the way e2b's
code interpreter reports it. Only a sandbox that is gone raises.
"""

from __future__ import annotations


class DataAgentError(Exception):
    """Base of every deliberate DataAgent error; `str(err)` is fit to show a user."""


class ConfigError(DataAgentError):
    """Configuration a human must fix; retrying will not help."""


class DatasetError(DataAgentError):
    """A file that cannot be used as a dataset."""


class SandboxError(DataAgentError):
    """A problem with the sandbox itself, not with the code it ran."""


class SandboxUnavailable(SandboxError):
    """No sandbox could be started."""


class SandboxLost(SandboxError):
    """The sandbox died, expired or is unknown; its in-memory state is gone."""


class LLMError(DataAgentError):
    """The language model failed in a way that is not the user's fault."""


class LLMUnavailable(LLMError):
    """The model stayed unreachable (rate limits, outages, timeouts) through every retry."""


class Refused(DataAgentError):
    """The guard declined the question or the generated code."""
