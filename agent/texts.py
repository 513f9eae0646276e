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

BLOB_UNWRITABLE = (
    "I couldn't store this file because the bot's file storage is full or unreachable; please upload it again "
    "once an administrator has fixed it."
)
DISK_FULL = (
    "The bot's disk is full, so I can't load the data for analysis right now. An administrator needs to free "
    "space in its data directory; then ask again."
)

# The model provider (shown in Slack as they are, or printed by `dataagent doctor`).
LLM_RATE_LIMITED = "The AI model is rate-limited right now (too many requests), please try again in a minute."
LLM_DOWN = "The AI model is not responding right now, please try again in a minute."
LLM_EMPTY_REPLY = "The AI model sent back an empty reply, please ask again."
LLM_TOO_LARGE = "The request was too large for the AI model; try a shorter question or a smaller file."
LLM_REJECTED = "The AI model rejected the request ({detail})."
GROQ_NO_KEY = "GROQ_API_KEY is empty; set it to a key from console.groq.com/keys."
GROQ_NO_MODEL = "LLM_MODEL is empty; set it to a Groq model id such as openai/gpt-oss-120b."
GROQ_BAD_KEY = "Groq rejected GROQ_API_KEY (401 invalid API key); set a valid key from console.groq.com/keys."
GROQ_FORBIDDEN = "Groq refused access with this GROQ_API_KEY (403 {code})."
GROQ_NOT_FOUND = (
    "Groq answered 404 for the chat endpoint; check GROQ_BASE_URL "
    "(give the server root: the SDK appends /openai/v1/chat/completions)."
)
MODEL_DECOMMISSIONED = (
    "LLM_MODEL {model!r} has been decommissioned by Groq; set LLM_MODEL to a current model such as openai/gpt-oss-120b."
)
MODEL_NOT_FOUND = (
    "LLM_MODEL {model!r} does not exist or this GROQ_API_KEY has no access to it; "
    "set LLM_MODEL to a current model such as openai/gpt-oss-120b."
)
LLM_NO_TOOLS = "LLM_MODEL {model!r} does not take tools here; answering with code in plain replies instead."

# The OpenAI-compatible provider (LLM_PROVIDER=openai): OpenAI itself, Ollama, vLLM, llama.cpp, LM Studio, ….
OPENAI_NO_KEY = (
    "LLM_API_KEY is empty; set it to your model server's API key "
    "(a local server that needs none, such as Ollama, only needs LLM_BASE_URL)."
)
OPENAI_NO_MODEL = (
    "LLM_MODEL is empty; set it to a model id your server serves (e.g. gpt-4.1-mini on OpenAI, llama3.1 on Ollama)."
)
OPENAI_BAD_KEY = "The model server rejected LLM_API_KEY (401); set a valid key for the server at LLM_BASE_URL."
OPENAI_FORBIDDEN = (
    "The model server refused access with this LLM_API_KEY (403 {code}); check the key may use LLM_MODEL {model!r}."
)
OPENAI_MODEL_NOT_FOUND = (
    "LLM_MODEL {model!r} does not exist on the server at LLM_BASE_URL or LLM_API_KEY has no access to it; "
    "set LLM_MODEL to a model the server lists (GET /v1/models)."
)
OPENAI_NOT_FOUND = (
    "The model server answered 404 for the chat endpoint; check LLM_BASE_URL "
    "(give the URL that ends in /v1, e.g. http://localhost:11434/v1: the SDK appends /chat/completions)."
)
DOCTOR_NO_TOOLS = (
    "model {model} answered, but it refuses tools: answers will use one-shot code instead; "
    "set LLM_TOOLS=off to skip the check."
)

# Reading an upload in the ingest worker (agent.ingest.worker); {name} is the file as uploaded.
INGEST_TIMEOUT = (
    "{name} took longer than {seconds} s to read, so I stopped and stored nothing; split it into smaller files "
    "or export only the rows and columns you need, then upload again."
)
INGEST_MEMORY = (
    "{name} needs more than {mb} MB of memory to read, so I stopped and stored nothing; split it into smaller "
    "files or export only the rows and columns you need, then upload again."
)
INGEST_CRASHED = (
    "Reading {name} crashed the file reader, so nothing was stored; export it again as a plain CSV and upload that."
)

# A cell left a thread running in the local kernel: the sandbox is replaced (agent.sandbox.local).
SANDBOX_POISONED = (
    "The code left a background thread running, which is not allowed; the session was reset to its last "
    "saved state and this cell's effects are gone."
)
