"""Documents asked for as jobs: ask, follow to the job page, download the file."""

from __future__ import annotations

import re
from typing import Any

JOB_PAGE = re.compile(r"/jobs/(\d+)$")


def job_id_of(response: Any) -> int:
    """The id of the job a request for a document was sent to (303 to its page)."""
    assert response.status_code == 303, response.status_code
    found = JOB_PAGE.search(response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def document(client: Any, url: str, **kw: Any) -> Any:
    """Ask for a document (POST) and download it from its job page once ready (jobs run before the tests' request
    answers): the download's response, or the failed job page's."""
    job_id = job_id_of(client.post(url, **kw))
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    if f"/jobs/{job_id}/file" not in page.get_data(as_text=True):
        return page
    response = client.get(f"/jobs/{job_id}/file")
    response.get_data()  # read the stored file, then close it
    response.close()
    return response
