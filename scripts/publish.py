"""publish: put a release made by `make release` on Zenodo or the Hugging Face Hub.

    make publish TARGET=zenodo [VERSION=x.y.z] [ARGS="--sandbox --dry-run"]
    make publish TARGET=hf [ARGS=--create-pr]
    python -m scripts.publish --target zenodo|hf [--version V] [--sandbox] [--dry-run] [--create-pr]

Zenodo: a new version of the concept record ZENODO_CONCEPT_ID if set, else a new deposition; every
release file uploaded to the deposition's bucket; metadata from datapackage.json and CITATION.cff;
then published. Safe to re-run: an unpublished draft for the same record is resumed, not doubled;
files already in the bucket with the same MD5 are not sent again; files a new-version draft carried
over from the previous version are removed; a version already published is refused. The token comes
from ZENODO_TOKEN only and travels in a header; it is never printed. 5xx answers and timeouts are
retried with backoff a bounded number of times; every failure ends in one line and exit status 1.

Hugging Face: the release folder uploaded to the dataset repository HF_REPO with HF_TOKEN (as a pull
request with --create-pr).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests
import yaml

from scripts.package import DESCRIPTOR
from scripts.pipeline import ROOT, file_digest
from scripts.release import DIST, VERSION

ZENODO_API = "https://zenodo.org/api"
ZENODO_SANDBOX_API = "https://sandbox.zenodo.org/api"
# The zip is the self-contained package; the rest are there to be read or loaded without unzipping.
UPLOADED = ["{name}.zip", "documents.parquet", "documents.jsonl", "README.md", "CITATION.cff", "LICENSE", "SHA256SUMS"]


class PublishError(Exception):
    """One line that says what went wrong and what to do."""


@dataclass
class Release:
    name: str
    version: str
    folder: Path
    files: list[Path]
    package: dict
    citation: dict

    @classmethod
    def load(cls, version: str | None) -> "Release":
        package = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
        version = version or package.get("version")
        if not version:
            raise PublishError("no version: pass --version or run `make release VERSION=x.y.z` first")
        if not VERSION.fullmatch(version):
            raise PublishError(f"version {version!r} is not MAJOR.MINOR.PATCH without leading zeros")
        stem = f"{package['name']}-{version}"
        folder = DIST / stem
        if not folder.is_dir() or not (DIST / f"{stem}.zip").is_file():
            raise PublishError(f"dist/{stem}/ or dist/{stem}.zip missing: run `make release VERSION={version}` first")
        released = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        citation = yaml.safe_load((folder / "CITATION.cff").read_text(encoding="utf-8"))
        files = []
        for pattern in UPLOADED:
            name = pattern.format(name=stem)
            if name == "documents.parquet" and not (folder / name).exists():  # sharded: every shard
                files += sorted(folder.glob("documents-[0-9][0-9][0-9][0-9][0-9]-of-*.parquet"))
                continue
            files.append(DIST / name if name.endswith(".zip") else folder / name)
        return cls(package["name"], version, folder, files, released, citation)


def zenodo_metadata(release: Release) -> dict:
    """datapackage.json and CITATION.cff -> Zenodo deposition metadata."""
    package, citation = release.package, release.citation
    creators = []
    for author in citation.get("authors", []):
        if "family-names" in author:
            creator = {"name": f"{author['family-names']}, {author.get('given-names', '')}".strip(", ")}
        else:
            creator = {"name": author["name"]}
        if author.get("affiliation"):
            creator["affiliation"] = author["affiliation"]
        if author.get("orcid"):
            creator["orcid"] = author["orcid"].rsplit("/", 1)[-1]
        creators.append(creator)
    tools = ", ".join(f"{k} {v}" for k, v in package.get("x_build", {}).get("tools", {}).items())
    metadata = {
        "title": package["title"],
        "upload_type": "dataset",
        "description": f"<p>{html.escape(package['description'])}</p><p>Built with {html.escape(tools)}. "
                       f"Fields, sources and known limits are in README.md.</p>",
        "creators": creators,
        "license": package["licenses"][0]["name"].lower(),
        "keywords": package.get("keywords", []),
        "version": release.version,
    }
    repository = citation.get("repository-code")
    if repository:
        metadata["related_identifiers"] = [
            {"identifier": repository, "relation": "isCompiledBy", "resource_type": "software"}]
    return metadata


@dataclass
class Zenodo:
    """The part of Zenodo's deposition API the publisher uses, with retries and one-line errors."""

    api: str
    token: str
    dry_run: bool = False
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 60.0
    say: Callable[[str], None] = print
    session: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, url: str, *, json_body: dict | None = None, data_path: Path | None = None,
             params: dict | None = None) -> dict:
        url = url if url.startswith("http") else f"{self.api}{url}"
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.dry_run:
            body = f" {json.dumps(json_body, ensure_ascii=False)[:200]}" if json_body is not None else ""
            body += f" <{data_path.name}, {data_path.stat().st_size} bytes>" if data_path else ""
            self.say(f"dry-run: {method} {url}{'?' + '&'.join(f'{k}={v}' for k, v in params.items()) if params else ''}"
                     f"  [Authorization: Bearer ****]{body}")
            return {}
        for attempt in range(self.retries + 1):
            try:
                if data_path is not None:
                    with open(data_path, "rb") as handle:
                        response = self.session.request(method, url, data=handle, params=params, timeout=self.timeout,
                                                        headers={**headers, "Content-Type": "application/octet-stream"})
                else:
                    response = self.session.request(method, url, json=json_body, params=params, headers=headers,
                                                    timeout=self.timeout)
            except (requests.Timeout, requests.ConnectionError) as error:
                cause = f"no answer from Zenodo ({type(error).__name__})"
            else:
                if response.status_code < 400:
                    return response.json() if response.content else {}
                if response.status_code < 500:
                    raise PublishError(self._refusal(method, url, response))
                cause = f"Zenodo answered {response.status_code}"
            if attempt < self.retries:
                delay = self.backoff * 2 ** attempt
                self.say(f"retry: {method} {self._path(url)}: {cause}; again in {delay:g}s")
                time.sleep(delay)
        raise PublishError(f"{method} {self._path(url)}: {cause} after {self.retries + 1} attempts; try again later")

    def _path(self, url: str) -> str:
        return url[len(self.api):] if url.startswith(self.api) else url

    def _refusal(self, method: str, url: str, response: requests.Response) -> str:
        where = f"{method} {self._path(url)}"
        try:
            message = str(response.json().get("message", ""))[:200]
        except ValueError:
            message = response.text[:200]
        hint = {
            401: "Zenodo did not accept the token: check ZENODO_TOKEN (and --sandbox: sandbox tokens differ)",
            403: "the token lacks the deposit:write / deposit:actions scopes, or the record is not yours",
            404: "not found: check ZENODO_CONCEPT_ID and that it belongs to this Zenodo (or the sandbox)",
        }.get(response.status_code, f"Zenodo refused it ({response.status_code})")
        return f"{where}: {hint}" + (f" — {message}" if message else "")


def same_record(deposition: dict, release: Release, concept: str | None) -> bool:
    if concept:
        return str(deposition.get("conceptrecid", "")) == str(concept)
    return deposition.get("title") == release.package["title"] or \
        deposition.get("metadata", {}).get("title") == release.package["title"]


def depositions(zenodo: Zenodo) -> list[dict]:
    found, page = [], 1
    while True:
        batch = zenodo.call("GET", "/deposit/depositions", params={"all_versions": "true", "size": 100, "page": page})
        found += batch if isinstance(batch, list) else []
        if not isinstance(batch, list) or len(batch) < 100:
            return found
        page += 1


def find_or_create_draft(zenodo: Zenodo, release: Release, concept: str | None) -> dict:
    if zenodo.dry_run:
        if concept:
            zenodo.call("POST", f"/deposit/depositions/<latest version of {concept}>/actions/newversion")
        else:
            zenodo.call("POST", "/deposit/depositions", json_body={})
        return {"id": "<deposition-id>", "links": {"bucket": f"{zenodo.api}/files/<bucket-id>"}}
    mine = [d for d in depositions(zenodo) if same_record(d, release, concept)]
    for deposition in mine:
        if deposition.get("submitted") and deposition.get("metadata", {}).get("version") == release.version:
            raise PublishError(f"version {release.version} is already published "
                               f"({deposition.get('links', {}).get('html', deposition.get('id'))}); "
                               "release a new version instead")
    drafts = [d for d in mine if not d.get("submitted")]
    if drafts:
        draft = max(drafts, key=lambda d: int(d["id"]))
        zenodo.say(f"zenodo: resuming unpublished draft {draft['id']}")
        return zenodo.call("GET", f"/deposit/depositions/{draft['id']}")
    if concept:
        published = [d for d in mine if d.get("submitted")]
        if not published:
            raise PublishError(f"concept record {concept} has no published version among this token's depositions")
        latest = max(published, key=lambda d: int(d["id"]))
        answer = zenodo.call("POST", f"/deposit/depositions/{latest['id']}/actions/newversion")
        draft = zenodo.call("GET", answer["links"]["latest_draft"])
        zenodo.say(f"zenodo: new version draft {draft['id']} of concept {concept}")
        return draft
    draft = zenodo.call("POST", "/deposit/depositions", json_body={})
    zenodo.say(f"zenodo: new deposition {draft['id']}")
    return draft


def sync_files(zenodo: Zenodo, draft: dict, release: Release) -> None:
    bucket = draft["links"]["bucket"]
    present = {} if zenodo.dry_run else {
        item["key"]: item.get("checksum", "") for item in zenodo.call("GET", bucket).get("contents", [])}
    wanted = {path.name for path in release.files}
    for key in sorted(set(present) - wanted):
        zenodo.say(f"zenodo: removing {key}, carried over from an earlier version")
        zenodo.call("DELETE", f"{bucket}/{key}")
    for path in release.files:
        if present.get(path.name) == f"md5:{file_digest(path, 'md5')}":
            zenodo.say(f"zenodo: {path.name} already uploaded (same MD5)")
            continue
        zenodo.call("PUT", f"{bucket}/{path.name}", data_path=path)
        if not zenodo.dry_run:
            zenodo.say(f"zenodo: uploaded {path.name} ({path.stat().st_size:,} bytes)")


def publish_zenodo(release: Release, sandbox: bool, dry_run: bool, api: str | None = None,
                   backoff: float = 1.0, timeout: float = 60.0, say: Callable[[str], None] = print) -> str:
    token = os.environ.get("ZENODO_TOKEN", "")
    if not token and not dry_run:
        raise PublishError("ZENODO_TOKEN is not set (a personal access token with deposit:write and deposit:actions)")
    zenodo = Zenodo(api or (ZENODO_SANDBOX_API if sandbox else ZENODO_API), token or "unset", dry_run=dry_run,
                    backoff=backoff, timeout=timeout, say=say)
    concept = os.environ.get("ZENODO_CONCEPT_ID") or None
    draft = find_or_create_draft(zenodo, release, concept)
    sync_files(zenodo, draft, release)
    zenodo.call("PUT", f"/deposit/depositions/{draft['id']}", json_body={"metadata": zenodo_metadata(release)})
    published = zenodo.call("POST", f"/deposit/depositions/{draft['id']}/actions/publish")
    if dry_run:
        return "dry-run: nothing sent"
    return f"zenodo: published {release.name} {release.version}: {published.get('doi_url') or published.get('links', {}).get('html', '')}"


def publish_hf(release: Release, create_pr: bool, dry_run: bool, say: Callable[[str], None] = print) -> str:
    repo = os.environ.get("HF_REPO", "")
    token = os.environ.get("HF_TOKEN", "")
    if not repo:
        raise PublishError("HF_REPO is not set (owner/name of the dataset repository)")
    files = sorted(p.relative_to(release.folder).as_posix() for p in release.folder.rglob("*") if p.is_file())
    message = f"Release {release.version}"
    if dry_run:
        say(f"dry-run: upload {len(files)} files of {release.folder.relative_to(ROOT)} to datasets/{repo} "
            f"({'as a pull request' if create_pr else 'on main'}), commit {message!r}, token {'****' if token else 'unset'}")
        return "dry-run: nothing sent"
    if not token:
        raise PublishError("HF_TOKEN is not set (a token with write access to the dataset repository)")
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=token)
    try:
        if not create_pr:
            api.create_repo(repo, repo_type="dataset", exist_ok=True)
        info = api.upload_folder(repo_id=repo, repo_type="dataset", folder_path=str(release.folder),
                                 commit_message=message, create_pr=create_pr)
    except HfHubHTTPError as error:
        status = getattr(error.response, "status_code", "?")
        raise PublishError(f"Hugging Face Hub refused the upload to {repo} ({status}): {str(error).splitlines()[0][:200]}") from None
    return f"hf: {message} uploaded to datasets/{repo}: {getattr(info, 'pr_url', None) or getattr(info, 'commit_url', '')}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=["zenodo", "hf"], required=True)
    parser.add_argument("--version", help="release to publish (default: the version in datapackage.json)")
    parser.add_argument("--sandbox", action="store_true", help="Zenodo's sandbox instead of zenodo.org")
    parser.add_argument("--dry-run", action="store_true", help="print the requests, send nothing")
    parser.add_argument("--create-pr", action="store_true", help="Hugging Face: open a pull request")
    parser.add_argument("--api-url", default=os.environ.get("ZENODO_API_URL"), help="Zenodo API base URL (tests)")
    parser.add_argument("--backoff", type=float, default=1.0, help="seconds before the first retry (doubles)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer")
    args = parser.parse_args(argv)
    try:
        release = Release.load(args.version)
        if args.target == "zenodo":
            line = publish_zenodo(release, args.sandbox, args.dry_run, args.api_url, args.backoff, args.timeout)
        else:
            line = publish_hf(release, args.create_pr, args.dry_run)
    except PublishError as error:
        print(f"error: publish: {error}", file=sys.stderr)
        sys.exit(1)
    print(line)


if __name__ == "__main__":
    main()
