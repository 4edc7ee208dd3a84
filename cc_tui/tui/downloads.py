"""Where a file fetched from the portal ends up: one place for the audit PDF, the library's
documents and supporting documents.

The portal client streams a download into a folder and checks it there (client/transfer.py:
the SHA-256 the portal gives, the kind of file). `Destination` chooses that folder and hands
the file to the user:

- In a terminal the folder is the downloads folder (`config.downloads_dir()`, made when
  missing) and the file stays there; the notice gives its full path.
- In a browser (`cc-tui web`: Textual's web driver, `App.is_web`) the file is fetched into
  a private temporary folder of this process (mode 0700), then given to the browser with
  `App.deliver_binary`: textual-serve offers it at a single-use address and the browser
  saves it in its own downloads folder. The temporary file is unlinked as soon as it is
  open for delivery (the open handle keeps its bytes until the last chunk is sent), so a
  user's files do not pile up on the serving machine. A delivery that fails is said in a
  notice (`PortalApp` handles Textual's `DeliveryFailed`, see `DELIVERY_PREFIX`).
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any, Final

from textual.app import App

from cc_tui.domain.i18n import _

# Deliveries are named `cc-tui:<file name>`, so the app tells its own from Textual's
# (a screenshot is one) when one fails.
DELIVERY_PREFIX: Final = "cc-tui:"

_browser_folder: Path | None = None


def _temporary_folder() -> Path:
    """This process's private folder for files on their way to the browser."""
    global _browser_folder
    if _browser_folder is None or not _browser_folder.is_dir():
        _browser_folder = Path(tempfile.mkdtemp(prefix="cc-tui-web-"))
        atexit.register(shutil.rmtree, _browser_folder, ignore_errors=True)
    return _browser_folder


class Destination:
    """Where one download goes: `folder` to fetch into, then `hand_over(path)`."""

    def __init__(self, app: App[Any]) -> None:
        from cc_tui.tui.config import downloads_dir

        self._app = app
        self.in_browser = app.is_web
        self.folder = _temporary_folder() if self.in_browser else downloads_dir()

    def hand_over(self, path: Path) -> str:
        """Give the fetched file to the user; the words for where it went ("to ...").

        In a terminal that is its path. In a browser the file starts on its way to the
        browser's downloads (Textual posts DeliveryComplete or DeliveryFailed later)."""
        if not self.in_browser:
            return str(path)
        file = path.open("rb")
        with contextlib.suppress(OSError):
            path.unlink()
        self._app.deliver_binary(
            file, save_filename=path.name, name=f"{DELIVERY_PREFIX}{path.name}"
        )
        return _("your browser's downloads ({name})").format(name=path.name)

    def cannot_save(self, what: str, error: OSError) -> str:
        """The sentence for a file that could not be written, with what to do."""
        reason = error.strerror or str(error)
        if self.in_browser:
            return _(
                "Could not send {what} to your browser: the serving machine could not hold "
                "it ({reason}). Tell whoever runs `cc-tui web`."
            ).format(what=what, reason=reason)
        return _(
            "Could not save {what} in {folder} ({reason}). Check that the folder is "
            "writable, or set CC_TUI_DOWNLOADS_DIR to another one."
        ).format(what=what, folder=self.folder, reason=reason)
