"""Fixtures of the cloudapi tests: the client against Meta faked with ``responses`` (``client``,
``graph``) or against a running simulator (``sim_env``, ``make_env``), and the simulator served raw
(``sim``, ``server``, ``api``). Helpers: ``simulator_http.py`` and ``sim_env.py``; the two Graph
helpers of the ``responses`` tests are here.
"""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Iterator

import pytest
import responses

from cloudapi.client import CloudApiClient
from cloudapi.simulator import Simulator, serve

from .sim_env import SimEnv, start
from .simulator_http import Api, make_sim

GRAPH_BASE = "https://graph.example"


@pytest.fixture
def graph() -> Iterator[responses.RequestsMock]:
    """Meta at the HTTP layer; every registered call must be made."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def sim_env() -> Iterator[SimEnv]:
    """A fresh simulator per test (in-memory, a few milliseconds); other settings: ``make_env``."""
    env, running = start()
    yield env
    env.close()
    running.shutdown()
    env.sim.close()


@pytest.fixture
def make_env() -> Iterator[Any]:
    """Start a simulator with other settings (tiny limits, a fake clock…): ``make_env(pair_rate_limit=2)``."""
    started: list[tuple[SimEnv, Any]] = []

    def _make(**config: Any) -> SimEnv:
        env, running = start(**config)
        started.append((env, running))
        return env

    yield _make
    for env, running in started:
        env.close()
        running.shutdown()
        env.sim.close()


@pytest.fixture
def client(request: pytest.FixtureRequest) -> CloudApiClient:
    """The client under test: in modules marked ``against_simulator`` it talks to ``sim_env``'s simulator;
    elsewhere to https://graph.example, which ``graph`` fakes at the HTTP layer."""
    if request.node.get_closest_marker("against_simulator"):
        return request.getfixturevalue("sim_env").client()
    return CloudApiClient(access_token="secret-token", base_url=GRAPH_BASE + "/", version="v24.0")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = make_sim()
    yield simulator
    simulator.close()


@pytest.fixture
def server(sim: Simulator) -> Iterator[str]:
    running = serve(sim)
    yield running.url
    running.shutdown()


@pytest.fixture
def api(server: str) -> Api:
    return Api(server)


def multipart_fields(request) -> dict[str, tuple[str | None, str, bytes]]:
    """The parts of a multipart request: ``{name: (filename, content type, bytes)}``."""
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    return {
        part.get_param("name", header="content-disposition"): (
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    }


def graph_error(code: int, *, subcode: int | None = None, details: str = "the details") -> dict:
    """Meta's error envelope (docs/cloudapi.md §2) for ``code``."""
    error = {
        "message": f"(#{code}) something",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}
