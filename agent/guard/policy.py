"""What the code policy refuses, and why: the tables `agent.guard.code` walks the AST with.

Each refused thing maps to a key of `WHY`, whose text ends every violation ("… (network access is
not allowed)").
"""

from __future__ import annotations

from agent.guard.paths import WHY_NETWORK

WHY = {
    "proc": "spawning processes is not allowed",
    "shell": "running shell commands is not allowed",
    "net": WHY_NETWORK,
    "native": "loading native code is not allowed",
    "dynamic": "importing modules dynamically is not allowed",
    "install": "installing packages is not allowed",
    "env": "reading environment variables is not allowed",
    "eval": "running code built from strings is not allowed",
    "internals": "reaching into Python internals is not allowed",
    "host": "inspecting the host's users and processes is not allowed",
    "signals": "changing signal handling is not allowed",
    "kill": "stopping processes is not allowed",
    "privileges": "changing privileges is not allowed",
    "delete": "deleting directory trees is not allowed",
    "ipython": "running shell commands and magics is not allowed",
    "nesting": "code nested this deeply is not allowed",
    "unlisted": "importing anything but the analysis libraries and pure standard-library helpers is not allowed",
    "pickle": "loading pickled objects, which can run any code, is not allowed",
    "background": "running work in the background, where it could change later answers, is not allowed",
    "patch": "changing imported libraries, which would falsify later answers, is not allowed",
    "rebind": "replacing print or display, which would falsify later outputs, is not allowed",
    "hook": "installing display hooks or formatters, which would falsify later outputs, is not allowed",
    # DuckDB (see the block at the end and agent/guard/duckdb_sql.py).
    "duckdb": "DuckDB may only query the data; extensions, other databases, settings and file writes are not allowed",
}

# The only importable top-level packages: analysis libraries (allowed even where the sandbox lacks
# them; it reports the ImportError) and standard-library helpers that compute without reaching the
# outside. `os`, `sys`, `shutil`, `pathlib` and `glob` stay because analysis code reads its files
# with them; their dangerous attributes are refused by MODULE_ATTRS and the path rules. Everything
# else is refused, so a new escape hatch (pickle, timeit, pydoc, asyncio …) need not be listed.
ALLOWED_MODULES = frozenset(
    {
        *("pandas", "numpy", "matplotlib", "mpl_toolkits", "seaborn", "scipy", "statsmodels", "sklearn", "patsy"),
        *("pyarrow", "openpyxl", "dateutil", "pytz", "tabulate"),
        *("math", "cmath", "statistics", "numbers", "decimal", "fractions", "random"),
        *("datetime", "time", "calendar", "zoneinfo"),
        *("re", "string", "textwrap", "unicodedata", "difflib", "json", "csv", "html", "base64", "hashlib", "uuid"),
        *("collections", "itertools", "functools", "operator", "heapq", "bisect", "copy", "pprint"),
        *("typing", "dataclasses", "enum", "abc", "contextlib", "warnings", "io"),
        *("os", "sys", "shutil", "pathlib", "glob", "fnmatch", "gzip", "bz2", "lzma", "zipfile", "tarfile"),
        # Refused in MODULES except their pure-parsing corners (ALLOWED_SUBMODULES).
        *("urllib", "http"),
    }
)

# Modules refused at import, by top-level package.
MODULES: dict[str, str] = {
    **dict.fromkeys(
        (
            "subprocess",
            "pty",
            "pexpect",
            "sh",
            "plumbum",
            "multiprocessing",
            "_multiprocessing",
            "_posixsubprocess",
            "posix",
            "nt",
        ),
        "proc",
    ),
    **dict.fromkeys(
        (
            "socket",
            "_socket",
            "ssl",
            "_ssl",
            "http",
            "urllib",
            "urllib2",
            "urllib3",
            "requests",
            "httpx",
            "aiohttp",
            "ftplib",
            "smtplib",
            "smtpd",
            "telnetlib",
            "poplib",
            "imaplib",
            "nntplib",
            "socketserver",
            "xmlrpc",
            "websocket",
            "websockets",
            "paramiko",
            "asyncssh",
            "fabric",
            "grpc",
            "dns",
            "scapy",
            "webbrowser",
            "pycurl",
            "boto3",
            "botocore",
            "openai",
            "groq",
            "e2b",
            "e2b_code_interpreter",
            "slack_sdk",
            "slack_bolt",
            "redis",
            "pymongo",
            "psycopg2",
            "psycopg",
            "pymysql",
            "mysql",
            "tornado",
            "zmq",
            "twisted",
            "mechanize",
            "selenium",
            "playwright",
            "yfinance",
            "pandas_datareader",
            "wget",
            "gdown",
            "kaggle",
            "ipykernel",
            "jupyter_client",
        ),
        "net",
    ),
    **dict.fromkeys(("ctypes", "_ctypes", "cffi"), "native"),
    **dict.fromkeys(("importlib", "imp", "pkgutil", "runpy", "zipimport"), "dynamic"),
    # They run a string, or a prompt, as code.
    **dict.fromkeys(("code", "codeop", "timeit", "cProfile", "profile", "pdb", "trace", "doctest"), "eval"),
    "IPython": "ipython",
    **dict.fromkeys(("pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"), "pickle"),
    **dict.fromkeys(("threading", "_thread", "concurrent", "asyncio", "sched"), "background"),
    "pydoc": "shell",
    **dict.fromkeys(("builtins", "__builtin__", "gc"), "internals"),
    **dict.fromkeys(("pip", "ensurepip", "conda", "setuptools", "distutils"), "install"),
    **dict.fromkeys(("psutil", "pwd", "grp", "spwd", "getpass"), "host"),
    "signal": "signals",
}
# What an import of a background-work module would be for, so the violation names it.
BACKGROUND_USES = {
    "threading": "start a background thread",
    "_thread": "start a background thread",
    "multiprocessing": "start worker processes",
    "concurrent": "start a pool of background workers",
    "asyncio": "schedule work on an event loop",
    "sched": "schedule work for later",
    "signal": "install a signal handler",
}
# Pure-parsing corners of otherwise refused packages.
ALLOWED_SUBMODULES = frozenset({"urllib.parse", "http.HTTPStatus", "http.client.responses", "IPython.display"})

# Module attributes refused however they are reached (`os.system`, `from os import system`, `getattr`).
MODULE_ATTRS: dict[str, str] = {
    **dict.fromkeys(("os.system", "os.popen"), "shell"),
    **dict.fromkeys(
        (
            "os.fork",
            "os.forkpty",
            "os.posix_spawn",
            "os.posix_spawnp",
            "concurrent.futures.ProcessPoolExecutor",
            "asyncio.create_subprocess_exec",
            "asyncio.create_subprocess_shell",
        ),
        "proc",
    ),
    **dict.fromkeys(("os.kill", "os.killpg", "os.abort", "os._exit"), "kill"),
    **dict.fromkeys(("os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv", "os.unsetenv"), "env"),
    **dict.fromkeys(
        (
            "os.setuid",
            "os.setgid",
            "os.seteuid",
            "os.setegid",
            "os.setreuid",
            "os.setregid",
            "os.setresuid",
            "os.setresgid",
            "os.setgroups",
            "os.chroot",
        ),
        "privileges",
    ),
    **dict.fromkeys(
        ("sys.modules", "sys.meta_path", "sys.path_hooks", "sys.settrace", "sys.setprofile", "sys.addaudithook"),
        "internals",
    ),
    **dict.fromkeys(
        (
            "asyncio.open_connection",
            "asyncio.start_server",
            "asyncio.open_unix_connection",
            "asyncio.start_unix_server",
            "pandas.read_gbq",
            "seaborn.load_dataset",
        ),
        "net",
    ),
    "shutil.rmtree": "delete",
    # A module handed to `attrgetter('system')` is `getattr` with a computed name.
    **dict.fromkeys(("operator.attrgetter", "operator.methodcaller"), "internals"),
    "pandas.read_pickle": "pickle",
    "numpy.ctypeslib": "native",
}
PREFIXES = (
    ("os.exec", "proc"),
    ("os.spawn", "proc"),
    ("sys._", "internals"),
    ("builtins.", "internals"),
    ("sklearn.datasets.fetch_", "net"),
)
# Attributes that lead from any object to builtins, globals or code objects.
DUNDERS = frozenset(
    {
        "__subclasses__",
        "__globals__",
        "__builtins__",
        "__code__",
        "__closure__",
        "__bases__",
        "__base__",
        "__mro__",
        "__dict__",
        "__getattribute__",
        "__reduce__",
        "__reduce_ex__",
        "__import__",
        "__loader__",
        "__spec__",
        "__self__",
        "__func__",
        "__defaults__",
        "__kwdefaults__",
        "__objclass__",
        "__setattr__",
        "__delattr__",
        "__wrapped__",
        "__getstate__",
        "__setstate__",
    }
)
FRAME_ATTRS = frozenset(
    {
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "f_code",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "tb_frame",
        "co_code",
        "func_globals",
        "func_code",
    }
)
# Builtins refused unless the code rebinds the name (`from re import compile`).
BUILTINS = {
    "__import__": "dynamic",
    "eval": "eval",
    "exec": "eval",
    "compile": "eval",
    "globals": "internals",
    "vars": "internals",
    "__builtins__": "internals",
    "__loader__": "internals",
    "__spec__": "internals",
    "breakpoint": "internals",
    # At module level `locals()` is the namespace itself: `locals()['print'] = …` rebinds print.
    "locals": "internals",
    # help() runs pydoc, which imports every module for `help('modules')` and pipes text to a pager.
    "help": "shell",
    **dict.fromkeys(("exit", "quit"), "kill"),
}
# Methods answers are computed with: assigning to one on a dataset object (`df.sum = lambda …`) is not
# an imported class, yet it falsifies every later answer about that object.
DATA_METHODS = frozenset(
    {
        *("sum", "mean", "median", "mode", "min", "max", "count", "std", "var", "sem", "quantile", "describe"),
        *("head", "tail", "info", "to_string", "to_markdown", "to_csv", "to_json", "to_dict", "to_list", "tolist"),
        *("value_counts", "groupby", "agg", "aggregate", "apply", "transform", "nunique", "unique", "size"),
        *("sort_values", "sort_index", "nlargest", "nsmallest", "idxmax", "idxmin", "corr", "cov", "cumsum"),
        *("round", "plot", "query", "eval", "merge", "join", "pivot_table", "resample", "rolling", "filter"),
        *("isna", "notna", "dropna", "fillna", "astype", "abs", "pct_change", "diff", "prod", "any", "all"),
    }
)
# Objects on which `getattr` with a computed name is refused.
SENSITIVE_TARGETS = frozenset(
    {
        "os",
        "sys",
        "builtins",
        "posix",
        "shutil",
        "subprocess",
        "socket",
        "importlib",
        "io",
        "__builtins__",
        "pathlib",
        "IPython",
    }
)
# Not display_formatter: a formatter registered there (`for_type(float, …)`) rewrites every later output.
IPYTHON_OK = frozenset({"run_line_magic", "user_ns"})
# Names of IPython's shell, refused wherever they appear (`InteractiveShell.instance().system(...)`).
IPYTHON_SHELLS = frozenset({"InteractiveShell", "ZMQInteractiveShell", "TerminalInteractiveShell", "IPKernelApp"})
# Settings meant to be assigned (`pd.options.display.max_rows = 100`), unlike the rest of a library.
SETTABLE = ("pandas.options.",)
# Names every later cell's output goes through: rebinding them persists in the kernel.
OUTPUT_NAMES = frozenset({"print", "display", "repr"})
# Kernel state persists between cells, so these names mean what they usually mean even unimported.
CONVENTIONAL = {
    **{"pd": "pandas", "np": "numpy", "plt": "matplotlib.pyplot", "sns": "seaborn", "Path": "pathlib.Path"},
    **{"os": "os", "sys": "sys", "smf": "statsmodels.formula.api", "sm": "statsmodels.api"},
}
# Refused modules that libraries import and so expose as attributes (`matplotlib.subprocess`), minus
# names that are also real submodules of the analysis libraries (`scipy.signal`).
TRAVERSED = frozenset(MODULES) - {"signal", "code", "profile", "trace", "sh", "dns", "fabric", "http", "urllib"}


# --- DuckDB: allowed for big tables; its SQL is judged by agent/guard/duckdb_sql.py ---------------
# Kept apart from the tables above so the guard's own changes and these do not collide.
ALLOWED_MODULES = ALLOWED_MODULES | {"duckdb"}
