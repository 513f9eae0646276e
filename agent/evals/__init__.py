"""Benchmarks for the engine, run through its public face with no Slack in sight.

dabench.py  InfiAgent-DABench on disk → frozen questions with their labels, and the prompt we ask
scoring.py  the official closed-form scorer: `@name[value]` out of an answer, compared with the labels
runner.py   one question at a time through a real Engine, each in a fresh thread and sandbox
report.py   per-question results → accuracies (strict and official-style), cost, a text table
"""

from agent.evals.dabench import Bench, BenchDataError, Question, load_dabench, prompt_for
from agent.evals.report import Rate, Summary, report_json, summarize, summary_table
from agent.evals.runner import QuestionResult, run_questions
from agent.evals.scoring import Score, extract_answers, is_equal, score_answer

__all__ = [
    "Bench",
    "BenchDataError",
    "Question",
    "QuestionResult",
    "Rate",
    "Score",
    "Summary",
    "extract_answers",
    "is_equal",
    "load_dabench",
    "prompt_for",
    "report_json",
    "run_questions",
    "score_answer",
    "summarize",
    "summary_table",
]
