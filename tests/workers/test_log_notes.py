"""warnings_logged keeps only this thread's WARNING records of one logger; summary makes one sentence."""

from __future__ import annotations

import logging
import threading

from autovoice_desktop.workers.log_notes import MAX_NOTES, summary, warnings_logged

NAME = "autovoice_desktop.tests.log_notes"


def test_only_this_threads_warnings_of_that_logger_are_kept() -> None:
    log = logging.getLogger(NAME)
    with warnings_logged(NAME) as got:
        log.warning("a %s", "link")
        log.info("not a warning")
        logging.getLogger("autovoice_desktop.tests.other").warning("another logger")
        other = threading.Thread(target=lambda: log.warning("another thread"))
        other.start()
        other.join()
        for index in range(MAX_NOTES + 5):
            log.warning("many %d", index)
    assert got.messages[0] == "a link" and len(got.messages) == MAX_NOTES
    assert got.total == MAX_NOTES + 6
    assert all("thread" not in m and "another" not in m for m in got.messages)
    log.warning("after the block")
    assert got.total == MAX_NOTES + 6  # the handler is gone


def test_summary_names_the_first_ones_and_counts_the_rest() -> None:
    assert summary([], 0) == ""
    assert summary(["a", "b"], 2) == "a; b"
    assert summary(["a", "b", "c", "d"], 30) == "a; b; c; and 27 more (see the log)"
