import string

import pytest

from gateway.domain import referrals
from gateway.domain.errors import ADDRESS_KINDS, MESSAGES, text, texts
from gateway.domain.subjects import SubjectRequestError
from gateway.domain.webhook_urls import Refusal, refusal_code, refusal_messages
from gateway.entrypoints.errors import ANSWERS, api_error


def names(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_has_both_languages_naming_the_same_values(code: str) -> None:
    text_id, text_en = MESSAGES[code]
    assert text_id and text_en and text_id != text_en
    assert names(text_id) == names(text_en)


def test_every_answer_of_the_api_has_its_words_in_the_catalogue() -> None:
    assert set(ANSWERS) <= set(MESSAGES)


def test_every_refusal_of_an_action_is_in_the_catalogue() -> None:
    refusals = referrals.ActionRefusedError.__subclasses__()
    assert {r.code for r in refusals} <= set(MESSAGES) and len(refusals) == 4


def test_a_refused_action_reads_in_indonesian_first_and_in_english_on_request() -> None:
    refused = referrals.InvalidTransitionError(status="resolved", target="acknowledged")
    assert refused.message_id == "Rujukan berstatus resolved tidak dapat menjadi acknowledged."
    assert refused.message == "A referral that is resolved cannot become acknowledged."
    answer = api_error("invalid_transition", status="resolved", target="acknowledged")
    assert (answer.status, answer.text("id"), answer.text("en")) == (
        409,
        refused.message_id,
        refused.message,
    )


def test_a_code_shared_by_two_answers_keeps_each_its_own_words() -> None:
    webhook, referral = api_error("no_webhook"), api_error("not_found")
    assert (webhook.code, webhook.status) == (referral.code, referral.status) == ("not_found", 404)
    assert webhook.text("id") != referral.text("id")


def test_the_command_line_and_the_api_word_a_subject_refusal_alike() -> None:
    refused = SubjectRequestError("invalid_nik")
    assert refused.text("id") == api_error("invalid_nik").text("id") == text("invalid_nik", "id")
    assert refused.text("en") == api_error("invalid_nik").text("en") == texts("invalid_nik")[1]


@pytest.mark.parametrize("kind", sorted(ADDRESS_KINDS))
def test_a_refused_address_is_named_in_each_language_in_its_own_words(kind: str) -> None:
    refusal = Refusal(kind)  # type: ignore[arg-type]
    en, id_ = refusal_messages(refusal)
    kind_id, kind_en = ADDRESS_KINDS[kind]
    assert refusal_code(refusal) == "webhook_address_refused"
    assert f"alamat {kind_id};" in id_ and f"a {kind_en} address" in en
