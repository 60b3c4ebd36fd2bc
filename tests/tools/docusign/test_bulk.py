"""The bulk job poller: a job that never finishes is reported as DocuSign's error, worded for a person."""

from __future__ import annotations

import pytest

from tools.docusign import bulk, errors


def test_a_job_still_running_at_the_timeout_is_a_docusign_error_naming_the_job():
    polls: list[bulk.JobStatus] = []
    slept: list[float] = []

    def poll() -> bulk.JobStatus:
        status = bulk.JobStatus("job-7", "processing", total=10, processed=len(polls), raw={})
        polls.append(status)
        return status

    with pytest.raises(errors.DocuSignError) as caught:
        bulk.wait(poll, interval=1.0, timeout=2.0, sleep=slept.append, progress=None)

    assert caught.value.status is None  # no HTTP answer was wrong: the wait ran out
    assert caught.value.error_code == "timeout"
    assert "job job-7 still processing after 2s" in str(caught.value)
    assert slept == [1.0, 1.0] and len(polls) == 3


def test_a_finished_job_is_returned_with_every_answer_shown():
    answers = iter([bulk.JobStatus("j", "processing", 2, 1, {}), bulk.JobStatus("j", "completed", 2, 2, {})])
    seen: list[str] = []

    done = bulk.wait(lambda: next(answers), sleep=lambda _s: None, progress=lambda s: seen.append(s.status))

    assert done.status == "completed" and done.processed == 2
    assert seen == ["processing", "completed"]
