"""User-facing sentences the engine produces (the Slack layer has its own for Slack things)."""

from __future__ import annotations

NO_DATA = "There is no dataset in this conversation yet. Upload a CSV file here first, then ask me about it."
CODE_FAILED = (
    "I couldn't get the analysis to run after {attempts} attempts. The last error was: {error}. "
    "Try rephrasing the question, or name the columns you mean."
)
CODE_REFUSED = (
    "I can't run that: the code it needed would {what}, which isn't allowed here. I can only analyse the uploaded data."
)
NO_CODE = "the model did not write any code"
ANSWER_FALLBACK = "The analysis ran, but I couldn't write a summary just now. Here is what it printed:\n{output}"
EMPTY_OUTPUT = "The analysis ran but printed nothing. Try asking for a specific number or table."
