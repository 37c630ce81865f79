"""How a request's `query` and `extensions.persistedQuery` become the document it runs (`documents.DocumentStore`),
and how manifests are read; hashes computed with hashlib."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from clustergraph.documents import (
    MAX_REMEMBERED_CHARS,
    DocumentError,
    DocumentStore,
    ManifestError,
    read_manifest,
)
from clustergraph.settings import Settings

DOC = "{ __typename }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def ext(text: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


def store(**changes: object) -> DocumentStore:
    trusted = changes.pop("trusted", None)
    settings = Settings(_env_file=None).model_copy(update=changes)  # type: ignore[call-arg]
    return DocumentStore(settings, trusted)  # type: ignore[arg-type]


def code(excinfo: pytest.ExceptionInfo[DocumentError]) -> str:
    return excinfo.value.code


def test_a_plain_request_runs_its_query_untouched():
    resolved = store().resolve(DOC, None)
    assert resolved.query is DOC
    assert resolved.remember_as is None


def test_a_document_sent_with_its_hash_is_remembered_only_when_told():
    documents = store()
    resolved = documents.resolve(DOC, ext(DOC))
    assert resolved.remember_as == sha(DOC)
    with pytest.raises(DocumentError) as missing:
        documents.resolve(None, ext(DOC))
    assert code(missing) == "PERSISTED_QUERY_NOT_FOUND"
    documents.remember(resolved)
    assert documents.resolve(None, ext(DOC)).query == DOC


def test_the_hash_is_case_insensitive():
    documents = store()
    documents.remember(documents.resolve(DOC, ext(DOC)))
    upper = {"persistedQuery": {"version": 1, "sha256Hash": sha(DOC).upper()}}
    assert documents.resolve(None, upper).query == DOC


def test_long_documents_run_but_are_not_remembered():
    long = "{ __typename " + " " * MAX_REMEMBERED_CHARS + "}"
    assert store().resolve(long, ext(long)).remember_as is None


def test_trusted_documents_are_found_by_hash_and_by_text_and_others_refused_when_only():
    documents = store(trusted={sha(DOC): DOC}, trusted_documents_only=True, trusted_documents=Path("m.json"))
    assert documents.resolve(None, ext(DOC)).query == DOC
    assert documents.resolve(DOC, None).query == DOC
    for query, extensions in (("{ a }", None), (None, ext("{ a }")), ("{ a }", ext("{ a }"))):
        with pytest.raises(DocumentError) as refused:
            documents.resolve(query, extensions)
        assert code(refused) == "UNTRUSTED_DOCUMENT"


def test_no_store_means_hashes_are_not_supported():
    with pytest.raises(DocumentError) as refused:
        store(persisted_query_cache_size=0).resolve(None, ext(DOC))
    assert code(refused) == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert refused.value.message == "PersistedQueryNotSupported"


def test_a_manifest_is_read_in_either_format(tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({sha(DOC): DOC}), encoding="utf-8")
    apollo = tmp_path / "apollo.json"
    operations = [{"id": sha(DOC), "name": None, "type": "query", "body": DOC}]
    apollo.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}),
        encoding="utf-8",
    )
    assert read_manifest(plain) == read_manifest(apollo) == {sha(DOC): DOC}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("[1]", "a manifest is a JSON object"),
        ("{", "is not JSON"),
        (json.dumps({"abc": DOC}), "the key must be a sha256"),
        (json.dumps({sha(DOC): 5}), "the document must be a string"),
    ],
)
def test_a_bad_manifest_names_the_file_and_the_problem(tmp_path, content, says):
    path = tmp_path / "manifest.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError) as refused:
        read_manifest(path)
    assert str(path) in str(refused.value)
    assert says in str(refused.value)
