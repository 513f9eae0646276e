"""Regex fragments the question-screen rules share: how an instruction starts, what names a secret, a
host, other people's data, a library. Kept apart so that `agent.guard.patterns` reads as the rules alone.
"""

from __future__ import annotations

# The start of an instruction: sentence start, a comma or dash, or a polite/chaining preamble.
# Most rules need it, so that "which customers call the API most?" (a data question) passes while
# "call the weather API and join it" does not. The trailing fillers are bounded: with `*`, every filler of
# a long "pls pls pls …" run started a match that ate the rest of the run, which made the search quadratic.
LEAD = (
    r"(?:^|[.;:!?,()\[\]\n>-]\s*|\b(?:hey|hi|hello|yo)\s+(?:\w+\s+)?|\b(?:please|pls|plz|kindly|"
    r"can you|could you|would you|will you|can u|could u|i want you to|i need you to|i'd like you to|"
    r"you should|you must|you need to|you have to|go ahead and|and then|and|then|also|now|first|next|"
    r"just|try to|try and|let's|lets|help me|how (?:do|can|could|would|should) (?:i|we|you)|how to|"
    r"is it possible to|are you able to|i want to|i need to|we need to|is there a way to|"
    r"show me how to)\s+)(?:(?:please|pls|kindly|just|also|quickly|then|now|first|go)\s+){0,6}"
)
# What follows a noun when it names data rather than a thing to hand over ("API key column").
DATA_AFTER = (
    r"(?!\s*(?:column|field|usage|used|use|counts?|resets?|rotat\w*|requests?|calls?|types?|length|strength|"
    r"polic\w*|expir\w*|changes?|changed|limits?|errors?|ids?|spend|costs?|per\b|by\b|distribution|"
    r"breakdown|trend|with(?!\s+(?:me|us)\b)|that|which|where|whose|having|created|issued|revoked|generated|hashes|"
    r"in the (?:data|dataset|csv|file|table|sheet|\w+ column)|data\b|table|names?|status|tickets?|"
    r"incidents?|events?|failures?|attempts?|management|manager|complexity|age))"
)
SECRET = (
    r"(?:api[ _-]?keys?|access[ _-]?keys?|(?:groq|slack|e2b|openai|aws|redis|ssh|gpg|pgp|encryption|signing|"
    r"master|license|admin|root)[ _-]?keys?|secret[ _-]?keys?|private[ _-]?keys?|ssh[ _-]?keys?|"
    r"signing[ _-]?secrets?|client[ _-]?secrets?|(?:auth|access|bearer|bot|app|slack|oauth|session|refresh|"
    r"github|groq|e2b|openai)[ _-]?tokens?|tokens?|credentials?|creds|passwords?|passwd|passphrases?|"
    r"secrets?|cookies|connection strings?|database urls?|redis urls?)"
)
# A secret named as the thing to hand over: it ends the clause or is "for"/"of"/"you use".
SECRET_END = (
    r"(?=\s*(?:$|[.,;:!?)]|for\b|of\b|to\b|you\b|that you|which you|so\b|and\b|then\b|"
    r"in (?:your|the) (?:env|environment|config|settings|\.env|sandbox|server)))"
)
SECRET_OWNER = (
    r"(?:your|ur|its|the bot'?s?|this bot'?s?|the app'?s?|the server'?s?|the system'?s?|the sandbox'?s?|"
    r"the admin'?s?|dataagent'?s?|the (?:slack|groq|e2b|openai|aws|bot|app|admin|root|redis|database|db|"
    r"server|host|sandbox|environment)|slack|groq|e2b|openai|aws|azure|gcp|redis|admin|root)"
)
HOST_PLACE = (
    r"(?:server|machine|host|system|computer|box|container|sandbox|vm|disk|file ?system|root|"
    r"home(?: directory| folder| dir)?|working directory|current directory|cwd|os|kernel)"
    r"(?!\s*(?:column|field|table|data|names?|types?|logs?))"
)
PEOPLE = r"(?:users?|people|persons?|members?|channels?|workspaces?|threads?|conversations?|chats?)"
THEIR_DATA = (
    r"(?:data|files?|datasets?|uploads?|uploaded files|csvs?|spreadsheets|questions|messages|"
    r"conversations|threads|chats?|dms?|direct messages|private messages|history|analyses|queries)"
)
LIBS = (
    r"(?:prophet|tensorflow|torch|pytorch|xgboost|lightgbm|catboost|sklearn|scikit-learn|statsmodels|"
    r"seaborn|plotly|polars|pyspark|openpyxl|requests|beautifulsoup4?|bs4|selenium|scrapy|keras|"
    r"transformers|nltk|spacy|geopandas|folium|pandas|numpy|matplotlib|scipy|duckdb|pyarrow|"
    r"psycopg2|sqlalchemy|jupyter|opencv|cv2|pmdarima|yfinance)"
)
