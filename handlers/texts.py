"""Every sentence the Slack layer shows a user, in one place.

The engine's own sentences (failure reasons, refusals) live in `agent/texts.py`; these are the
Slack-specific ones. Strings are Slack mrkdwn unless their name ends in `_PLAIN` (button labels,
modal titles, alt text: Slack shows those literally). Placeholders use `str.format` names.
"""

from __future__ import annotations

# Answer footer (context block).
ATTEMPTS_ONE = "✓ 1 attempt"
ATTEMPTS_MANY = "{n} attempts"
FIXED_ONE = "fixed an error"
FIXED_MANY = "fixed {n} errors"
SECONDS = "{s:.1f} s"
SESSION_RESTORED = "session restored"
CHARTS = "{n} chart"
CHARTS_MANY = "{n} charts"
FOOTER_SEP = " · "

# Long answers.
ANSWER_TRUNCATED = "_The answer was too long for one message; the full text is attached as a file._"
OUTPUT_TRUNCATED = "… output cut here ({n:,} more characters; run the code to see everything)"
CODE_TRUNCATED = "# … code cut here ({n:,} more characters)"
ANSWER_FILE_TITLE_PLAIN = "Full answer"
RESULT_TABLE = "*Result*"

# Buttons and the code view.
SHOW_CODE_PLAIN = "Show code"
FEEDBACK_UP_PLAIN = "👍"
FEEDBACK_DOWN_PLAIN = "👎"
RESULT_CSV_TITLE_PLAIN = "Download CSV: the whole result"
TRY_AGAIN_PLAIN = "Try again"
CODE_MODAL_TITLE_PLAIN = "Code and output"
CODE_MODAL_CLOSE_PLAIN = "Close"
CODE_HEADING = "*Code*"
OUTPUT_HEADING = "*Output*"
QUESTION_LINE = "*Question:* {question}"
NO_OUTPUT = "_The code printed nothing._"
NO_CODE = "_No code was run for this question._"
CODE_GONE = "The code for this answer is no longer available (it expires after the retention period)."

# Failures.
FAILED_PREFIX = ":warning: "
CODE_FAILED = "I couldn't get the analysis to run after {n} attempt{s} (last error: `{error}`)."
CODE_FAILED_HINT = "Try rephrasing the question, or name the exact columns you mean."
NO_DATA_HINT = "Once a CSV is in this thread (or channel), press *Try again* or ask again."
REFUSED_PREFIX = ":no_entry: "
REFUSED_HINT = "Try a question about the data's columns, for example “What are the top 5 rows by {column}?”"
REFUSED_HINT_GENERIC = "Try a question about the data's columns."
GENERIC_FAILURE = "Something went wrong while answering. Please try again."

# Progress (status line / placeholder while working).
PROGRESS_LOADING = "Loading your data…"
PROGRESS_WRITING_CODE = "Writing code…"
PROGRESS_RUNNING = "Running the analysis…"
PROGRESS_RUNNING_OF = "Running the analysis (attempt {attempt} of {total})…"
PROGRESS_FIXING_SHORT = "Fixing an error…"
PROGRESS_FIXING = "Fixing an error (attempt {attempt} of {total})…"
PROGRESS_RESTORING = "Restoring the session…"
PROGRESS_CHARTS = "Drawing charts…"
PROGRESS_ANSWER = "Writing the answer…"
PROGRESS_QUEUED = "Thinking…"
PROGRESS_INSPECTING = "Looking at the data…"
PROGRESS_STEP = "Running step {step}…"
HEARD_REACTION = "eyes"  # 👀 on the message that asked: heard, working on it

# Profile card for a fresh upload.
PROFILE_HEADLINE = "*{name}* — {rows:,} row{rs} × {cols:,} column{cs}"
PROFILE_COLUMNS = "*Columns:* {columns}"
PROFILE_MORE_COLUMNS = " … and {n} more"
PROFILE_SUSPICIOUS = "*Worth knowing:*"
PROFILE_VAR = "In code it is the DataFrame `{var}`."
PROFILE_SUGGESTIONS = "*Try asking:*"
PROFILE_THREAD_MANY = "Now {n} datasets in this thread: {vars}."
SUGGEST_BY_MONTH = "How did {numeric} change by month?"
SUGGEST_TOP_CATEGORY = "Which {category} has the highest total {numeric}?"
SUGGEST_DISTRIBUTION = "What is the distribution of {numeric}?"
SUGGEST_COUNT_CATEGORY = "How many rows are there for each {category}?"
SUGGEST_SUMMARY = "Summarise this dataset"

# Slash command.
USAGE = (
    "*DataAgent* answers questions about CSV files you upload.\n"
    "• Upload a CSV in a channel or thread, then mention me or reply in the thread with a question.\n"
    "• `{cmd} <question>` — ask about this channel's latest dataset\n"
    "• `{cmd} datasets` — list the datasets I know here\n"
    "• `{cmd} forget` — delete this channel's datasets and memory (asks first)\n"
    "• `{cmd} privacy [full|redacted|schema]` — what of the data the AI model may see here (admins change it)\n"
    "• `{cmd} limit` — this channel's fair-use limits (admins: `{cmd} limit <questions/hour> [<tokens/day>]`)\n"
    "• `{cmd} help` — show this message"
)
DATASETS_NONE = "I don't have any datasets here yet. Upload a CSV file and I'll profile it."
DATASETS_HEADER = "*Datasets here ({n}):*"
DATASETS_KEPT = "_({when})_"
DATASETS_LINE = "• *{name}* as `{var}` — {rows:,} rows × {cols:,} columns"
FORGET_CONFIRM = (
    "Forget this channel's datasets, memory and sessions? The files stay in Slack, but I'll need them "
    "shared again before I can answer about them."
)
FORGET_CONFIRM_PLAIN = "Forget this channel's datasets and memory?"
FORGET_YES_PLAIN = "Forget everything"
FORGET_NO_PLAIN = "Cancel"
FORGET_CANCELLED = "Cancelled: I've kept this channel's datasets and memory."
FORGET_DONE = "Done: I've forgotten this conversation's datasets, memory and session."
FORGET_NOTHING = "There was nothing to forget here."
EMPTY_QUESTION = "Ask me something about your data, e.g. `{cmd} which region sold the most?`"
QUESTION_ACK = "On it: “{question}”"
ANALYZE_NO_DATA = (
    "I don't have any data in this channel yet, so I can't answer “{question}”. Share a CSV file here "
    "(if I'm not a member, invite me first with /invite {bot}), then ask again."
)

# Charts.
CHART_ALT_PLAIN = "Chart for the question: {question}"
CHART_ALT_MANY_PLAIN = "Chart {index} of {total} for the question: {question}"
CHART_TITLE_PLAIN = "Chart {index} of {total}"
CHART_TITLE_ONE_PLAIN = "Chart"

# Intake, files and the queue (the Slack wiring).
WORKING = "⏳ Got it, working on it…"
EMPTY_MENTION = (
    "Ask me a question about the data in this thread or channel, e.g. “What are the top 5 products by revenue?”"
)
NOT_A_TABLE_FILE = (
    "I can only read tables: CSV or TSV, Excel or OpenDocument workbooks, Parquet, Feather, JSON or JSON Lines. "
    "Export the data in one of those and share it here."
)
FILE_TOO_BIG = (
    "*{name}* is larger than the {mb} MB I can take. Filter it or split it into smaller files, then share again."
)
FILE_UNREACHABLE = (
    "I couldn't download *{name}* from Slack. Check that I'm a member of this channel and that the app has the "
    "`files:read` scope, then share the file again."
)
JOB_DEAD = "Something went wrong on my side while working on this question, and it failed several times."
FILE_JOB_DEAD = "Something went wrong on my side while reading this file, several times. Please share it again."
# `{bot}` is the bot's own mention (`<@U…>` from auth.test), which Slack shows as its real name; it is
# not in backticks because Slack does not render mentions inside code.
NOT_IN_CHANNEL = "I'm not a member of this channel yet. Invite me with /invite {bot}, then try again."
BOT_NAME_FALLBACK = "the DataAgent app"
POST_FAILED = "I couldn't post your question in this channel just now. Please try again in a moment."
ASKED_BY = "<@{user}> asked: “{question}”"
SHARED_BY = "shared by {who}"
FEEDBACK_TITLE_PLAIN = "What was wrong?"
FEEDBACK_SUBMIT_PLAIN = "Send"
FEEDBACK_LABEL_PLAIN = "Tell me what the answer got wrong (optional); it is kept with the answer."
FEEDBACK_THANKS = "Thanks: noted with this answer."
RETRYING = "↻ Asked again by <@{user}>; the new answer follows in this thread."
ALREADY_RETRYING = "This question is already being asked again."

# Profile card: parse warnings, the columns table, suggestion buttons.
PROFILE_WARNINGS = "*While reading the file:*"
PROFILE_TABLE_HEADER_PLAIN = ("Column", "Type", "Empty", "Range")
PROFILE_TABLE_MORE = "… and {n} more column{s}"
SUGGESTION_GONE = "This suggestion is no longer available (it expires after the retention period). Ask in the thread."
SUGGESTION_ALREADY_ASKED = "You already asked this one; the answer arrives in the file's thread."

# App Home.
HOME_TITLE_PLAIN = "DataAgent"
HOME_ABOUT = (
    "I answer plain-English questions about your tables (CSV, TSV, Excel): I write pandas code, run it in a "
    "sandbox and reply with the answer, a table or a chart."
)
HOME_HOW = (
    "*How to use me*\n"
    "• Drop a file in a channel I'm in (or in a DM with me): I reply with a profile card and questions to try.\n"
    "• Reply in the file's thread with a question; no mention needed there.\n"
    "• Elsewhere in the channel, mention me: `@DataAgent which region sold the most?`\n"
    "• `{cmd} <question>` asks about the channel's latest file; `{cmd} help` lists the rest."
)
HOME_DATA_HEADER = "*Data in your channels*"
HOME_NO_DATA = "_None of your channels has data with me right now._"
HOME_CHANNEL = "*<#{channel}>*"
HOME_DM = "*Our direct messages*"
HOME_DATASET_LINE = "• *{name}* as `{var}` — {rows:,} rows × {cols:,} columns{expiry}"
HOME_EXPIRES = " · {when}"
HOME_MORE_DATASETS = "• … and {n} more"
HOME_MORE_CHANNELS = "… and {n} more channels"
HOME_RETENTION = "Data and memory are deleted automatically when they expire, or at once with *Forget*."
HOME_FORGET_PLAIN = "Forget this channel's data"
FORGET_TITLE_PLAIN = "Forget this data?"
FORGET_CONFIRM_PLAIN = "Forget"
FORGET_CANCEL_PLAIN = "Cancel"
FORGET_QUESTION = (
    "This deletes the datasets, memory and sessions I keep for {where}, for everyone in it. It cannot be undone."
)
FORGET_WHERE_CHANNEL = "<#{channel}>"
FORGET_WHERE_DM = "our direct messages"

# Cancelling a running question (a private line to the asker) and the message shortcut.
CANCEL_PROMPT = "Working on your question. Changed your mind?"
CANCEL_BUTTON_PLAIN = "Cancel"
CANCELLING = "Cancelling…"
CANCEL_TOO_LATE = "That question is already finished; nothing to cancel."
CANCELLED_BY = "Cancelled by <@{user}>."
SHORTCUT_NO_TABLE = (
    "That message has no file I can analyse. Use *Analyze with DataAgent* on a message with a CSV, TSV, Excel or"
    " zipped table."
)
SHORTCUT_TAKEN = "Loading {names}; its summary follows in the message's thread."

# Slack's agent DM experience.
AGENT_GREETING = (
    "Hi! Drop a CSV or TSV file here and ask me about it in plain English: totals, trends, comparisons, "
    "charts. I run real code on your data and answer from what it printed."
)
AGENT_PROMPTS_TITLE = "Try, once a file is here:"
AGENT_PROMPTS = (
    ("Summarise the data", "Give me a short summary of this data: size, columns and anything odd."),
    ("Top categories", "Which categories have the highest totals? Show a bar chart."),
    ("Trend over time", "How does the main number change month by month? Plot it."),
)
INTAKE_DOWN = (
    "I couldn't take this message: my storage has been unreachable for a few minutes. Please send it again shortly."
)

# /analyze privacy: what of the channel's data the model may see.
PRIVACY_MEANINGS = {
    "full": "the model sees sample rows, common values and every output, as they are",
    "redacted": "emails, phone, card and IBAN numbers, IP addresses and national ids are replaced by placeholders "
    "before anything reaches the model; answers here still show the real values",
    "schema": "the model sees column names, types, counts and numeric ranges only; every text value and personal "
    "detail in outputs is replaced by a placeholder; answers here still show the real values",
}
PRIVACY_CURRENT = (
    "This channel's data is sent to the AI model in *{mode}* mode. "
    "An admin can change it with `/analyze privacy full|redacted|schema`."
)
PRIVACY_USAGE = "Use `/analyze privacy full`, `/analyze privacy redacted` or `/analyze privacy schema`."
PRIVACY_NOT_ADMIN = (
    "Only a workspace admin or owner (or a user listed in ADMIN_USER_IDS) can change this channel's privacy mode."
)
PRIVACY_SET = "From the next question on, this channel uses *{mode}* mode: {meaning}."
# Who may see what (handlers.access): data stays with the members of the conversation it was shared in.
NOT_A_MEMBER = "Only members of the conversation this data was shared in can reach it, and you are not one of them."
MEMBERSHIP_UNCHECKED = (
    "I couldn't check with Slack that you are a member of this conversation, so I haven't used its data."
    " Please try again in a minute."
)
HOME_UNCHECKED = (
    "I couldn't check with Slack which conversations you are in, so no data is listed. Open this tab again in a minute."
)
SHORTCUT_NOT_HERE = "That file was not shared in this conversation, so I can't load it here."
KEPT_UNTIL = "kept until {date}"
# Fair use (handlers.limits): a refused question, and `/analyze limit`. Numbers and times only, never user text.
LIMIT_USER_QUESTIONS = "You've asked {used} this hour (the limit is {allowed}); you can ask again at {when}."
LIMIT_CHANNEL_QUESTIONS = (
    "This channel has asked {used} this hour (the limit is {allowed}); you can ask again at {when}."
)
LIMIT_USER_TOKENS = (
    "Your questions have used {used} model tokens today (the limit is {allowed}); you can ask again at {when}."
)
LIMIT_CHANNEL_TOKENS = (
    "This channel's questions have used {used} model tokens today (the limit is {allowed}); you can ask again at"
    " {when}."
)
LIMIT_WHEN_HOUR = "<!date^{ts}^{{time}}|{fallback}>"
LIMIT_WHEN_DAY = "<!date^{ts}^{{date_short_pretty}} at {{time}}|{fallback}>"
LIMIT_USAGE = (
    "Usage: `/analyze limit <questions per hour> [<tokens per day>]` with whole numbers (0 = unlimited),"
    " or `/analyze limit reset` for the defaults."
)
LIMIT_NOT_ADMIN = "Only a workspace admin can change this channel's limits."
LIMIT_SET = "This channel's limits are now {questions} questions per hour and {tokens} model tokens per day."
LIMIT_SHOW = (
    "This channel's limits are {questions} questions per hour and {tokens} model tokens per day; so far it has"
    " asked {q_used} this hour and spent {t_used} tokens today."
)
LIMIT_QUESTIONS = "{n} question{s}"
LIMIT_NONE = "unlimited"
