# Runs inside every local sandbox kernel at start-up (IPKernelApp.exec_files); never on the host.
# It gives the kernel the two behaviours E2B's kernel has and plain ipykernel lacks: every figure
# comes back as a PNG without any path convention, and output is capped at the source so a cell
# printing gigabytes cannot flood the host.
# mypy: ignore-errors
import base64 as _b64
import contextlib
import io as _io
import os as _os


def _dataagent_cap_output(cap: int) -> object:
    from ipykernel.iostream import OutStream

    state = {"written": 0, "marked": False}
    original_write = OutStream.write

    def capped_write(self, string):
        if not isinstance(string, str):
            return original_write(self, string)
        room = cap - state["written"]
        if room <= 0:
            if not state["marked"]:
                state["marked"] = True
                original_write(self, f"\n[output truncated: more than {cap} bytes]\n")
            return len(string)
        state["written"] += len(string)
        original_write(self, string[:room])
        if len(string) > room and not state["marked"]:
            state["marked"] = True
            original_write(self, f"\n[output truncated: more than {cap} bytes]\n")
        return len(string)

    OutStream.write = capped_write

    def reset_cap(*_args) -> None:
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


def _dataagent_zmq_gc() -> None:
    # pyzmq starts a garbage-collector thread (with a ZeroMQ context of its own, three threads in all) the
    # first time a large message is sent without copying; the host counts the kernel's threads after every
    # cell against the count at start, so they must exist before the kernel answers.
    from zmq.utils.garbage import gc

    gc.start()


# The helpers come in as defaults so that all their names can be deleted from the kernel's namespace.
def _dataagent_boot(cap_output=_dataagent_cap_output, figures=_dataagent_figures, zmq_gc=_dataagent_zmq_gc) -> None:
    from IPython import get_ipython

    zmq_gc()
    reset_cap = cap_output(int(_os.environ.get("DATAAGENT_OUTPUT_CAP", "1048576")))
    flush_figures = figures()
    ip = get_ipython()
    ip.events.register("pre_run_cell", reset_cap)
    ip.events.register("post_run_cell", flush_figures)
    ip.colors = "NoColor"
    with contextlib.suppress(Exception):
        ip.run_line_magic("colors", "nocolor")

    import pandas as pd

    pd.set_option("display.max_rows", 60)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)


_dataagent_boot()
del _dataagent_boot, _dataagent_cap_output, _dataagent_figures, _dataagent_zmq_gc
