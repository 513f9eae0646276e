"""Code extraction from the shapes of reply real models send."""

from __future__ import annotations

import pytest

from agent.llm.codegen import extract_code, strip_reasoning

CODE = "import pandas as pd\nprint(df['price'].mean())"


def test_python_fence_with_prose_around() -> None:
    reply = f"Here is the code:\n\n```python\n{CODE}\n```\n\nIt prints the mean price."
    assert extract_code(reply) == CODE


@pytest.mark.parametrize("tag", ["py", "Python", "python3", "{.python}", "python title=answer.py"])
def test_python_tag_variants(tag: str) -> None:
    assert extract_code(f"```{tag}\n{CODE}\n```") == CODE


def test_fence_without_language() -> None:
    assert extract_code(f"Sure.\n```\n{CODE}\n```") == CODE


def test_tilde_fence() -> None:
    assert extract_code(f"~~~python\n{CODE}\n~~~") == CODE


def test_several_python_blocks_are_joined_in_order() -> None:
    reply = (
        "First load:\n```python\nimport pandas as pd\n```\n"
        "Then a sample of the output:\n```text\n   price\n0  3.5\n```\n"
        "Then compute:\n```python\nprint(df['price'].mean())\n```"
    )
    assert extract_code(reply) == "import pandas as pd\n\nprint(df['price'].mean())"


def test_python_block_preferred_over_untagged_and_other_languages() -> None:
    reply = "```bash\npip install pandas\n```\n```\nx = 1\n```\n```python\nprint(2)\n```"
    assert extract_code(reply) == "print(2)"


def test_untagged_output_block_is_not_code() -> None:
    assert extract_code("The result is:\n```\n42\n```") is None


@pytest.mark.parametrize(
    "reply",
    [
        "The dataset has 1,204 rows and 7 columns.",
        "Sorry, I can't help with that request.",
        "Done",
        "N/A",
        "yes, 42",
        "",
    ],
)
def test_prose_only_reply_has_no_code(reply: str) -> None:
    assert extract_code(reply) is None


def test_unfenced_pure_code() -> None:
    assert extract_code(f"\n{CODE}\n\n") == CODE


def test_unfenced_code_after_a_line_of_prose() -> None:
    assert extract_code(f"Here is the code:\n{CODE}") == CODE


def test_reasoning_block_is_ignored() -> None:
    reply = f"<think>Maybe ```python\nprint('draft')\n``` would do.</think>\n```python\n{CODE}\n```"
    assert extract_code(reply) == CODE


def test_reasoning_only_reply_has_no_code() -> None:
    assert extract_code("<think>I should compute the mean with df.mean()</think>\nThe mean is 3.5.") is None


def test_orphan_closing_think_tag_drops_the_reasoning_before_it() -> None:
    assert extract_code(f"let me think: x = draft()\n</think>\n\n```python\n{CODE}\n```") == CODE


def test_unterminated_reasoning_yields_nothing() -> None:
    assert extract_code("<think>\nI will write\n```python\nprint(1)\n```") is None
    assert strip_reasoning("answer <think>cut off") == "answer "


def test_unclosed_fence_runs_to_the_end() -> None:
    assert extract_code(f"```python\n{CODE}\n") == CODE


def test_indented_fence_in_a_list_item_is_dedented() -> None:
    reply = "1. Run this:\n   ```python\n   import pandas as pd\n   print(df.shape)\n   ```"
    assert extract_code(reply) == "import pandas as pd\nprint(df.shape)"


def test_python_block_with_a_syntax_error_is_still_returned() -> None:
    # The sandbox's SyntaxError is what the heal loop feeds back to the model.
    assert extract_code("```python\nprint(df['a'\n```") == "print(df['a'"


def test_windows_line_endings() -> None:
    assert extract_code("```python\r\nprint(1)\r\n```\r\n") == "print(1)"


def test_longer_fence_may_contain_a_shorter_one() -> None:
    reply = '````python\ns = """\n```\n"""\nprint(s)\n````'
    assert extract_code(reply) == 's = """\n```\n"""\nprint(s)'
