# Runs inside every sandbox kernel at start-up, never on the host: locally as IPKernelApp.exec_files,
# on E2B as the first cell (which sets `_dataagent_e2b_cap` first: E2B's kernel draws figures itself).
# Output is capped at the source, so a cell printing gigabytes sends the host one small message
# rather than a huge one; and, locally, every figure comes back as a PNG without any path convention.
# mypy: ignore-errors
import base64 as _b64
import contextlib
import io as _io
import os as _os


def _dataagent_cap_output(cap: int) -> object:
    import sys

    from ipykernel.iostream import OutStream

    state = {"written": 0, "marked": False}
    marker = f"\n[output truncated: more than {cap} bytes]\n"

    def allowed(text):
        room = cap - state["written"]
        state["written"] += len(text)
        if len(text) <= room:
            return text
        if state["marked"]:
            return ""
        state["marked"] = True
        return text[: max(room, 0)] + marker

    # Capped where the IO thread takes the buffered text to send it, not in `write`: IPython's
    # per-cell output tee puts back a `write` it saved before a patch, which would undo one there.
    flush_buffers = OutStream._flush_buffers

    def capped_flush_buffers(self):
        for parent, data in flush_buffers(self):
            yield parent, allowed(data)

    OutStream._flush_buffers = capped_flush_buffers

    def reset_cap(*_args) -> None:
        # What the previous cell left in the buffers counts against its own budget.
        sys.stdout.flush()
        sys.stderr.flush()
        state["written"] = 0
        state["marked"] = False

    return reset_cap


def _dataagent_figures() -> object:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.display import publish_display_data

    def is_blank(fig) -> bool:
        return not any(ax.has_data() or ax.texts or ax.get_title() for ax in fig.axes) and not fig.texts

    def flush_figures(*_args) -> None:
        for num in plt.get_fignums():
            fig = plt.figure(num)
            if is_blank(fig):
                continue
            buf = _io.BytesIO()
            try:
                fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
            except Exception as exc:  # a broken figure must not hide the cell's real result
                print(f"[figure {num} could not be drawn: {exc}]")
                continue
            publish_display_data({"image/png": _b64.b64encode(buf.getvalue()).decode(), "text/plain": repr(fig)})
        plt.close("all")

    def show(*_args, **_kwargs) -> None:
        flush_figures()

    plt.show = show
    return flush_figures


def _dataagent_warm_threads() -> None:
    # Libraries start their worker threads lazily: pyzmq a garbage collector (with a ZeroMQ context of its
    # own, three threads in all) the first time a large message is sent without copying, Arrow its CPU and
    # I/O pools at the first Parquet read. The host counts the kernel's threads after every cell against
    # the count at start, so they must exist before the kernel answers.
    from zmq.utils.garbage import gc

    gc.start()
    with contextlib.suppress(ImportError):
        import pandas as pd

        buf = _io.BytesIO()
        pd.DataFrame({"warm": ["up"]}).to_parquet(buf)
        pd.read_parquet(_io.BytesIO(buf.getvalue()))
    with contextlib.suppress(Exception):
        import duckdb

        # A DuckDB database runs a worker pool and eight I/O threads of its own, which the host would
        # take for threads a cell left running. `duckdb.sql` gets a database with neither: no thread
        # at all, now or when a cell first uses it (threads started here made forked children hang).
        duckdb.set_default_connection(duckdb.connect(config={"threads": 1, "async_threads": 0}))


# The helpers come in as defaults so that all their names can be deleted from the kernel's namespace.
def _dataagent_boot(
    cap_output=_dataagent_cap_output, figures=_dataagent_figures, warm_threads=_dataagent_warm_threads, e2b_cap=None
) -> None:
    from IPython import get_ipython

    ip = get_ipython()
    reset_cap = cap_output(e2b_cap or int(_os.environ.get("DATAAGENT_OUTPUT_CAP", "1048576")))
    ip.events.register("pre_run_cell", reset_cap)
    if e2b_cap is None:
        warm_threads()
        ip.events.register("post_run_cell", figures())
    ip.colors = "NoColor"
    with contextlib.suppress(Exception):
        ip.run_line_magic("colors", "nocolor")

    import pandas as pd

    pd.set_option("display.max_rows", 60)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)


_dataagent_boot(e2b_cap=globals().pop("_dataagent_e2b_cap", None))
del _dataagent_boot, _dataagent_cap_output, _dataagent_figures, _dataagent_warm_threads
