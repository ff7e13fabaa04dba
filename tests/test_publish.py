"""publish: the real publisher against a local stand-in for Zenodo's API, and the Hub upload."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import run_module
from tests.fake_zenodo import Fault, FakeZenodo

TOKEN = "s3cret-token-9f8e7d"
NAME = "zh-health-work-reports-0.1.0"
UPLOADED = [f"{NAME}.zip", "documents.parquet", "documents.jsonl", "README.md", "CITATION.cff", "LICENSE", "SHA256SUMS"]


@pytest.fixture
def released(repo):
    result = run_module(repo, "release", "0.1.0")
    assert result.returncode == 0, result.stderr
    return repo


@pytest.fixture
def zenodo():
    fake = FakeZenodo(token=TOKEN).start()
    yield fake
    fake.stop()


def publish(repo, zenodo, *args, token=TOKEN, concept=None):
    env = {"ZENODO_TOKEN": token, "ZENODO_CONCEPT_ID": concept or ""}
    result = run_module(repo, "publish", "--target", "zenodo", "--api-url", zenodo.url, "--backoff", "0.01",
                        "--timeout", "1", *args, env=env)
    assert TOKEN not in result.stdout + result.stderr  # never printed, whatever happened
    assert all(TOKEN not in r["query"] for r in zenodo.requests)  # never in a URL
    return result


def calls(zenodo) -> list[str]:
    return [f"{r['method']} {r['path'].replace(zenodo.url.split('/api')[0], '')}" for r in zenodo.requests]


def test_first_release_creates_uploads_describes_and_publishes(released, zenodo):
    result = publish(released, zenodo)
    assert result.returncode == 0, result.stderr
    (deposition,) = zenodo.depositions.values()
    number, bucket = deposition["id"], deposition["links"]["bucket"].rsplit("/", 1)[-1]
    assert calls(zenodo) == [
        "GET /api/deposit/depositions", "POST /api/deposit/depositions", f"GET /api/files/{bucket}",
        *[f"PUT /api/files/{bucket}/{name}" for name in UPLOADED],
        f"PUT /api/deposit/depositions/{number}", f"POST /api/deposit/depositions/{number}/actions/publish"]
    assert all(r["authorization"] == f"Bearer {TOKEN}" for r in zenodo.requests)
    assert deposition["submitted"] and f"10.5072/zenodo.{number}" in result.stdout


def test_metadata_comes_from_the_package_and_citation(released, zenodo):
    assert publish(released, zenodo).returncode == 0
    (deposition,) = zenodo.depositions.values()
    metadata = deposition["metadata"]
    assert metadata["title"] == "Chinese local health-administration work reports and speeches"
    assert (metadata["upload_type"], metadata["license"], metadata["version"]) == ("dataset", "odc-by-1.0", "0.1.0")
    assert metadata["creators"] == [{"name": "zh-health-work-reports contributors"}]
    assert "public health" in metadata["keywords"] and "opencc" in metadata["description"]


def test_uploaded_bytes_match_the_release_and_its_sha256sums(released, zenodo):
    assert publish(released, zenodo).returncode == 0
    files = zenodo.files(next(iter(zenodo.depositions.values())))
    folder = released / "dist" / NAME
    sums = dict(reversed(line.split("  ")) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert sorted(files) == sorted(UPLOADED)
    for name, data in files.items():
        local = (released / "dist" / name) if name.endswith(".zip") else folder / name
        assert data == local.read_bytes(), name
        if name in sums:
            assert hashlib.sha256(data).hexdigest() == sums[name], name


def test_new_version_of_a_concept_drops_stale_files_and_skips_unchanged_ones(released, zenodo):
    folder = released / "dist" / NAME
    previous = zenodo.new_deposition(concept=777, submitted=True, metadata={"title": "x", "version": "0.0.9"},
                                     files={"old-0.0.9.zip": b"old", "LICENSE": (folder / "LICENSE").read_bytes()})
    previous["conceptrecid"] = "777"
    result = publish(released, zenodo, concept="777")
    assert result.returncode == 0, result.stderr
    draft = max(zenodo.depositions.values(), key=lambda d: d["id"])
    assert draft["conceptrecid"] == "777" and draft["submitted"] and draft["id"] != previous["id"]
    assert f"POST /api/deposit/depositions/{previous['id']}/actions/newversion" in calls(zenodo)
    assert sorted(zenodo.files(draft)) == sorted(UPLOADED)
    puts = [c for c in calls(zenodo) if c.startswith("PUT /api/files/")]
    assert not any(c.endswith("/LICENSE") for c in puts)  # same MD5 as the copy carried over
    assert "removing old-0.0.9.zip" in result.stdout


def test_interrupted_publish_resumes_the_same_draft_without_resending(released, zenodo):
    zenodo.faults.append(Fault("POST", r"/api/deposit/depositions/\d+/actions/publish", times=5, status=503))
    first = publish(released, zenodo)
    assert first.returncode == 1
    (line,) = [l for l in first.stderr.splitlines() if l.startswith("error:")]
    assert "Zenodo answered 503 after 5 attempts" in line
    uploads_before = sum(1 for c in calls(zenodo) if c.startswith("PUT /api/files/"))
    second = publish(released, zenodo)
    assert second.returncode == 0, second.stderr
    assert len(zenodo.depositions) == 1 and next(iter(zenodo.depositions.values()))["submitted"]
    assert "resuming unpublished draft" in second.stdout
    assert sum(1 for c in calls(zenodo) if c.startswith("PUT /api/files/")) == uploads_before == len(UPLOADED)


def test_a_version_already_published_is_refused(released, zenodo):
    assert publish(released, zenodo).returncode == 0
    again = publish(released, zenodo)
    assert again.returncode == 1 and "version 0.1.0 is already published" in again.stderr


def test_server_errors_and_timeouts_are_retried_then_succeed(released, zenodo):
    zenodo.faults += [Fault("POST", r"/api/deposit/depositions", times=2, status=502),
                      Fault("GET", r"/api/files/.*", times=1, status=None, delay=1.5)]
    result = publish(released, zenodo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("retry: POST /deposit/depositions: Zenodo answered 502") == 2
    assert "retry: GET" in result.stdout and "ReadTimeout" in result.stdout


@pytest.mark.parametrize("status, cause", [(401, "did not accept the token"), (403, "lacks the deposit:write"),
                                           (404, "not found: check ZENODO_CONCEPT_ID")])
def test_client_errors_end_in_one_line_without_retrying(released, zenodo, status, cause):
    zenodo.faults.append(Fault("GET", r"/api/deposit/depositions", times=1, status=status))
    result = publish(released, zenodo)
    errors = [l for l in result.stderr.splitlines() if l.strip()]
    assert result.returncode == 1 and len(errors) == 1 and cause in errors[0]
    assert len(zenodo.requests) == 1


def test_wrong_token_is_reported_and_not_echoed(released, zenodo):
    result = publish(released, zenodo, token="wrong-token-123")
    assert result.returncode == 1 and "did not accept the token" in result.stderr
    assert "wrong-token-123" not in result.stdout + result.stderr


def test_missing_token_is_reported(released, zenodo):
    result = publish(released, zenodo, token="")
    assert result.returncode == 1 and "ZENODO_TOKEN is not set" in result.stderr and zenodo.requests == []


def test_dry_run_prints_masked_requests_and_sends_nothing(released, zenodo):
    result = publish(released, zenodo, "--dry-run")
    assert result.returncode == 0 and zenodo.requests == []
    lines = [l for l in result.stdout.splitlines() if l.startswith("dry-run: ")]
    assert lines[0].startswith(f"dry-run: POST {zenodo.url}/deposit/depositions")
    assert all("Bearer ****" in l for l in lines[:-1])
    assert sum(1 for l in lines if "PUT" in l and "/files/" in l) == len(UPLOADED)


def test_hugging_face_upload_of_the_release_folder(released, monkeypatch, capsys):
    from huggingface_hub import HfApi

    from scripts import publish as publisher

    seen = {}

    class CommitInfo:
        pr_url = "https://huggingface.co/datasets/org/data/discussions/1"

    monkeypatch.setattr(HfApi, "create_repo", lambda self, *a, **k: seen.setdefault("create_repo", (a, k)))
    monkeypatch.setattr(HfApi, "upload_folder", lambda self, **k: seen.setdefault("upload", k) and CommitInfo())
    monkeypatch.setenv("HF_REPO", "org/data")
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    release = publisher.Release("zh-health-work-reports", "0.1.0", released / "dist" / NAME, [], {}, {})
    line = publisher.publish_hf(release, create_pr=True, dry_run=False)
    assert seen["upload"]["repo_id"] == "org/data" and seen["upload"]["repo_type"] == "dataset"
    assert seen["upload"]["create_pr"] is True and seen["upload"]["folder_path"].endswith(NAME)
    assert "create_repo" not in seen  # a pull request goes to an existing repository
    assert TOKEN not in line + capsys.readouterr().out


@pytest.mark.parametrize("version", ["01.2.3", "1.2.3\n", "../1.2.3", "1.2.3-rc.1"])
def test_a_malformed_version_is_refused_before_any_file_is_looked_for(version):
    from scripts.publish import PublishError, Release

    with pytest.raises(PublishError, match="is not MAJOR.MINOR.PATCH"):
        Release.load(version)
