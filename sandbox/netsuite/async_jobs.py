"""Asynchronous requests: `Prefer: respond-async` → 202 and a job to poll (reference §1.6).

The work is done at once (the emulator has no backlog), but the job reports `pending` until the
configured `async_job_seconds` have passed on the account clock, so clients must really poll.
`X-NetSuite-Idempotency-Key` is honoured: a reused key is 400 "Conflict" IDEMPOTENCY_ERROR with the
Location of the earlier job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from .clock import SandboxClock
from .errors import NetSuiteApiError, record_not_found
from .http_common import COLLECTION, ERROR, SINGULAR, json_response, rest_base
from .rendering import dumps, iso_utc

JOB_PATH = "/services/rest/async/v1/job"


@dataclass(frozen=True)
class CompletedReply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class AsyncJob:
    id: int
    started: datetime
    finished: datetime
    reply: CompletedReply


@dataclass
class AsyncJobs:
    jobs: dict[int, AsyncJob] = field(default_factory=dict)
    by_idempotency_key: dict[str, int] = field(default_factory=dict)

    def earlier_job(self, key: str | None) -> int | None:
        return self.by_idempotency_key.get(key) if key else None

    def add(self, started: datetime, seconds: float, reply: CompletedReply, key: str | None) -> AsyncJob:
        job = AsyncJob(len(self.jobs) + 1, started, started + timedelta(seconds=seconds), reply)
        self.jobs[job.id] = job
        if key:
            self.by_idempotency_key[key] = job.id
        return job


JOBS = web.AppKey("netsuite_async_jobs", AsyncJobs)
JOB_CLOCK = web.AppKey("netsuite_async_job_clock", SandboxClock)


def wants_async(request: web.Request) -> bool:
    return "respond-async" in request.headers.get("Prefer", "").lower()


def job_url(request: web.Request, job_id: int) -> str:
    return f"{rest_base(request)}/async/v1/job/{job_id}"


def accepted(request: web.Request, job_id: int) -> web.Response:
    return web.Response(
        status=202, headers={"Location": job_url(request, job_id), "Preference-Applied": "respond-async"}
    )


def idempotency_conflict(request: web.Request, job_id: int) -> web.Response:
    error = NetSuiteApiError(
        400,
        "IDEMPOTENCY_ERROR",
        "A request with this idempotency key has already been processed.",
        title="Conflict",
    )
    return web.Response(
        text=dumps(error.body()),
        status=400,
        headers={"Content-Type": ERROR, "Location": job_url(request, job_id)},
    )


async def capture(response: web.StreamResponse) -> CompletedReply:
    body = response.body if isinstance(response, web.Response) and isinstance(response.body, bytes) else b""
    headers = {k: v for k, v in response.headers.items() if k in {"Location", "Content-Type"}}
    return CompletedReply(response.status, headers, body)


def _job(request: web.Request) -> AsyncJob:
    jobs = request.app[JOBS].jobs
    job = jobs.get(int(request.match_info["job"])) if request.match_info["job"].isdigit() else None
    if job is None:
        raise record_not_found()
    return job


def _done(request: web.Request, job: AsyncJob) -> bool:
    return request.app[JOB_CLOCK].now() >= job.finished


def _progress(request: web.Request, job: AsyncJob) -> dict[str, Any]:
    done = _done(request, job)
    failed = job.reply.status >= 400
    return {"completed": done, "progress": ("failed" if failed else "succeeded") if done else "pending"}


async def job_status(request: web.Request) -> web.Response:
    job = _job(request)
    url = job_url(request, job.id)
    return json_response(
        {
            "links": [{"rel": "self", "href": url}],
            "id": str(job.id),
            **_progress(request, job),
            "task": {"links": [{"rel": "self", "href": f"{url}/task"}]},
        },
        SINGULAR,
    )


async def job_tasks(request: web.Request) -> web.Response:
    job = _job(request)
    url = f"{job_url(request, job.id)}/task"
    return json_response(
        {
            "links": [{"rel": "self", "href": url}],
            "count": 1,
            "hasMore": False,
            "offset": 0,
            "totalResults": 1,
            "items": [{"links": [{"rel": "self", "href": f"{url}/1"}], "id": "1"}],
        },
        COLLECTION,
    )


async def task_status(request: web.Request) -> web.Response:
    job = _job(request)
    if request.match_info["task"] != "1":
        raise record_not_found()
    url = f"{job_url(request, job.id)}/task/1"
    body: dict[str, Any] = {
        "links": [{"rel": "self", "href": url}],
        "id": "1",
        **_progress(request, job),
        "startTime": iso_utc(job.started),
    }
    if _done(request, job):
        body["endTime"] = iso_utc(job.finished)
        body["links"].insert(0, {"rel": "related", "href": f"{url}/result"})
    return json_response(body, SINGULAR)


async def task_result(request: web.Request) -> web.Response:
    """The reply the synchronous call would have given (status, Location, body)."""
    job = _job(request)
    if request.match_info["task"] != "1" or not _done(request, job):
        raise record_not_found()
    return web.Response(status=job.reply.status, body=job.reply.body or None, headers=job.reply.headers)


def add_routes(app: web.Application, jobs: AsyncJobs, clock: SandboxClock) -> None:
    app[JOBS] = jobs
    app[JOB_CLOCK] = clock
    app.router.add_get(f"{JOB_PATH}/{{job}}", job_status)
    app.router.add_get(f"{JOB_PATH}/{{job}}/task", job_tasks)
    app.router.add_get(f"{JOB_PATH}/{{job}}/task/{{task}}", task_status)
    app.router.add_get(f"{JOB_PATH}/{{job}}/task/{{task}}/result", task_result)
