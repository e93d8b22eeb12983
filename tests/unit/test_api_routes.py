"""The open-data API over HTTP, as a client sees it: formats, 400s that name the parameter,
ETag and 304, CORS, the rate limit, the bulk files and the OpenAPI document."""

import hashlib
import io
import json
import time
from urllib.parse import quote

import polars as pl
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from aspnet_data import directory, open_data
from aspnet_data.db import open_database
from routes import ROUTES, api

from ..conftest import use_database
from ..pages.test_hostile_params import PAYLOADS
from .test_injection import INJECTIONS

# The data layer's injection list and the pages' hostile URL values, once each.
HOSTILE = list(dict.fromkeys(INJECTIONS + PAYLOADS))
SAMPLE = INJECTIONS[:8] + INJECTIONS[-6:] + PAYLOADS[-1:]


@pytest.fixture()
def client(demo_path, monkeypatch, tmp_path):
    use_database(monkeypatch, demo_path)
    monkeypatch.setenv("ASPNET_API_RATE", "0")
    monkeypatch.setenv("ASPNET_DUMPS_DIR", str(tmp_path / "dumps"))
    return TestClient(Starlette(routes=ROUTES))


@pytest.fixture()
def scratch_client(scratch_copy, monkeypatch, tmp_path):
    use_database(monkeypatch, scratch_copy)
    monkeypatch.setenv("ASPNET_API_RATE", "0")
    monkeypatch.setenv("ASPNET_DUMPS_DIR", str(tmp_path / "dumps"))
    return TestClient(Starlette(routes=ROUTES))


def seen_by_the_api(client, version: int) -> None:
    """Wait until the server reads ``version`` (a PostgreSQL replica's copy hears of a write
    from another connection within moments)."""
    for _ in range(250):
        if client.get("/api/v1/figures").json()["data_version"] == version:
            return
        time.sleep(0.02)
    raise AssertionError(f"data version {version} not seen within 5 s")


@pytest.mark.analytic_copy
def test_the_directorys_own_link_gives_its_rows_in_every_format(client, db):
    query = "theme=esd&level=primary&region=AFR&sort=-joined&lang=fr"
    as_json = client.get(f"/api/v1/institutions?{query}&per_page=25")
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    body = as_json.json()
    sel, _, _ = directory.parse_params(
        {"theme": ["esd"], "level": ["primary"], "region": ["AFR"], "sort": ["-joined"]}, countries=["FRA"]
    )
    assert [r["id"] for r in body["institutions"]] == directory.list_institutions(db, sel, lang="fr")["id"].to_list()
    assert body["total"] == directory.facet_counts(db, sel).total and body["data_version"] == db.data_version
    assert body["licence"]["name"] == "CC BY 4.0" and body["attribution"].startswith("ASPnet Atlas")
    ids = [r["id"] for r in body["institutions"]]
    csv = client.get(f"/api/v1/institutions.csv?{query}&per_page=25")
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    assert pl.read_csv(io.BytesIO(csv.content))["id"].to_list() == ids
    parquet = client.get(f"/api/v1/institutions.parquet?{query}&per_page=25")
    assert pl.read_parquet(io.BytesIO(parquet.content))["id"].to_list() == ids
    geo = client.get(f"/api/v1/institutions.geojson?{query}&per_page=25")
    assert geo.headers["content-type"] == "application/geo+json"
    assert [f["properties"]["id"] for f in geo.json()["features"]] == ids


@pytest.mark.analytic_copy
def test_answers_come_in_byte_ranges_as_readers_of_remote_files_ask(client):
    whole = client.get("/api/v1/institutions.parquet?country=FRA")
    assert whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    head = client.get("/api/v1/institutions.parquet?country=FRA", headers={"Range": "bytes=0-99"})
    assert head.status_code == 206 and head.content == whole.content[:100]
    assert head.headers["content-range"] == f"bytes 0-99/{size}"
    tail = client.get("/api/v1/institutions.parquet?country=FRA", headers={"Range": "bytes=-8"})
    assert tail.status_code == 206 and tail.content == whole.content[-8:] and tail.content.endswith(b"PAR1")
    rest = client.get("/api/v1/institutions.parquet?country=FRA", headers={"Range": f"bytes={size - 10}-"})
    assert rest.content == whole.content[-10:]
    beyond = client.get("/api/v1/institutions.parquet?country=FRA", headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"
    stale = client.get(
        "/api/v1/institutions.parquet?country=FRA", headers={"Range": "bytes=0-9", "If-Range": '"0-old"'}
    )
    assert stale.status_code == 200 and stale.content == whole.content  # changed since: the whole answer


@pytest.mark.analytic_copy
def test_next_links_lead_through_every_page(client, db):
    url, seen = "/api/v1/institutions?country=FRA&per_page=10", []
    while url:
        page = client.get(url).json()
        seen += [r["id"] for r in page["institutions"]]
        url = page["next"]
    sel = directory.Selection().with_values("country", ["FRA"])
    assert seen == directory.export_frame(db, sel)["id"].to_list()


@pytest.mark.analytic_copy
def test_every_endpoint_answers_in_each_of_its_formats(client):
    for _, fmt, path in open_data.routes():
        url = path.replace("{id}", "3").replace("{iso3}", "FRA")
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text[:300])
        assert answer.headers["content-type"].split(";")[0] == open_data.MEDIA_TYPES[fmt].split(";")[0]
        assert answer.headers["etag"] and answer.headers["cache-control"].startswith("public")
        assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.analytic_copy
def test_bad_parameters_get_a_400_naming_each_one(client):
    answer = client.get("/api/v1/institutions?theme=sustainability&colour=red&per_page=0&from=1900")
    assert answer.status_code == 400 and answer.headers["content-type"] == "application/json"
    errors = {e["parameter"]: e for e in answer.json()["errors"]}
    assert set(errors) == {"theme", "colour", "per_page", "from"}
    assert errors["theme"]["reason"] == "unknown_value" and "esd, gced, heritage" in errors["theme"]["message"]
    assert errors["colour"]["reason"] == "unknown_parameter"
    one = client.get("/api/v1/institutions/twelve")
    assert one.status_code == 400 and one.json()["errors"][0]["parameter"] == "id"
    assert client.get("/api/v1/institutions/99999999").status_code == 404
    assert client.get("/api/v1/networks/ATA").json()["error"] == "not_found"
    missing = client.get("/api/v1/schools")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


@pytest.mark.analytic_copy
@pytest.mark.parametrize("endpoint", open_data.ENDPOINTS, ids=lambda e: e.name)
def test_hostile_values_in_every_parameter_are_refused_or_bound_never_a_500(client, db, endpoint):
    """The directory's injection list in every parameter of every endpoint: a 400 that names the
    parameter, or (free text: the search) an answer with only what the words match."""
    everything = client.get("/api/v1/institutions?per_page=1").json()["total"]
    base = endpoint.path.replace("{id}", "3").replace("{iso3}", "FRA")
    for param in endpoint.params:
        # Values checked against a list need only a sample; free text and codes get every payload.
        payloads = HOSTILE if param.name in ("q", "country", "id", "iso3", "cursor") else SAMPLE
        for payload in payloads:
            if param.where == "path":
                url, query = f"/api/v1{endpoint.path.replace('{' + param.name + '}', '')}", {}
                answer = client.get(url + quote(payload, safe=""))
            else:
                query = {param.name: payload}
                answer = client.get(f"/api/v1{base}", params=query)
            assert answer.status_code in (200, 400, 404), (param.name, payload, answer.status_code)
            assert answer.headers["content-type"] == "application/json"
            if answer.status_code == 400:
                assert param.name in {e["parameter"] for e in answer.json()["errors"]}, (param.name, payload)
            elif param.name == "q" and answer.status_code == 200:
                assert answer.json()["total"] <= everything
    # Nothing was written on the way.
    assert client.get("/api/v1/figures").json()["data_version"] == db.data_version


def test_the_etag_is_the_data_version_and_a_write_changes_it(scratch_client, scratch_copy):
    first = scratch_client.get("/api/v1/institutions?theme=gced")
    etag = first.headers["etag"]
    again = scratch_client.get("/api/v1/institutions?theme=gced", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = scratch_client.get("/api/v1/institutions?theme=gced", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    other = scratch_client.get("/api/v1/institutions?theme=esd", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    with open_database(scratch_copy) as db:
        row = first.json()["institutions"][0]
        db.write(lambda cur: cur.execute("UPDATE institutions SET city = 'Nouvelle ville' WHERE id = ?", [row["id"]]))
        version = db.data_version
    seen_by_the_api(scratch_client, version)
    changed = scratch_client.get("/api/v1/institutions?theme=gced", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["data_version"] == version
    assert changed.json()["institutions"][0]["city"] == "Nouvelle ville"


@pytest.mark.analytic_copy
def test_cors_is_open_for_get_and_its_preflight(client):
    answer = client.get("/api/v1/figures", headers={"Origin": "https://school.example"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "ETag" in answer.headers["access-control-expose-headers"]
    preflight = client.options(
        "/api/v1/institutions",
        headers={
            "Origin": "https://school.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]
    refused = client.options(
        "/api/v1/institutions",
        headers={"Origin": "https://school.example", "Access-Control-Request-Method": "POST"},
    )
    assert refused.status_code == 400
    assert client.post("/api/v1/institutions").status_code == 405


@pytest.mark.analytic_copy
def test_a_client_past_its_rate_gets_429_with_retry_after(demo_path, monkeypatch, tmp_path):
    use_database(monkeypatch, demo_path)
    monkeypatch.setenv("ASPNET_API_RATE", "5")
    api._limits.clear()
    client = TestClient(Starlette(routes=ROUTES))
    codes = [client.get("/api/v1/figures").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    refused = client.get("/api/v1/networks")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "try again" in refused.json()["message"]
    # Behind the balancer (a loopback peer), each forwarded address has its own allowance.
    assert api.client_of(_request("127.0.0.1", "203.0.113.9")) == "203.0.113.9"
    assert api.client_of(_request("198.51.100.1", "203.0.113.9")) == "198.51.100.1"
    assert client.get("/healthz").status_code == 200  # health checks are never limited
    api._limits.clear()


def _request(peer: str, forwarded: str):
    from starlette.requests import Request

    return Request(
        {"type": "http", "client": (peer, 1234), "headers": [(b"x-forwarded-for", forwarded.encode())], "method": "GET"}
    )


def test_the_bucket_refills_with_time():
    now = [0.0]
    limit = api.RateLimit(60, clock=lambda: now[0])
    assert all(limit.wait("a") == 0 for _ in range(60))
    assert limit.wait("a") == pytest.approx(1.0) and limit.wait("b") == 0
    now[0] += 2.0
    assert limit.wait("a") == 0 and limit.wait("a") == 0 and limit.wait("a") > 0
    assert api.RateLimit(0).wait("a") == 0


def test_bulk_files_match_their_manifest_and_are_made_once_per_data_version(
    scratch_client, scratch_copy, monkeypatch, tmp_path
):
    made = []
    real = open_data.dump_frame
    monkeypatch.setattr(open_data, "dump_frame", lambda db: made.append(1) or real(db))
    manifest = scratch_client.get("/api/v1/dumps/manifest.json").json()
    with open_database(scratch_copy) as db:
        public = db.scalar("SELECT count(*) FROM institutions WHERE status <> 'withdrawn'")
        assert manifest["data_version"] == db.data_version and manifest["as_of"]
    for fmt in open_data.DUMP_FORMATS:
        entry = manifest["files"][f"institutions.{fmt}"]
        answer = scratch_client.get(entry["url"])
        assert answer.status_code == 200 and len(answer.content) == entry["bytes"]
        assert hashlib.sha256(answer.content).hexdigest() == entry["sha256"] and entry["rows"] == public
        assert scratch_client.get(entry["url"], headers={"If-None-Match": answer.headers["etag"]}).status_code == 304
    assert (
        pl.read_parquet(io.BytesIO(scratch_client.get("/api/v1/dumps/institutions.parquet").content)).height == public
    )
    assert len(json.loads(scratch_client.get("/api/v1/dumps/institutions.geojson").content)["features"]) == public
    assert made == [1]  # every request above read the files written once
    with open_database(scratch_copy) as db:
        db.write(lambda cur: cur.execute("UPDATE institutions SET status = 'withdrawn' WHERE id = 3"))
        seen_by_the_api(scratch_client, db.data_version)
    newer = scratch_client.get("/api/v1/dumps/manifest.json").json()
    assert newer["data_version"] == manifest["data_version"] + 1 and made == [1, 1]
    assert newer["files"]["institutions.csv"]["rows"] == public - 1
    folders = [p.name for p in next((tmp_path / "dumps").iterdir()).iterdir() if p.is_dir()]
    assert folders == [f"v{newer['data_version']}"]  # the older version's files are gone


@pytest.mark.analytic_copy
def test_the_openapi_document_validates_and_lists_every_route_and_parameter(client):
    answer = client.get("/api/v1/openapi.json")
    document = answer.json()
    validate(document)
    assert document["openapi"] == "3.1.0" and document["info"]["license"]["identifier"] == "CC-BY-4.0"
    served = {open_data.BASE + r.path for r in api.API.routes if isinstance(r, Route)}
    assert set(document["paths"]) == served
    for endpoint, _, path in open_data.routes():
        operation = document["paths"][path]["get"]
        listed = {p["name"]: p for p in operation["parameters"]}
        assert set(listed) == {p.name for p in endpoint.params}, path
        for param in endpoint.params:
            schema = listed[param.name]["schema"]
            if param.choices is not None:
                assert (schema["items"] if param.repeated else schema)["enum"] == list(param.choices)
    theme = next(p for p in document["paths"]["/api/v1/institutions"]["get"]["parameters"] if p["name"] == "theme")
    assert theme["schema"]["items"]["enum"] == ["esd", "gced", "heritage"] and theme["explode"] is True
    assert client.get("/api/v1/openapi.json", headers={"If-None-Match": answer.headers["etag"]}).status_code == 304
